// MPSIM_TARGET_CLONES("default", "arch=x86-64-v3", ...) before a hot loop's function: GCC and
// clang compile it once per target and the dynamic loader picks one for the machine (an ifunc),
// so one binary runs everywhere and still uses AVX2/AVX-512 where they exist.
//
// Empty, so only the baseline version is built, where clones cannot be used:
//   - outside x86-64, and under nvcc (device code has no ifuncs);
//   - ThreadSanitizer builds (bench/tsan.sh): the loader runs ifunc resolvers before the TSan
//     runtime is initialised and clang 14 instruments them, so the program dies before main.
//     Every clone computes the same values (the bit-exactness tests hold for each), so checking
//     the baseline one checks the code.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define MPSIM_TARGET_CLONES_OFF 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MPSIM_TARGET_CLONES_OFF 1
#endif
#endif

#if defined(__x86_64__) && !defined(__CUDACC__) && !defined(MPSIM_TARGET_CLONES_OFF)
#define MPSIM_TARGET_CLONES(...) __attribute__((target_clones(__VA_ARGS__)))
#else
#define MPSIM_TARGET_CLONES(...)
#endif
