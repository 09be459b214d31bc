/*===- init.c - the initializers and their random number generator ---------===*
 *
 * Initial values are a pure function of (seed, element index), so they are
 * the same on every machine and independent of threads or call order:
 *
 *   r(seed, i)  = splitmix64(seed * 0x9E3779B97F4A7C15 + i)
 *   uniform01   = (r >> 40) * 2^-24            in [0, 1), 24 random bits
 *   uniform     = lo + (hi - lo) * uniform01(seed, i)
 *   normal      = mean + std * sqrt(-2 ln(1 - u1)) * cos(2 pi u2),
 *                 u1 = uniform01(seed, 2i), u2 = uniform01(seed, 2i + 1)
 *
 * computed in double and rounded to float. Glorot/He use the fans recorded
 * by the compiler: glorot_uniform bound sqrt(6 / (fan_in + fan_out)),
 * glorot_normal std sqrt(2 / (fan_in + fan_out)), he_uniform bound
 * sqrt(6 / fan_in), he_normal std sqrt(2 / fan_in).
 *
 *===----------------------------------------------------------------------===*/

#include "dlrt_internal.h"

#include <math.h>
#include <string.h>

static uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

static double uniform01(uint64_t seed, uint64_t i) {
  return (double)(splitmix64(seed * 0x9E3779B97F4A7C15ull + i) >> 40) * (1.0 / 16777216.0);
}

static double normal01(uint64_t seed, uint64_t i) {
  double u1 = uniform01(seed, 2 * i), u2 = uniform01(seed, 2 * i + 1);
  return sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
}

/** IEEE binary16 of `f`, rounded to nearest even (no compiler builtins, so
    static archives need nothing beyond libc and libm). */
static uint16_t to_half(float f) {
  uint32_t bits;
  memcpy(&bits, &f, 4);
  uint16_t sign = (uint16_t)((bits >> 16) & 0x8000u);
  uint32_t exponent = (bits >> 23) & 0xffu, mantissa = bits & 0x7fffffu;
  if (exponent == 0xff) /* inf or nan */
    return (uint16_t)(sign | 0x7c00u | (mantissa ? 0x200u : 0u));
  int e = (int)exponent - 127 + 15;
  if (e >= 31)
    return (uint16_t)(sign | 0x7c00u);
  if (e <= 0) { /* subnormal or zero */
    if (e < -10)
      return sign;
    mantissa |= 0x800000u;
    uint32_t shift = (uint32_t)(14 - e);
    uint32_t half = mantissa >> shift, rest = mantissa & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1u)))
      ++half;
    return (uint16_t)(sign | half);
  }
  uint32_t half = ((uint32_t)e << 10) | (mantissa >> 13), rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
    ++half; /* may carry into the exponent, up to infinity: still correct */
  return (uint16_t)(sign | half);
}

static void fill(const dl_variable_info *v, uint8_t *data) {
  uint64_t n = dlrt_variable_elements(v);
  uint64_t seed = (uint64_t)v->seed;
  double a = v->init_args[0], b = v->init_args[1];
  int uniform = 0, normal = 0;
  switch (v->init) {
  case DL_INIT_ZEROS: a = 0; break;
  case DL_INIT_ONES: a = 1; break;
  case DL_INIT_CONSTANT: break;
  case DL_INIT_UNIFORM: uniform = 1; break;
  case DL_INIT_NORMAL: normal = 1; break;
  case DL_INIT_GLOROT_UNIFORM:
    b = sqrt(6.0 / (double)(v->fan_in + v->fan_out)); a = -b; uniform = 1; break;
  case DL_INIT_GLOROT_NORMAL:
    a = 0; b = sqrt(2.0 / (double)(v->fan_in + v->fan_out)); normal = 1; break;
  case DL_INIT_HE_UNIFORM:
    b = sqrt(6.0 / (double)v->fan_in); a = -b; uniform = 1; break;
  case DL_INIT_HE_NORMAL:
    a = 0; b = sqrt(2.0 / (double)v->fan_in); normal = 1; break;
  default: a = 0; break;
  }
  for (uint64_t i = 0; i < n; ++i) {
    double x = uniform ? a + (b - a) * uniform01(seed, i)
               : normal ? a + b * normal01(seed, i)
                        : a;
    if (v->dtype == DL_I32) {
      int32_t value = (int32_t)x;
      memcpy(data + 4 * i, &value, 4);
    } else if (v->dtype == DL_F32) {
      float value = (float)x;
      memcpy(data + 4 * i, &value, 4);
    } else if (v->dtype == DL_F16) {
      uint16_t half = to_half((float)x);
      memcpy(data + 2 * i, &half, 2);
    } else { /* bf16: the float rounded to its top 16 bits, ties to even */
      float value = (float)x;
      uint32_t bits;
      memcpy(&bits, &value, 4);
      uint16_t half = (uint16_t)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
      memcpy(data + 2 * i, &half, 2);
    }
  }
}

void dlrt_initialize(const dl_model_info *info, uint8_t *arena) {
  memset(arena, 0, (size_t)info->arena_bytes);
  for (int32_t i = 0; i < info->num_variables; ++i)
    fill(&info->variables[i], arena + info->variables[i].offset);
}
