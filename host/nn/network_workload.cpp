// The Workload of one training step (model/workload.hpp): for every conv and linear layer the
// three GEMMs in the convention C[M, N] = A[M, K] x B[K, N] with the shapes of
// model/conv_gemm_shapes.hpp, each operand named by its registered tensor, with its role and
// the format the assignment stores it in; all forward GEMMs first, then the backward ones in
// reverse layer order (bwd_data before bwd_weight of each layer), as a step runs them.
#include "host/nn/network.hpp"
#include "model/conv_gemm_shapes.hpp"

namespace mpsim::host::nn {
namespace {

TensorRef ref(const PrecisionContext& ctx, TensorId id) {
  const TensorInfo& t = ctx.registry().tensor(id);
  return {t.name, t.role, ctx.storage_format(id)};
}

GemmOp op(const std::string& layer, Phase phase, GemmShape s, TensorRef a, TensorRef b, TensorRef c, FloatFormat acc) {
  return {layer + "." + phase_name(phase), layer, phase, s.m, s.n, s.k, std::move(a), std::move(b), std::move(c), acc};
}

}  // namespace

Workload Network::workload(const PrecisionContext& ctx, std::int64_t batch) const {
  const FloatFormat acc = ctx.assignment().accumulator;
  std::vector<GemmOp> fwd, bwd;
  for (const Node& n : nodes_) {
    const Node& x = nodes_[static_cast<std::size_t>(n.inputs.empty() ? 0 : n.inputs[0])];
    GemmShape f, d, w;
    const Param* weight = nullptr;
    if (const auto* c = std::get_if<Conv2d>(&n.layer)) {
      const ConvGeometry g{batch, c->in_channels, x.sample_shape[1], x.sample_shape[2], c->out_channels,
                           c->kernel, c->kernel, c->stride, c->stride, c->pad, c->pad};
      f = conv_fwd_gemm(g), d = conv_bwd_data_gemm(g), w = conv_bwd_weight_gemm(g);
      weight = &params_[static_cast<std::size_t>(c->weight)];
    } else if (const auto* l = std::get_if<Linear>(&n.layer)) {
      f = linear_fwd_gemm(batch, l->in_features, l->out_features);
      d = linear_bwd_data_gemm(batch, l->in_features, l->out_features);
      w = linear_bwd_weight_gemm(batch, l->in_features, l->out_features);
      weight = &params_[static_cast<std::size_t>(l->weight)];
    } else {
      continue;
    }
    fwd.push_back(op(n.name, Phase::fwd, f, ref(ctx, x.out_id), ref(ctx, weight->weight_id), ref(ctx, n.out_id), acc));
    std::vector<GemmOp> back;
    // The first layer computes no input gradient (the images need none).
    if (x.kind != LayerKind::input)
      back.push_back(op(n.name, Phase::bwd_data, d, ref(ctx, n.dout_id), ref(ctx, weight->weight_id),
                        ref(ctx, x.dout_id), acc));
    back.push_back(op(n.name, Phase::bwd_weight, w, ref(ctx, x.out_id), ref(ctx, n.dout_id),
                      ref(ctx, weight->grad_id), acc));
    bwd.insert(bwd.begin(), back.begin(), back.end());
  }
  Workload result;
  result.ops = std::move(fwd);
  result.ops.insert(result.ops.end(), bwd.begin(), bwd.end());
  return result;
}

}  // namespace mpsim::host::nn
