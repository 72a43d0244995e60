#!/usr/bin/env bash
# ThreadSanitizer run of the code that runs on more than one thread (`make tsan`,
# docs/RELIABILITY.md): the CPU kernels and the training layers (OpenMP parallel loops in
# kernels/cpu/ and host/nn/, through the kernels tests and the training tests, "the thread count
# does not change the result" among them) and the SystemC model (sim/, through its test suite).
# Not in CI: it needs its own build (about as long as the plain one) and runs 5-15x slower.
#
#   bash bench/tsan.sh [BUILD_DIR]        (default build-tsan)
#
# Why clang and LLVM's libomp rather than the GCC build: GCC's libgomp synchronises its threads
# (barriers, the end of a parallel region, reductions) with futexes and atomics TSan does not see,
# so without a TSan-built libgomp every parallel loop reads as a race, and a run full of false
# reports checks nothing. LLVM's libomp reports its synchronisation to TSan through Archer
# (libarcher.so, an OMPT tool loaded by OMP_TOOL_LIBRARIES; Debian package libomp-14-dev), so a
# report from this run is a real race in our code. The script checks that Archer is active.
#
# SystemC (Debian's 2.3.4) runs every SC_THREAD as a QuickThreads coroutine on the one OS thread
# that calls sc_start: TSan sees one thread there, so the model is checked for what TSan can
# check (no state shared with other OS threads), not for ordering between SystemC processes,
# which the kernel's scheduler serialises by design.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-tsan}
jobs=${JOBS:-$(nproc)}

archer=$(ls /usr/lib/llvm-*/lib/libarcher.so 2>/dev/null | sort -V | tail -n 1 || true)
if ! command -v clang++ >/dev/null || [[ -z "$archer" ]]; then
  echo "bench/tsan.sh: needs clang++ and LLVM's OpenMP with Archer; as root:" >&2
  echo "  apt-get install -y --no-install-recommends clang libomp-dev" >&2
  exit 1
fi

# Verilator off: the Verilated models run on the thread that evaluates them (no threads of their
# own, --threads is not used), and leaving them out halves the build.
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMPSIM_SANITIZE=thread \
    -DMPSIM_CUDA=OFF -DMPSIM_VERILATOR=OFF
fi
cmake --build "$build" -j "$jobs" --target mpsim_kernels_tests mpsim_train_tests mpsim_sim_tests

# More OpenMP threads than this 2-core machine has cores: more interleavings per parallel loop.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-4}
export OMP_TOOL_LIBRARIES="$archer"
export ARCHER_OPTIONS="verbose=1"
# halt_on_error: the first race fails the run; ignore_noninstrumented_modules: libomp itself is
# not instrumented and Archer supplies its semantics (Archer's documented setting).
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1"

status=0
run() {  # run NAME EXECUTABLE [CATCH ARGS...]
  local name=$1 log="$build/tsan_$1.log"
  shift
  local start=$SECONDS
  if "$@" >"$log" 2>&1; then
    echo "tsan: $name passed ($((SECONDS - start)) s)"
  else
    echo "tsan: $name FAILED ($((SECONDS - start)) s), log $log:" >&2
    tail -n 60 "$log" >&2
    status=1
  fi
  if [[ "$name" != sim ]] && ! grep -q "Archer detected OpenMP application" "$log"; then
    echo "tsan: $name: Archer did not attach (see $log); OpenMP synchronisation unseen, the run proves nothing" >&2
    status=1
  fi
}
run kernels "$build/tests/mpsim_kernels_tests"
run train "$build/tests/mpsim_train_tests" "[train]"
run sim "$build/tests/mpsim_sim_tests"
exit $status
