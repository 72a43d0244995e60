// The training loop end to end on small budgets (synthetic data, a few hundred steps): it
// learns, the loss scaler reacts to an injected overflow, a resumed run is bit-identical to an
// uninterrupted one, the thread count changes nothing, and the emitted Workload has the
// im2col shapes of model/conv_gemm_shapes.hpp.
#include <catch2/catch.hpp>

#include <omp.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "host/config/train_config.hpp"
#include "host/train/checkpoint.hpp"
#include "host/train/trainer.hpp"
#include "model/conv_gemm_shapes.hpp"
#include "model/format_names.hpp"
#include "tests/host/tiny_training.hpp"

using namespace mpsim;
using namespace mpsim::host;
namespace fs = std::filesystem;
using mpsim::test::check_same_metrics;
using mpsim::test::same_bits;
using mpsim::test::synthetic;
using mpsim::test::tiny;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("mpsim_train_test_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  return d;
}

train::TrainResult run(const TrainConfig& c, int threads = 1, train::TrainOptions options = {}) {
  omp_set_num_threads(threads);
  auto backend = kernels::make_backend(kernels::Device::cpu, threads);
  return train::train(c, synthetic(), *backend, options);
}

}  // namespace

TEST_CASE("training on synthetic data lowers the loss and beats chance", "[host][train]") {
  const auto r = run(tiny());
  REQUIRE(r.state.epochs.size() == 2);
  CHECK(r.state.status == "completed");
  CHECK(r.state.epochs[1].train_loss < 0.5 * r.state.epochs[0].train_loss);
  // 10 classes: chance is 0.1.
  CHECK(r.state.epochs[1].test_accuracy > 0.5);
}

TEST_CASE("an injected overflow skips steps and halves the loss scale", "[host][train]") {
  // mixed16 with a loss scale of 2^24: the scaled output gradients overflow fp16 (Inf), so steps
  // are skipped and the scale halves per skip until gradients fit (GradScaler's backoff).
  const double initial = std::ldexp(1.0, 24);
  const auto r = run(tiny({"policy.name=mixed16", "policy.initial_scale=16777216", "policy.growth_interval=100000"}));
  const auto& m = r.state.epochs.at(0);
  INFO("skipped " << m.skipped_steps << ", scale " << m.loss_scale);
  CHECK(m.skipped_steps >= 1);
  CHECK(m.scale_changes == m.skipped_steps);
  CHECK(m.loss_scale == initial * std::ldexp(1.0, -static_cast<int>(m.skipped_steps)));
  // Once the scale fits, no step is skipped and training goes on.
  CHECK(r.state.epochs.at(1).skipped_steps == 0);
  CHECK(r.state.epochs.at(1).train_loss < m.train_loss);
}

TEST_CASE("a resumed run is bit-identical to an uninterrupted one", "[host][train]") {
  // lee: rounding to 8-bit formats, dynamic loss scaling across the epoch boundary, promotion.
  const TrainConfig c = tiny({"epochs=3", "policy.name=lee", "policy.r=0.5"});
  const fs::path whole = fresh_dir("whole"), parts = fresh_dir("parts");
  train::TrainOptions o;
  o.out_dir = whole.string();
  const auto uninterrupted = run(c, 1, o);

  o.out_dir = parts.string();
  o.stop_after_epochs = 1;
  const auto first = run(c, 1, o);
  REQUIRE(first.state.epochs_done == 1);
  o.resume = true;
  o.stop_after_epochs = 0;
  const auto resumed = run(c, 1, o);  // epochs 2 and 3
  CHECK(resumed.state.epochs_done == 3);
  CHECK(same_bits(uninterrupted.final_master, resumed.final_master));
  check_same_metrics(uninterrupted.state, resumed.state);
  CHECK(uninterrupted.state.promotions.size() == resumed.state.promotions.size());

  SECTION("a corrupted checkpoint is refused with one line") {
    const fs::path ck = parts / "checkpoint.bin";
    std::fstream f(ck, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a');
    f.close();
    o.stop_after_epochs = 0;
    try {
      run(c, 1, o);
      FAIL("resume from a corrupted checkpoint did not throw");
    } catch (const train::CheckpointError& e) {
      const std::string what = e.what();
      CHECK(what.find("checkpoint.bin") != std::string::npos);
      CHECK(what.find('\n') == std::string::npos);
    }
  }
  fs::remove_all(whole);
  fs::remove_all(parts);
}

TEST_CASE("the thread count does not change the result", "[host][train]") {
  const std::string policy = GENERATE(as<std::string>{}, "uniform", "hfp8");
  INFO("policy " << policy);
  const TrainConfig c = tiny({"epochs=1", "policy.name=" + policy, "dataset.train_subset=512"});
  const auto one = run(c, 1), two = run(c, 2);
  CHECK(same_bits(one.final_master, two.final_master));
  check_same_metrics(one.state, two.state);
}

TEST_CASE("the emitted workload has the im2col GEMM shapes", "[host][train]") {
  const TrainConfig c = tiny({"batch=128", "model.width=1", "policy.name=hfp8"});
  auto backend = kernels::make_backend(kernels::Device::cpu, 1);
  const Workload w = train::step_workload(c, synthetic(), *backend);
  // LeNet-5 on 1x28x28: conv1 1->6 5x5 pad 2 (28x28 out), pool, conv2 6->16 5x5 (10x10 out),
  // pool, fc 400->120->84->10. conv1 has no bwd_data (the images need no gradient).
  const ConvGeometry conv1{128, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2}, conv2{128, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0};
  const std::vector<std::pair<std::string, GemmShape>> expected{
      {"conv1.fwd", conv_fwd_gemm(conv1)},
      {"conv2.fwd", conv_fwd_gemm(conv2)},
      {"fc1.fwd", linear_fwd_gemm(128, 400, 120)},
      {"fc2.fwd", linear_fwd_gemm(128, 120, 84)},
      {"fc3.fwd", linear_fwd_gemm(128, 84, 10)},
      {"fc3.bwd_data", linear_bwd_data_gemm(128, 84, 10)},
      {"fc3.bwd_weight", linear_bwd_weight_gemm(128, 84, 10)},
      {"fc2.bwd_data", linear_bwd_data_gemm(128, 120, 84)},
      {"fc2.bwd_weight", linear_bwd_weight_gemm(128, 120, 84)},
      {"fc1.bwd_data", linear_bwd_data_gemm(128, 400, 120)},
      {"fc1.bwd_weight", linear_bwd_weight_gemm(128, 400, 120)},
      {"conv2.bwd_data", conv_bwd_data_gemm(conv2)},
      {"conv2.bwd_weight", conv_bwd_weight_gemm(conv2)},
      {"conv1.bwd_weight", conv_bwd_weight_gemm(conv1)},
  };
  REQUIRE(w.ops.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO(expected[i].first);
    CHECK(w.ops[i].name == expected[i].first);
    CHECK(GemmShape{w.ops[i].m, w.ops[i].n, w.ops[i].k} == expected[i].second);
  }
  // Roles, and the formats hfp8 (π_op) assigns: conv2's weight and input low (1-4-3), its
  // output gradient 1-5-2; the first layer stays high.
  const GemmOp& f2 = w.ops[1];
  CHECK(f2.a.name == "pool1.out");
  CHECK(f2.a.role == TensorRole::activation);
  CHECK(f2.b.role == TensorRole::weight);
  CHECK(format_name(f2.b.format) == "hfp8_lo");
  CHECK(format_name(f2.a.format) == "hfp8_lo");
  const GemmOp& d2 = w.ops[11];
  CHECK(d2.a.role == TensorRole::activation_grad);
  CHECK(format_name(d2.a.format) == "hfp8_grad");
  CHECK(w.ops[13].c.role == TensorRole::weight_grad);
  CHECK(format_name(w.ops[0].b.format) != "hfp8_lo");

  // The file round-trips through the reader sim/ uses.
  const fs::path file = fresh_dir("workload.jsonl");
  write_workload_file(file.string(), w);
  CHECK(read_workload_file(file.string()) == w);
  fs::remove(file);
}

TEST_CASE("continuous16 continues from another run's fp32 checkpoint", "[host][train]") {
  // Yun: pre-train in fp32 (here with Adam, so that m and v carry over), then continue in pure
  // fp16 from the checkpoint instead of pre-training again.
  const fs::path pre_dir = fresh_dir("pretrain");
  train::TrainOptions o;
  o.out_dir = pre_dir.string();
  const auto pre = run(tiny({"optimizer.name=adam", "optimizer.lr=0.003", "epochs=3"}), 1, o);
  REQUIRE(pre.state.epochs.size() == 3);
  const std::string checkpoint = (pre_dir / "checkpoint.bin").string();

  const auto continued = run(tiny({"optimizer.name=adam", "optimizer.lr=0.0003", "epochs=1", "policy.name=continuous16",
                                   "policy.checkpoint=" + checkpoint, "policy.adam_epsilon=1e-4"}));
  const auto fresh = run(tiny({"optimizer.name=adam", "optimizer.lr=0.0003", "epochs=1", "policy.name=continuous16",
                               "policy.adam_epsilon=1e-4"}));
  // The continued run starts where pre-training ended: its first epoch's loss is near the last
  // pre-training epoch's, far below a fresh 16-bit run's first epoch.
  const double pre_loss = pre.state.epochs.back().train_loss;
  INFO("pre-training last epoch " << pre_loss << ", continued " << continued.state.epochs[0].train_loss << ", fresh "
                                  << fresh.state.epochs[0].train_loss);
  CHECK(continued.state.epochs[0].train_loss < 1.5 * pre_loss);
  CHECK(continued.state.epochs[0].train_loss < 0.7 * fresh.state.epochs[0].train_loss);
  CHECK(continued.state.epochs[0].test_accuracy >= pre.state.epochs.back().test_accuracy - 0.05);

  SECTION("a checkpoint of another model is refused with one line naming it") {
    try {
      run(tiny({"model.width=1", "epochs=1", "policy.name=continuous16", "policy.checkpoint=" + checkpoint}));
      FAIL("a checkpoint of another model was accepted");
    } catch (const train::CheckpointError& e) {
      const std::string what = e.what();
      CHECK(what.find(checkpoint) != std::string::npos);
      CHECK(what.find("width=0.5") != std::string::npos);
      CHECK(what.find('\n') == std::string::npos);
    }
  }
  SECTION("checkpoint and pretrain_epochs together are refused") {
    CHECK_THROWS_WITH(tiny({"policy.name=continuous16", "policy.checkpoint=" + checkpoint, "policy.pretrain_epochs=1"}),
                      Catch::Contains("checkpoint") && Catch::Contains("not both"));
  }
  fs::remove_all(pre_dir);
}

// The shipped configs are what users start from: each must load, with the settings its comments
// promise (the acceptance run's recipe for lenet5_fmnist, the paper's crops for CIFAR).
TEST_CASE("every shipped training config loads, with its documented recipe", "[host][train]") {
  const fs::path dir = fs::path(MPSIM_SOURCE_DIR) / "configs" / "train";
  int loaded = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    INFO(entry.path());
    CHECK_NOTHROW(load_train_config(entry.path().string(), {}));
    ++loaded;
  }
  CHECK(loaded >= 4);
  const TrainConfig lenet = load_train_config((dir / "lenet5_fmnist.yaml").string(), {});
  CHECK(lenet.model == "lenet5");
  CHECK(lenet.init == nn::InitScheme::torch);
  CHECK(lenet.epochs == 10);
  CHECK(lenet.batch == 128);
  CHECK(lenet.optimizer.kind == nn::OptimizerKind::sgd);
  CHECK(lenet.optimizer.momentum > 0);
  CHECK(lenet.schedule.kind == nn::ScheduleKind::cosine);
  CHECK_FALSE(lenet.dataset.augment);
  const TrainConfig cifar = load_train_config((dir / "resnet8_cifar10.yaml").string(), {});
  CHECK(cifar.dataset.augment);
  CHECK(cifar.dataset.crop_padding == 4);
  CHECK(cifar.init == nn::InitScheme::he);
}
