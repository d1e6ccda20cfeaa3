#!/bin/sh
# Builds src/torch (no R) with tools/torch_check.cpp against a LibTorch tree
# and runs it: CPU versus CUDA interventions and inference, with timings.
# Usage: tools/torch-check.sh [LIBTORCH_DIR] [image size] [strengths]
# LIBTORCH_DIR: a LibTorch tree (include/, lib/), e.g. the torch/ folder of a
# Python install; without it, Debian's libtorch-dev.
set -eu
root="${1:-}"
here=$(cd "$(dirname "$0")/.." && pwd)
out="${TORCH_CHECK_BUILD:-$here/tools/torch-check-build}"
mkdir -p "$out"
if [ -n "$root" ]; then
  flags="-I$root/include -I$root/include/torch/csrc/api/include"
  libs="-L$root/lib -Wl,-rpath,$root/lib"
  [ -f "$root/lib/libtorch_cuda.so" ] && libs="$libs -Wl,--no-as-needed -ltorch_cuda -lc10_cuda -Wl,--as-needed"
  # Python wheels before the CXX11-ABI switch need the old ABI.
  abi=$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))' 2>/dev/null || echo 1)
  flags="$flags -D_GLIBCXX_USE_CXX11_ABI=$abi"
else
  flags="-I/usr/include/torch/csrc/api/include"
  libs=""
fi
libs="$libs -ltorch -ltorch_cpu -lc10"
for f in tensors model interventions pipeline; do
  g++ -std=c++17 -O2 -fPIC $flags -I"$here/src" -c "$here/src/torch/$f.cpp" -o "$out/$f.o" &
done
g++ -std=c++17 -O2 -fPIC -I"$here/src" -c "$here/src/core/resize.cpp" -o "$out/resize.o" &
g++ -std=c++17 -O2 $flags -I"$here/src" -c "$here/tools/torch_check.cpp" -o "$out/torch_check.o" &
wait
g++ -o "$out/torch_check" "$out"/*.o $libs
cd "$out" && ./torch_check "${2:-224}" "${3:-100}"
