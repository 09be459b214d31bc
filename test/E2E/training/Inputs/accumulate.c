/* Gradient accumulation: on a model compiled for batch 2, two
   step_accumulate calls and one step_apply give the same params as one step
   of the model compiled for batch 4 on the two batches concatenated (three
   rounds, so optimizer state carries over). Both libraries are opened with
   the generic loader. */
#include "dlrt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  fseek(f, 0, SEEK_END);
  *size = (size_t)ftell(f);
  rewind(f);
  char *data = malloc(*size);
  fread(data, 1, *size, f);
  fclose(f);
  return data;
}

int main(int argc, char **argv) {
  dlrt_model *small = dlrt_open(argv[1]), *large = dlrt_open(argv[2]);
  if (!small || !large) {
    printf("FAILED: %s\n", dlrt_open_error());
    return 1;
  }
  void *a = dlrt_create(small), *b = dlrt_create(large);
  float x[12], loss;
  int32_t y[4];
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 12; ++i)
      x[i] = (float)sin(1.7 * i + round);
    for (int i = 0; i < 4; ++i)
      y[i] = (i + round) % 2;
    void *first[] = {x, y, &loss}, *second[] = {x + 6, y + 2, &loss}, *all[] = {x, y, &loss};
    if (dlrt_call(small, a, "step_accumulate", first) || dlrt_call(small, a, "step_accumulate", second) ||
        dlrt_call(small, a, "step_apply", NULL) || dlrt_call(large, b, "step", all)) {
      printf("FAILED: an entry failed\n");
      return 1;
    }
  }
  int (*save_a)(const void *, const char *) = (int (*)(const void *, const char *))dlrt_symbol(small, "save");
  int (*save_b)(const void *, const char *) = (int (*)(const void *, const char *))dlrt_symbol(large, "save");
  save_a(a, argv[3]);
  save_b(b, argv[4]);
  size_t na, nb;
  char *fa = read_file(argv[3], &na), *fb = read_file(argv[4], &nb);
  unsigned long long ha, hb;
  memcpy(&ha, fa, 8);
  memcpy(&hb, fb, 8);
  size_t count = (na - 8 - ha) / 4;
  if (na - ha != nb - hb || count == 0) {
    printf("FAILED: checkpoints of different sizes\n");
    return 1;
  }
  const float *pa = (const float *)(fa + 8 + ha), *pb = (const float *)(fb + 8 + hb);
  /* |a - b| <= 1e-6 + 1e-4 |b|: the ratio below must stay under 1. */
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < count; ++i) {
    double ratio = fabs(pa[i] - pb[i]) / (1e-6 + 1e-4 * fabs(pb[i]));
    if (ratio > worst) {
      worst = ratio;
      at = i;
    }
  }
  printf("%zu values (params, slots, step); worst: %.9g vs %.9g, %.3g of the tolerance\n",
         count, pa[at], pb[at], worst);
  printf(worst <= 1 ? "accumulation matches\n" : "FAILED: accumulation differs\n");
  return worst > 1;
}
