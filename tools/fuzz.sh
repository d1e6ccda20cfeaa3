#!/usr/bin/env bash
# Builds the libFuzzer target tests/fuzz/fuzz_core.cpp (clang, with
# AddressSanitizer and UBSan) over src/core and runs it.
#   tools/fuzz.sh 600          # by hand: 10 minutes, new inputs added to the kept corpus
#   tools/fuzz.sh 60 --ci      # CI: 60 s, the kept corpus is read but not changed
# Exits non-zero on any crash, sanitizer report, finding or hang.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
mode="${2:-}"
build="${PROPGRAD_FUZZ_BUILD:-tests/fuzz/build}"
corpus=tests/fuzz/corpus
mkdir -p "$build" "$corpus"
CXX="${CXX_FUZZ:-clang++}"
"$CXX" -std=c++17 -O1 -g -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Wall -Wno-unknown-pragmas -Isrc/core -isystem /usr/include/eigen3 \
  src/core/*.cpp tests/fuzz/fuzz_core.cpp -o "$build/fuzz_core"
if [ "$mode" = "--ci" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  dirs=("$work" "$corpus")
else
  dirs=("$corpus")
fi
# -timeout: one input taking over 10 s is a hang; -max_len: longer inputs
# only repeat what the size limits in the target already cap.
set +e
"$build/fuzz_core" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=4096 -print_final_stats=1 -artifact_prefix="$build/" "${dirs[@]}" > "$build/fuzz.log" 2>&1
status=$?
set -e
grep -E "^(#[0-9]+ +DONE|Done|stat::|SUMMARY|propgrad fuzz)|ERROR: " "$build/fuzz.log" || true
if [ "$status" -ne 0 ]; then
  echo "fuzz: FAILED (exit $status); see $build/fuzz.log and the crash-* file"
  exit 1
fi
echo "fuzz: no crash, hang or sanitizer report in ${seconds} s"
