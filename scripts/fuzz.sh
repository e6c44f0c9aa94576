#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, build/fuzz, HWPLAN_FUZZ=ON) and runs
# each for a fixed time, then prints executions and crashes per target.
#   scripts/fuzz.sh                      every target, 300 s each
#   scripts/fuzz.sh -t 60 unit_parse     one target, 60 s
#   scripts/fuzz.sh -r 1000000           stop each at 1M executions (or -t)
#   scripts/fuzz.sh -b                   build only
#   scripts/fuzz.sh -n ...               run what is built, no build step
# Crash/hang reproducers land in build/fuzz/artifacts/<target>/; replay one
# with build/fuzz/tests/fuzz/fuzz_<target> FILE. Fixed crashes go to
# tests/fuzz/corpus/<target>/ (seeds) and to a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."

time_s=300
runs=-1
build_only=0
no_build=0
while getopts "t:r:bnh" opt; do
  case "$opt" in
    t) time_s="$OPTARG" ;;
    r) runs="$OPTARG" ;;
    b) build_only=1 ;;
    n) no_build=1 ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

build=build/fuzz
cxx="${CXX_FUZZ:-$(command -v clang++ || command -v clang++-14 || true)}"
if [ -z "$cxx" ]; then echo "fuzz.sh: clang++ not found (libFuzzer needs clang)" >&2; exit 2; fi
launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" "${launcher[@]}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DHWPLAN_FUZZ=ON -DHWPLAN_TESTS=OFF -DHWPLAN_BENCH=OFF -DHWPLAN_GUI=OFF \
    -DHWPLAN_CUDA=OFF -DHWPLAN_MPI=OFF > /dev/null
fi
[ "$no_build" = 1 ] || nice ninja -C "$build" -j "${JOBS:-$(nproc)}" fuzz_targets
[ "$build_only" = 1 ] && exit 0

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for exe in "$build"/tests/fuzz/fuzz_*; do targets+=("$(basename "$exe" | sed 's/^fuzz_//')"); done
fi

seeds="$build/seeds"
rm -rf "$seeds"
python3 tests/fuzz/make_corpus.py "$seeds" > /dev/null
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

summary=()
status=0
for t in "${targets[@]}"; do
  exe="$build/tests/fuzz/fuzz_$t"
  [ -x "$exe" ] || { echo "fuzz.sh: no target '$t'" >&2; exit 2; }
  corpus="$build/corpus/$t"        # grows across runs
  artifacts="$build/artifacts/$t/"
  mkdir -p "$corpus" "$artifacts" "$seeds/$t"
  log="$build/logs/$t.log"
  mkdir -p "$(dirname "$log")"
  echo "== fuzz_$t: ${time_s}s (log: $log)"
  before=$(find "$artifacts" -type f | wc -l)
  rc=0
  "$exe" "$corpus" "$seeds/$t" -max_total_time="$time_s" -runs="$runs" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$artifacts" -print_final_stats=1 \
    > "$log" 2>&1 || rc=$?
  # (a crashed run lacks some of these lines: no match is not an error)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1 || true)
  crashes=$(( $(find "$artifacts" -type f | wc -l) - before ))
  cov=$( (grep -o 'cov: [0-9]*' "$log" || true) | tail -1 | sed 's/cov: //')
  line=$(printf '%-12s execs=%-10s time=%-6s exec/s=%-7s cov=%-6s corpus=%-5s crashes=%s rc=%s' \
    "$t" "${execs:-?}" "${secs:-?}s" "$(( ${execs:-0} / (${secs:-1} > 0 ? ${secs:-1} : 1) ))" "${cov:-?}" \
    "$(find "$corpus" -type f | wc -l)" "$crashes" "$rc")
  echo "$line"
  summary+=("$line")
  if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
    status=1
    grep -m3 -E "ERROR: |runtime error|fuzz invariant|Test unit written" "$log" || true
  fi
done
echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$status"
