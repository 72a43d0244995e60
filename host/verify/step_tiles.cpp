#include "host/verify/step_tiles.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>
#include <stdexcept>

#include "host/train/session.hpp"
#include "model/format_names.hpp"
#include "model/quantize.hpp"

namespace mpsim::host::verify {

std::uint32_t code_of(float v, const FloatFormat& f) {
  if (f == formats::fp32) return std::bit_cast<std::uint32_t>(v);
  return encode(static_cast<double>(v), f).bits;
}

namespace {

// A stored GEMM operand on the host and its op() view: element (r, c) of op(X).
struct OperandView {
  std::vector<float> values;
  std::int64_t stored_cols = 0;
  bool trans = false;
  float at(std::int64_t r, std::int64_t c) const {
    return values[static_cast<std::size_t>(trans ? c * stored_cols + r : r * stored_cols + c)];
  }
};

// The phase from the operands' roles, as host/nn/conv2d_linear.cpp calls gemm(): forward
// x W^T and backward-data dy W read the weight as B (transposed only forward); backward-weight
// dy^T x reads no weight.
Phase phase_of(const kernels::GemmSpec& spec, TensorRole b_role) {
  if (b_role == TensorRole::weight) return spec.trans_b ? Phase::fwd : Phase::bwd_data;
  return Phase::bwd_weight;
}

std::uint32_t checked_code(float v, const FloatFormat& f, const std::string& where) {
  const std::uint32_t code = code_of(v, f);
  const double back = decode(code, f);
  if (!(back == static_cast<double>(v) || (std::isnan(back) && std::isnan(v)))) {
    throw std::runtime_error(where + ": value " + std::to_string(v) + " is not a value of " + format_name(f) +
                             ", the format gemm() says it lies in");
  }
  return code;
}

}  // namespace

StepTiles capture_step_tiles(const TrainConfig& config, const data::DatasetSplit& data, kernels::Backend& backend,
                             const TileShape& shape) {
  StepTiles out;
  train::Session s(config, data.train, backend);
  s.ctx.set_assignment(s.policy_initial);
  const TensorRegistry& reg = s.ctx.registry();
  std::mt19937_64 rng(shape.seed);

  s.ctx.set_gemm_observer([&](const nn::GemmCapture& g) {
    const int index = out.gemms++;
    if (g.a.rank() != 2 || g.b.rank() != 2) return;  // the network's GEMMs are all rank 2
    const TensorRole b_role = g.b_id >= 0 ? reg.tensor(g.b_id).role : TensorRole::activation;
    const Phase phase = phase_of(g.spec, b_role);
    const TensorId named = phase == Phase::bwd_weight ? g.a_id : g.b_id;
    const std::string layer = named >= 0 ? reg.layer(reg.tensor(named).layer).name : "gemm" + std::to_string(index);
    OperandView a{backend.to_host(g.a), g.a.dim(1), g.spec.trans_a};
    OperandView b{backend.to_host(g.b), g.b.dim(1), g.spec.trans_b};
    const std::int64_t m = g.spec.trans_a ? g.a.dim(1) : g.a.dim(0), k = g.spec.trans_a ? g.a.dim(0) : g.a.dim(1);
    const std::int64_t n = g.spec.trans_b ? g.b.dim(0) : g.b.dim(1);
    const int rows = static_cast<int>(std::min<std::int64_t>(shape.rows, m));
    const int cols = static_cast<int>(std::min<std::int64_t>(shape.cols, n));
    const int depth = static_cast<int>(std::min<std::int64_t>(shape.k, k));
    const auto pick = [&](std::int64_t extent, int size) {
      return static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(extent - size + 1));
    };
    for (int t = 0; t < shape.per_gemm; ++t) {
      // Of a few random windows the one with the most nonzero products: ReLU leaves many
      // zeros, and an all-zero tile checks little.
      std::int64_t best[3] = {0, 0, 0};
      long best_nonzero = -1;
      for (int attempt = 0; attempt < 4; ++attempt) {
        const std::int64_t r0 = pick(m, rows), c0 = pick(n, cols), k0 = pick(k, depth);
        long nonzero = 0;
        for (int i = 0; i < rows; ++i)
          for (int kk = 0; kk < depth; ++kk)
            for (int j = 0; j < cols; ++j) nonzero += a.at(r0 + i, k0 + kk) != 0.0f && b.at(k0 + kk, c0 + j) != 0.0f;
        if (nonzero > best_nonzero) best_nonzero = nonzero, best[0] = r0, best[1] = c0, best[2] = k0;
      }
      VerifyTile tile;
      tile.gemm = layer + "." + phase_name(phase);
      tile.phase = phase;
      tile.formats = g.formats;
      tile.rows = rows, tile.cols = cols, tile.k = depth;
      tile.row0 = best[0], tile.col0 = best[1], tile.k0 = best[2];
      const std::string where = "mpsim verify: " + tile.gemm;
      for (int i = 0; i < rows; ++i)
        for (int kk = 0; kk < depth; ++kk)
          tile.a.push_back(checked_code(a.at(tile.row0 + i, tile.k0 + kk), g.formats.a, where + " A"));
      for (int kk = 0; kk < depth; ++kk)
        for (int j = 0; j < cols; ++j)
          tile.b.push_back(checked_code(b.at(tile.k0 + kk, tile.col0 + j), g.formats.b, where + " B"));
      out.tiles.push_back(std::move(tile));
    }
  });

  // One training step as host/train/trainer.cpp runs it, without the update.
  data::BatchIterator batches(data.train, config.batch, config.seed, config.dataset.augment);
  batches.start_epoch(0);
  std::vector<float> images;
  std::vector<std::int32_t> labels;
  if (!batches.next(images, labels)) throw std::runtime_error("mpsim verify: the training set has no batch");
  const auto n = static_cast<std::int64_t>(labels.size());
  out.batch = n;
  s.ctx.begin_step(0, 0);
  s.net.refresh_weights(s.ctx);
  s.net.forward(s.ctx, images, n, true);
  s.net.loss(s.ctx, labels, s.scaler.scale(), true);
  s.ctx.set_gemm_observer({});
  return out;
}

}  // namespace mpsim::host::verify
