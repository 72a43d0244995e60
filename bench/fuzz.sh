#!/usr/bin/env bash
# The long fuzz run (docs/RELIABILITY.md): every libFuzzer target of tests/fuzz/ for SECONDS
# (default 600) each, one after the other, in the clang fuzz build (ASan + UBSan + libFuzzer).
# ctest in that build runs each for 60 s (`ctest -L fuzz`); this is the 10-minute version.
#
#   bash bench/fuzz.sh [SECONDS] [TARGET...]      (default 600, every target)
#   BUILD=build-fuzz JOBS=2 bash bench/fuzz.sh 60 workload checkpoint
#
# Each target works on a copy of its seeds in BUILD/tests/fuzz/corpus/<target>/ (grown there run
# after run); a failing input lands in BUILD/tests/fuzz/artifacts/<target>/ as crash-*, leak-*,
# timeout-* or oom-*. Keep it: fix the parser, then copy the input to
# tests/fuzz/regressions/<target>/, where every build's default suite replays it. The last lines
# of each target's log (BUILD/tests/fuzz/<target>.log) hold libFuzzer's final stats: runs
# (executions), corpus size, peak RSS. The script exits non-zero when any target failed.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
build=${BUILD:-build-fuzz}
jobs=${JOBS:-$(nproc)}
all=(hw_config scalesim_cfg energy_table scalesim_topology workload train_config experiment_config policy_config
     idx cifar checkpoint quantize_number)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all[@]}")

if ! command -v clang++ >/dev/null; then
  echo "bench/fuzz.sh: needs clang (libFuzzer); as root: apt-get install -y --no-install-recommends clang" >&2
  exit 1
fi
if [[ ! -f "$build/build.ninja" ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMPSIM_FUZZ=ON \
    -DMPSIM_CUDA=OFF -DMPSIM_VERILATOR=OFF -DMPSIM_WERROR=OFF || exit 1
fi
cmake --build "$build" -j "$jobs" --target "${targets[@]/#/fuzz_}" || exit 1

failed=()
for t in "${targets[@]}"; do
  work="$build/tests/fuzz/corpus/$t" artifacts="$build/tests/fuzz/artifacts/$t"
  mkdir -p "$work" "$artifacts"
  echo "== fuzz_$t: $seconds s"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: over 2 GiB is a memory bomb.
  # -jobs=1 runs the fuzzer as one child process that logs to fuzz-0.log in the working
  # directory: each target gets a directory of its own, so two runs never share that log.
  src=$PWD fuzz=$(cd "$build/tests/fuzz" && pwd)
  regressions=()
  [[ -d tests/fuzz/regressions/$t ]] && regressions=("$src/tests/fuzz/regressions/$t")
  mkdir -p "$fuzz/run/$t"
  if ! (cd "$fuzz/run/$t" && rm -f fuzz-0.log &&
        "$fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -jobs=1 -workers=1 \
          -print_final_stats=1 -artifact_prefix="$fuzz/artifacts/$t/" "$fuzz/corpus/$t" "$src/tests/fuzz/corpus/$t" \
          "${regressions[@]}" >/dev/null 2>&1; rc=$?; mv fuzz-0.log "$fuzz/$t.log"; exit $rc); then
    failed+=("$t")
  fi
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|^Done|ERROR|SUMMARY' "$build/tests/fuzz/$t.log" | head -n 6
  echo "   corpus: $(ls "$work" | wc -l) files; artifacts: $(ls "$artifacts" | wc -l)"
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "bench/fuzz.sh: failures in: ${failed[*]} (inputs under $build/tests/fuzz/artifacts/)" >&2
  exit 1
fi
echo "bench/fuzz.sh: ${#targets[@]} targets, $seconds s each, no failures"
