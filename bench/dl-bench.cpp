//===- dl-bench.cpp - times entries of compiled models --------------------===//
//
//   dl-bench --peak
//       measures this core's FMA peak (GFLOP/s) with independent
//       fused multiply-add chains at the widest vectors the core has
//       (AVX-512 or AVX2), the way the benchmark's "% of peak" is computed
//   dl-bench LIBRARY.so ENTRY [--flops F] [--threads T] [--iters N]
//       calls ENTRY of a compiled model N times (after warm-up) on random
//       inputs and prints "median_ms min_ms gflops"
//
// Inputs are uniform in [-1, 1) (i32 inputs uniform below their index
// limit, or 10). Timing uses the steady clock around each call.
//
//===----------------------------------------------------------------------===//

#include "dlrt.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

#if defined(__x86_64__)
/// GFLOP/s of 12 independent chains of FMAs on `Vec` (8 or 16 f32 lanes):
/// enough chains to cover FMA latency on two pipes.
template <typename Vec, Vec (*set1)(float), Vec (*fmadd)(Vec, Vec, Vec)>
inline __attribute__((always_inline)) double fmaChains() {
  constexpr int lanes = sizeof(Vec) / sizeof(float);
  Vec acc[12];
  for (int i = 0; i < 12; ++i)
    acc[i] = set1(0.001f * i);
  const Vec a = set1(0.999999f), b = set1(1e-7f);
  const long iters = 20000000;
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    auto t0 = Clock::now();
    for (long i = 0; i < iters; ++i)
      for (int j = 0; j < 12; ++j)
        acc[j] = fmadd(acc[j], a, b);
    auto t1 = Clock::now();
    best = std::max(best, 12.0 * lanes * 2 * iters / seconds(t0, t1) / 1e9);
  }
  float sink[lanes];
  for (int i = 0; i < 12; ++i) {
    std::memcpy(sink, &acc[i], sizeof(sink));
    if (sink[0] == 12345.0f)
      std::puts("");
  }
  return best;
}

__attribute__((target("avx2,fma"))) __m256 set1x8(float x) {
  return _mm256_set1_ps(x);
}
__attribute__((target("avx2,fma"))) __m256 fmaddx8(__m256 a, __m256 b,
                                                   __m256 c) {
  return _mm256_fmadd_ps(a, b, c);
}
__attribute__((target("avx512f"))) __m512 set1x16(float x) {
  return _mm512_set1_ps(x);
}
__attribute__((target("avx512f"))) __m512 fmaddx16(__m512 a, __m512 b,
                                                   __m512 c) {
  return _mm512_fmadd_ps(a, b, c);
}

__attribute__((target("avx2,fma"))) double peakAvx2() {
  return fmaChains<__m256, set1x8, fmaddx8>();
}
__attribute__((target("avx512f"))) double peakAvx512() {
  return fmaChains<__m512, set1x16, fmaddx16>();
}

/// The FMA peak at the widest vectors this core runs, as dlc's default
/// `--cpu=native` code uses them: 16 lanes with AVX-512, 8 with AVX2.
double peakGflops() {
  if (__builtin_cpu_supports("avx512f"))
    return peakAvx512();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return peakAvx2();
  return 0;
}
#else
double peakGflops() { return 0; }
#endif

int usage() {
  std::fprintf(stderr, "usage: dl-bench --peak | dl-bench LIBRARY.so ENTRY "
                       "[--flops F] [--threads T] [--iters N]\n");
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  if (argc == 2 && !std::strcmp(argv[1], "--peak")) {
    std::printf("%.1f\n", peakGflops());
    return 0;
  }
  if (argc < 3)
    return usage();
  const char *path = argv[1], *entryName = argv[2];
  double flops = 0;
  int threads = 1, iters = 50;
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc)
      return usage();
    if (arg == "--flops")
      flops = std::atof(argv[++i]);
    else if (arg == "--threads")
      threads = std::atoi(argv[++i]);
    else if (arg == "--iters")
      iters = std::atoi(argv[++i]);
    else
      return usage();
  }
  dlrt_model *model = dlrt_open(path);
  if (!model) {
    std::fprintf(stderr, "dl-bench: %s\n", dlrt_open_error());
    return 1;
  }
  const dl_model_info *info = dlrt_info(model);
  const dl_entry_info *entry = nullptr;
  for (int32_t i = 0; i < info->num_entries; ++i)
    if (!std::strcmp(info->entries[i].name, entryName))
      entry = &info->entries[i];
  if (!entry) {
    std::fprintf(stderr, "dl-bench: %s has no entry '%s'\n", path, entryName);
    return 1;
  }
  void *instance = dlrt_create(model);
  if (auto setThreads = (int (*)(void *, int))dlrt_symbol(model, "set_threads"))
    setThreads(instance, threads);
  std::mt19937 rng(1);
  std::vector<std::vector<char>> buffers(entry->num_args);
  std::vector<void *> pointers;
  for (int32_t i = 0; i < entry->num_args; ++i) {
    const dl_arg_info &a = entry->args[i];
    int64_t n = 1;
    for (int32_t d = 0; d < a.rank; ++d)
      n *= a.shape[d];
    buffers[i].resize(n * (a.dtype == DL_F16 || a.dtype == DL_BF16 ? 2 : 4) + 64);
    if (a.role == DL_INPUT) {
      if (a.dtype == DL_I32) {
        int32_t limit = a.index_limit > 0 ? (int32_t)a.index_limit : 10;
        auto *p = (int32_t *)buffers[i].data();
        for (int64_t k = 0; k < n; ++k)
          p[k] = (int32_t)(rng() % limit);
      } else {
        std::uniform_real_distribution<float> u(-1, 1);
        auto *p = (float *)buffers[i].data();
        for (int64_t k = 0; k < n; ++k)
          p[k] = u(rng);
      }
    }
    pointers.push_back(buffers[i].data());
  }
  std::vector<double> times;
  for (int i = 0; i < iters + std::max(3, iters / 10); ++i) {
    auto t0 = Clock::now();
    if (dlrt_call(model, instance, entryName, pointers.data()) != 0) {
      std::fprintf(stderr, "dl-bench: %s failed: %s\n", entryName,
                   dlrt_last_error(model, instance));
      return 1;
    }
    auto t1 = Clock::now();
    if (i >= std::max(3, iters / 10))
      times.push_back(seconds(t0, t1) * 1e3);
  }
  std::sort(times.begin(), times.end());
  double median = times[times.size() / 2];
  std::printf("%.4f %.4f %.2f\n", median, times.front(),
              flops > 0 ? flops / (median * 1e-3) / 1e9 : 0.0);
  dlrt_destroy(model, instance);
  dlrt_close(model);
  return 0;
}
