#!/usr/bin/env bash
# The GPU checks of the CUDA backend, from binaries built on another machine: a GPU machine lent
# for a few minutes rarely has Debian's -dev packages or time for a full build, so the binaries
# are built here (the CUDA toolkit and the driver's CUDA major version must match) and run there.
#
#   bash scripts/gpu_check.sh pack [BUILD] [DIR]   # here: copy the CUDA binaries of BUILD (default
#                                                  # build) and the shared libraries the GPU
#                                                  # machine may lack into DIR (default .gpu_check)
#   bash scripts/gpu_check.sh run [DIR] [OUT]      # there, in a copy of the source tree: the CUDA
#                                                  # differential tests, training on the GPU
#                                                  # against the CPU, `mpsim verify`, resnet20 on
#                                                  # Fashion-MNIST with --backend cuda (the data is
#                                                  # packed too), the GPU benchmark; logs to OUT
#
# `run` exits non-zero when a test or the verification failed. Results go to docs/KERNELS.md
# (tests) and docs/PERFORMANCE.md (benchmark), with the machine and the command.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

binaries=(tests/mpsim_cuda_tests tests/mpsim_cuda_train_tests tests/mpsim_cuda_absent_tests bench/bench_kernels_gpu
          host/mpsim)
fashion_mnist=/usr/share/datasets/fashion-mnist  # Debian's dataset-fashion-mnist (31 MB)

pack() {
  local build=${1:-build} dir=${2:-.gpu_check}
  rm -rf "$dir" && mkdir -p "$dir/lib" || return 1
  local b packed=()
  for b in "${binaries[@]}"; do
    # mpsim (for `verify`) is optional: the tests alone need a much smaller build.
    if [[ ! -x $build/$b ]]; then
      [[ $b == host/mpsim ]] && { echo "gpu_check.sh: no $build/$b: verify will be skipped" >&2; continue; }
      echo "gpu_check.sh: $build/$b not built (cmake --build $build --target $(basename "$b"))" >&2
      return 1
    fi
    cp "$build/$b" "$dir/" && packed+=("$build/$b")
  done
  # Every library the binaries load except the C runtime and CUDA's own (the GPU machine has its
  # driver's and toolkit's; copying ours would shadow them).
  ldd "${packed[@]}" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u |
    grep -Ev '/(libc|libm|libdl|librt|libpthread|libgcc_s|libstdc\+\+|ld-linux[^/]*)\.so|/libcu|/libnv' |
    xargs -r cp -L -t "$dir/lib/"
  # The GPU machine has no Debian datasets: resnet20's training run reads these (dataset.path).
  [[ -d $fashion_mnist ]] && cp -r "$fashion_mnist" "$dir/fashion-mnist"
  du -sh "$dir"
}

run() {
  local dir=${1:-.gpu_check} out=${2:-gpu_check_out} status=0
  mkdir -p "$out"
  export LD_LIBRARY_PATH="$PWD/$dir/lib:/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$out/gpu.txt"
  # Catch2 v2: the console summary on stdout, every case's outcome in JUnit XML.
  "$dir/mpsim_cuda_tests" -r console -d yes 2>&1 | tee "$out/cuda_tests.log"
  (( PIPESTATUS[0] == 0 )) || status=1
  "$dir/mpsim_cuda_absent_tests" 2>&1 | tail -3 | tee "$out/cuda_absent_tests.log"
  (( PIPESTATUS[0] == 0 )) || status=1
  # Training on the GPU against the CPU (tiny synthetic runs, host/test_train_cuda.cpp).
  "$dir/mpsim_cuda_train_tests" -r console -d yes 2>&1 | tee "$out/cuda_train_tests.log"
  (( PIPESTATUS[0] == 0 )) || status=1
  # Real tiles of one training step through every path (CPU and CUDA gemm_exact, the RTL):
  # e4m3 into fp32, Lee's mixed assignment, and mixed16 (fp16 operands).
  local policy
  [[ -x $dir/mpsim ]] || { echo "gpu_check.sh: no $dir/mpsim: verify skipped" | tee "$out/verify.log"; policy=none; }
  [[ ${policy:-} == none ]] || for policy in "--set policy.format=e4m3" "--policy lee" "--policy mixed16"; do
    # shellcheck disable=SC2086  # the policy flags split on purpose
    "$dir/mpsim" verify --config configs/train/tiny_synthetic.yaml $policy --tiles 8 --seed 1 2>&1 | tee -a "$out/verify.log"
    (( PIPESTATUS[0] == 0 )) || status=1
  done
  # The issue's GPU run: resnet20 (He et al.'s CIFAR ResNet, full width) on Fashion-MNIST in fp32
  # and under Lee's r = 0.5, RESNET20_EPOCHS epochs each (default 2: minutes, not hours).
  if [[ -x $dir/mpsim && -d $dir/fashion-mnist ]]; then
    local tag
    for policy in "fp32:--set policy.format=fp32" "lee_r0.5:--policy lee --set policy.r=0.5"; do
      tag=${policy%%:*} policy=${policy#*:}
      # shellcheck disable=SC2086  # the policy flags split on purpose
      "$dir/mpsim" train --config configs/train/resnet8_fmnist.yaml --set model.name=resnet20 --set model.width=1 \
        --set dataset.path="$dir/fashion-mnist" --set epochs="${RESNET20_EPOCHS:-2}" $policy --backend cuda \
        --out "$out/resnet20_$tag" 2>&1 | tee -a "$out/resnet20.log"
      (( PIPESTATUS[0] == 0 )) || status=1
    done
  fi
  "$dir/bench_kernels_gpu" 2>&1 | tee "$out/bench_kernels_gpu.log"
  (( PIPESTATUS[0] == 0 )) || status=1
  return $status
}

case ${1:-} in
  pack) shift; pack "$@" ;;
  run) shift; run "$@" ;;
  *) echo "usage: bash scripts/gpu_check.sh pack [BUILD] [DIR] | run [DIR] [OUT]" >&2; exit 2 ;;
esac
