# Numpy baseline for bench/bench_shuffle.R: reads the benchmark series from a
# CSV (columns series, t, y; one row per step, rows of a series in t order),
# and for each of the first `n_series` series runs the shuffle test the plain
# way -- K times np.random.permutation(y), np.gradient(y_perm, t) and
# np.mean(np.abs(.)) -- then counts the centred two-sided exceedances for the
# plus-one p-value. It prints one line, "seconds=<elapsed> series=<m>
# k=<K> mean_p=<mean p-value>", which the R script parses and scales to the
# full set of series. Run with Debian's /usr/bin/python3 (python3-numpy);
# usage: bench_numpy.py CSV K N_SERIES SEED.
import sys
import time

import numpy as np


def main():
    path, k, n_series, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    data = np.genfromtxt(path, delimiter=",", names=True)
    ids = np.unique(data["series"])[:n_series]
    series = [(data["t"][data["series"] == s], data["y"][data["series"] == s]) for s in ids]
    np.random.seed(seed)
    p_values = []
    start = time.perf_counter()
    for t, y in series:
        t0 = np.mean(np.abs(np.gradient(y, t)))
        null = np.empty(k)
        for i in range(k):
            null[i] = np.mean(np.abs(np.gradient(np.random.permutation(y), t)))
        centre = null.mean()
        b = np.sum(np.abs(null - centre) >= np.abs(t0 - centre))
        p_values.append((b + 1) / (k + 1))
    elapsed = time.perf_counter() - start
    print("seconds=%.6f series=%d k=%d mean_p=%.6f" % (elapsed, len(series), k, np.mean(p_values)))


if __name__ == "__main__":
    main()
