// The one macro that lets model/'s numerics run unchanged in CUDA kernels and in host code.
//
// Every function that takes part in rounding is written once, marked MPSIM_HD, and compiled by
// nvcc for the device and by the host compiler for everything else (DESIGN.md, "exactly one
// place where rounding is written"). Outside nvcc the macro expands to nothing.
#pragma once

#if defined(__CUDACC__)
#define MPSIM_HD __host__ __device__
#else
#define MPSIM_HD
#endif
