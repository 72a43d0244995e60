// Element e of a packed Verilated port of `width`-bit elements (the array's in_a_i, in_b_i,
// out_res_o, out_flags_o: element e at bits [e*width +: width], rtl/README.md "Interfaces").
// Verilator gives ports up to 64 bits as integers and wider ones as VlWide<N> (32-bit words);
// elements are 4, 8, 16 or 32 bits, so none straddles a word. Shared by the RTL testbenches and
// the tile driver (array_tile_driver.hpp).
#pragma once

#include <cstdint>
#include <type_traits>

namespace mpsim::rtl_driver {

template <class Port>
void put(Port& port, int e, int width, std::uint32_t value) {
  const int lsb = e * width;
  const std::uint64_t field = width >= 32 ? 0xffffffffull : (1ull << width) - 1;
  if constexpr (std::is_integral_v<Port>) {
    const std::uint64_t mask = field << lsb;
    port = static_cast<Port>((static_cast<std::uint64_t>(port) & ~mask) | ((std::uint64_t{value} << lsb) & mask));
  } else {
    const std::uint64_t mask = field << (lsb % 32);
    std::uint32_t& word = port[lsb / 32];
    word = static_cast<std::uint32_t>((word & ~mask) | ((std::uint64_t{value} << (lsb % 32)) & mask));
  }
}

template <class Port>
std::uint32_t get(const Port& port, int e, int width) {
  const int lsb = e * width;
  const std::uint64_t mask = width >= 32 ? 0xffffffffull : (1ull << width) - 1;
  if constexpr (std::is_integral_v<Port>) {
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(port) >> lsb & mask);
  } else {
    return static_cast<std::uint32_t>(port[lsb / 32] >> (lsb % 32) & mask);
  }
}

// Writes a value to a Verilated port of up to 32 bits, whatever integer type Verilator chose.
template <class Port>
void set_port(Port& port, std::uint32_t value) {
  port = static_cast<Port>(value);
}

}  // namespace mpsim::rtl_driver
