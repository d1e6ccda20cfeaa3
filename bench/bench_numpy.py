# Python baselines for bench/bench_shuffle.R: reads the benchmark series from
# a CSV (columns series, t, y; one row per step, rows of a series in t order,
# series in the order the R script wants them used) and runs, each on the
# first m series, the shuffle test of the EPGM (mean absolute numpy.gradient)
# three ways:
#   loop     K times rng.permutation(y) + np.gradient + np.mean(np.abs()),
#            the plain way a user would write it;
#   batched  rng.permuted() on a B x N block of copies of y (in place, B =
#            1000 rows at a time so the block stays in cache), then the
#            gradient of all rows at once with slices (for evenly spaced t the
#            same centred differences np.gradient uses; else np.gradient on
#            the block), np.abs in place and a row sum;
#   scipy    scipy.stats.permutation_test(permutation_type="pairings") with a
#            vectorised statistic (the batched gradient above), n_resamples=K.
# loop and batched count the centred two-sided exceedances (centre = mean of
# the K shuffles) for the plus-one p-value; scipy reports its own two-sided
# p (twice the smaller one-sided p). Only the tests are timed (not the start,
# the imports or reading the CSV). For each method it prints one line
#   method=<name> seconds=<elapsed> cpu_seconds=<process CPU time> series=<m>
#   k=<K> p=<p1>;<p2>;...
# and first a line "versions python=... numpy=... scipy=...". Run with
# Debian's /usr/bin/python3 (python3-numpy, python3-scipy); usage:
#   bench_numpy.py CSV K SEED METHOD:M [METHOD:M ...]
# e.g. bench_numpy.py series.csv 10000 1 loop:10 batched:40 scipy:40.
import csv
import sys
import time

import numpy as np

BLOCK = 1000  # rows per block of the batched method


def read_series(path):
    order, data = [], {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            key = row["series"]
            if key not in data:
                order.append(key)
                data[key] = ([], [])
            data[key][0].append(float(row["t"]))
            data[key][1].append(float(row["y"]))
    return [(np.array(data[k][0]), np.array(data[k][1])) for k in order]


def centred_p(t0, null):
    centre = null.mean()
    b = np.count_nonzero(np.abs(null - centre) >= np.abs(t0 - centre))
    return (b + 1) / (null.size + 1)


def epgm_rows(t):
    """A function giving the EPGM of each row of a K x N block (last axis)."""
    n = t.size
    h = np.diff(t)
    if np.allclose(h, h[0], rtol=1e-12, atol=0):
        # np.gradient with a scalar spacing: (y[i+1] - y[i-1]) / 2h inside,
        # one-sided differences at the ends.
        h0 = h[0]

        def f(Y, axis=-1):
            Y = np.moveaxis(Y, axis, -1)
            D = np.subtract(Y[..., 2:], Y[..., :-2])
            np.abs(D, out=D)
            s = D.sum(axis=-1)
            s *= 0.5
            s += np.abs(Y[..., 1] - Y[..., 0])
            s += np.abs(Y[..., n - 1] - Y[..., n - 2])
            s /= h0 * n
            return s
    else:
        def f(Y, axis=-1):
            G = np.gradient(Y, t, axis=axis)
            np.abs(G, out=G)
            return G.mean(axis=axis)
    return f


def run_loop(t, y, k, rng):
    t0 = np.mean(np.abs(np.gradient(y, t)))
    null = np.empty(k)
    for i in range(k):
        null[i] = np.mean(np.abs(np.gradient(rng.permutation(y), t)))
    return centred_p(t0, null)


def run_batched(t, y, k, rng):
    f = epgm_rows(t)
    t0 = f(y[None, :])[0]
    null = np.empty(k)
    buf = np.empty((min(BLOCK, k), y.size))
    for start in range(0, k, BLOCK):
        rows = min(BLOCK, k - start)
        b = buf[:rows]
        b[:] = y
        rng.permuted(b, axis=1, out=b)
        null[start:start + rows] = f(b)
    return centred_p(t0, null)


def run_scipy(t, y, k, rng):
    from scipy import stats
    f = epgm_rows(t)
    res = stats.permutation_test((y,), f, permutation_type="pairings", vectorized=True,
                                 n_resamples=k, alternative="two-sided", random_state=rng)
    return res.pvalue


METHODS = {"loop": run_loop, "batched": run_batched, "scipy": run_scipy}


def main():
    path, k, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    series = read_series(path)
    versions = "python=%s numpy=%s" % (sys.version.split()[0], np.__version__)
    try:
        import scipy
        from scipy import stats  # noqa: F401 (imported before timing)
        versions += " scipy=%s" % scipy.__version__
    except ImportError:
        versions += " scipy=none"
    print("versions " + versions, flush=True)
    for spec in sys.argv[4:]:
        name, m = spec.split(":")
        m = min(int(m), len(series))
        rng = np.random.default_rng(seed)
        fun = METHODS[name]
        try:
            start, cpu_start = time.perf_counter(), time.process_time()
            p = [fun(t, y, k, rng) for t, y in series[:m]]
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        except Exception as e:  # a missing or too old scipy: say so, go on
            print("method=%s error=%s" % (name, repr(e).replace("\n", " ")), flush=True)
            continue
        print("method=%s seconds=%.6f cpu_seconds=%.6f series=%d k=%d p=%s" %
              (name, elapsed, cpu, m, k, ";".join("%.6g" % v for v in p)), flush=True)


if __name__ == "__main__":
    main()
