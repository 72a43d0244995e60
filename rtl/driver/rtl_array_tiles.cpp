#include "rtl/driver/rtl_array_tiles.hpp"

#include "Vmpsim_array_top_cpp.h"

namespace mpsim::rtl_driver {

namespace {
// Port widths of this build, as mpsim_pkg::mask_max_width and fmt_width give them: the widest
// built input format (code 0 fp32, 1-2 fp16/bf16, 3-4 fp8); accumulator fp32 (0) or fp16 (1).
constexpr int kInW = (RtlArrayTiles::kFmtMask & 1) != 0 ? 32 : (RtlArrayTiles::kFmtMask & 6) != 0 ? 16 : 8;
constexpr int kAccW = RtlArrayTiles::kAccFmt == 0 ? 32 : 16;
using Driver = ArrayTileDriver<Vmpsim_array_top_cpp, RtlArrayTiles::kRows, RtlArrayTiles::kCols, kInW, kAccW>;
}  // namespace

struct RtlArrayTiles::Impl {
  explicit Impl(std::uint64_t seed) : driver(seed) {}
  Driver driver;
};

RtlArrayTiles::RtlArrayTiles(std::uint64_t seed) : impl_(std::make_unique<Impl>(seed)) {}
RtlArrayTiles::~RtlArrayTiles() = default;

ArrayTileResult RtlArrayTiles::run(const ArrayTile& tile) { return impl_->driver.run(tile); }

}  // namespace mpsim::rtl_driver
