#!/usr/bin/env bash
# Builds hwplan (Release, build/release) and runs it. With no arguments it
# prints the default capacity report (DeepSeek-V3 on H800 nodes); otherwise
# the arguments go to `hwplan` (./run.sh kv --model llama-3.1-405b).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/deps.sh
hwplan_ensure_packages core

build=build/release
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHWPLAN_TESTS=OFF -DHWPLAN_BENCH=OFF \
    -DHWPLAN_GUI=AUTO -DHWPLAN_CUDA=OFF -DHWPLAN_MPI=OFF >/dev/null
  grep -h "hwplan: features" "$build/CMakeFiles/CMakeOutput.log" 2>/dev/null || true
fi
cmake --build "$build" --target hwplan >/dev/null || cmake --build "$build" --target hwplan

if [ $# -eq 0 ]; then
  exec "$build/cli/hwplan" report
fi
exec "$build/cli/hwplan" "$@"
