// Format names: the one place a string becomes a FloatFormat (configs and the CLI call this;
// nothing below them passes names around).
//
//   name    := preset | "e" X "m" Y [ "_b" BIAS ] [ "_ieee" | "_fn" | "_fnuz" | "_none" ] [ "_ftz" ]
//   preset  := fp32 | fp16 | bf16 | e4m3 (alias e4m3fn) | e5m2 | e4m3fnuz | e5m2fnuz | fp16_169
//            | hfp8_lo | hfp8_grad | hfp8_hi
//
// An exact preset name wins; otherwise eXmY starts from IEEE specials and bias 2^(X-1)-1 and the
// suffixes override them, so `e4m3_b11_none` is Lee et al.'s 1-4-3 and `e4m3_fn` is OCP E4M3FN.
// `_ftz` turns subnormals off (flush to zero).
#pragma once

#include <string>
#include <string_view>

#include "model/float_format.hpp"

namespace mpsim {

// Throws std::invalid_argument with one line saying what is wrong and what is allowed.
FloatFormat parse_format(std::string_view name);

// The preset name when f is a preset, else the canonical eXmY[_bN][_specials][_ftz] name.
std::string format_name(const FloatFormat& f);

const char* specials_name(Specials s);

// "fp32, fp16, ..., or eXmY[_bN][_ieee|_fn|_fnuz|_none][_ftz]", for error messages.
std::string allowed_format_names();

}  // namespace mpsim
