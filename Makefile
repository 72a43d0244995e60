# The front door. `make test` and `make run` are all a user needs on a fresh Debian machine:
# each installs missing packages (scripts/install_deps.sh), configures, builds and runs.
# SANITIZE=address,undefined: the same build and tests under those sanitizers, in a build folder
# of its own so it never mixes with the plain one (README.md, docs/RELIABILITY.md). For
# ThreadSanitizer use `make tsan` (GCC's OpenMP runtime is invisible to TSan; bench/tsan.sh).
SANITIZE ?=
comma := ,
ifneq ($(SANITIZE),)
BUILD ?= build-sanitize-$(subst $(comma),-,$(SANITIZE))
SANITIZE_FLAGS := -DMPSIM_SANITIZE=$(SANITIZE)
# Every report stops the process with a stack trace and fails its test; leaks are reports too.
# (Not detect_stack_use_after_return: SystemC's coroutines switch stacks without saving ASan's
# fake stack, so it would report frames of every suspended SC_THREAD.)
export ASAN_OPTIONS ?= detect_leaks=1:halt_on_error=1:print_stacktrace=1:strict_string_checks=1:check_initialization_order=1
export UBSAN_OPTIONS ?= halt_on_error=1:print_stacktrace=1
# Third-party leaks only (OpenMPI), each with its reason in the file; nothing of ours.
export LSAN_OPTIONS ?= suppressions=$(CURDIR)/scripts/sanitizers/lsan.supp:print_suppressions=0
endif
BUILD ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
MPSIM := $(BUILD)/host/mpsim

.PHONY: all deps configure build test test-slow run bench clean lint synth fpga bench-rtl tsan

all: build

deps:
	@bash scripts/install_deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(SANITIZE_FLAGS) $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# The default suite: everything but the [slow] tests.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE slow

test-slow: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L slow

# The default co-design experiment (configs/experiments/default.yaml): LeNet-5 on Fashion-MNIST
# under fp32, mixed16, HFP8, Lee et al.'s assignments and continuous 16-bit, each training step
# simulated on two hw configs; results, plots and report.md in results/default. Finished points
# are cached: a second `make run` only rewrites the report (EXPERIMENT=... runs another one).
EXPERIMENT ?= configs/experiments/default.yaml
run: build
	$(MPSIM) run $(EXPERIMENT)

bench: build
	cmake --build $(BUILD) -j $(JOBS) --target benchmarks
	$(BUILD)/bench/bench_quantize
	$(BUILD)/bench/bench_kernels_cpu
	$(BUILD)/bench/bench_sim
	$(BUILD)/bench/bench_sim_rtl_engine
	if [ -x $(BUILD)/bench/bench_kernels_gpu ]; then $(BUILD)/bench/bench_kernels_gpu; fi

# ThreadSanitizer run of the OpenMP kernels, the training layers and the SystemC model, in a
# clang build of its own (bench/tsan.sh says why clang; not part of `make test`).
tsan: deps
	JOBS=$(JOBS) bash bench/tsan.sh $(BUILD)-tsan

# RTL (rtl/README.md): Verilator lint of every top and configuration, yosys cell counts,
# FPGA estimates (synth_xilinx; synth_ice40 + nextpnr-ice40), all into $(BUILD)/rtl_flow.
lint: deps
	bash rtl/flow/lint.sh

synth: deps
	bash rtl/flow/synth.sh $(BUILD)/rtl_flow

fpga: deps
	bash rtl/flow/fpga.sh $(BUILD)/rtl_flow

# Verilator simulation speed (docs/PERFORMANCE.md): reconfigures with the benchmark models on.
bench-rtl: configure
	cmake -S . -B $(BUILD) -DMPSIM_RTL_BENCH=ON
	cmake --build $(BUILD) -j $(JOBS) --target bench_rtl
	$(BUILD)/bench/rtl/bench_rtl

clean:
	rm -rf $(BUILD)
