#include "model/quantize_fast.hpp"

#include "model/target_clones.hpp"

namespace mpsim {

MPSIM_TARGET_CLONES("default", "arch=x86-64-v3", "arch=x86-64-v4")
void quantize_fp32_nearest_even(const float* in, float* out, std::size_t n, const Fp32Quantizer& q) {
  const Fp32Quantizer local = q;  // a copy the stores cannot alias, so its fields stay in registers
  for (std::size_t i = 0; i < n; ++i) out[i] = local(in[i]);
}

}  // namespace mpsim
