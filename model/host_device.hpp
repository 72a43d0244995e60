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

// For the few per-element functions of hot loops (the fast quantizer, the narrow MAC): inlined
// even into target clones (kernels/cpu/cpu_gemm.cpp), where a call would run default-ISA code.
#if defined(__CUDACC__)
#define MPSIM_HD_INLINE __host__ __device__ __forceinline__
#else
#define MPSIM_HD_INLINE [[gnu::always_inline]] inline
#endif
