#!/usr/bin/env bash
# Builds everything (RelWithDebInfo with assertions, build/test) and runs the
# whole test suite. Optional parts (GUI, CUDA probe, MPI probe) are built when
# their toolchains are present; GPU tests skip cleanly without a GPU.
#   ./test.sh              build + run all tests
#   ./test.sh --sanitize   the same under ASan + UBSan (build/asan)
set -euo pipefail
cd "$(dirname "$0")"
source scripts/deps.sh
hwplan_ensure_packages all

build=build/test
flags="-O2 -g"
extra=()
if [ "${1:-}" = "--sanitize" ]; then
  build=build/asan
  # No GUI, CUDA or MPI here: Qt, the CUDA runtime and MPI are not built
  # with the sanitizers (their own leaks and races would drown ours), and the
  # Qt build doubles the time; the plain ./test.sh covers them.
  extra=(-DHWPLAN_SANITIZE=ON -DHWPLAN_CUDA=OFF -DHWPLAN_BENCH=OFF -DHWPLAN_GUI=OFF -DHWPLAN_MPI=OFF)
  # abort_on_error: a report fails the test run, not just prints.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:check_initialization_order=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # -O1 and line tables only: the sanitizers' usual level, and it keeps the
  # second build of CI short (full debug info at -O2 doubles the compile).
  flags="-O1 -g1"
  shift
fi
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$flags" "${extra[@]}" | grep "hwplan:" || true
fi
cmake --build "$build" -j "$(nproc)"
export QT_QPA_PLATFORM=offscreen
ctest --test-dir "$build" --output-on-failure "$@"
