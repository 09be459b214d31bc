/* Gradient accumulation: on a model compiled for batch B, two
   step_accumulate calls and one step_apply give the same params as one step
   of the model compiled for batch 2B on the two batches concatenated (three
   rounds, so optimizer state carries over, and gradients are cleared
   between them). Both libraries are opened with the generic loader, which
   also gives the inputs' shapes: any model whose inputs all have the batch
   as their first dimension. */
#include "dlrt.h"
#include "../../Inputs/files.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The entry `name` of `model`, or NULL. */
static const dl_entry_info *entry_of(const dlrt_model *model, const char *name) {
  const dl_model_info *info = dlrt_info(model);
  for (int32_t i = 0; i < info->num_entries; ++i)
    if (strcmp(info->entries[i].name, name) == 0)
      return &info->entries[i];
  return NULL;
}

#define MAX_ARGS 16

int main(int argc, char **argv) {
  dlrt_model *small = dlrt_open(argv[1]), *large = dlrt_open(argv[2]);
  if (!small || !large) {
    printf("FAILED: %s\n", dlrt_open_error());
    return 1;
  }
  /* The large model's step takes the inputs of both halves: its batch is
     twice the small model's, and the batch is every input's first
     dimension, so the second half starts half way through each buffer. */
  const dl_entry_info *step = entry_of(large, "step"), *acc = entry_of(small, "step_accumulate");
  if (!step || !acc || step->num_args != acc->num_args || step->num_args > MAX_ARGS) {
    printf("FAILED: the models' entries differ\n");
    return 1;
  }
  void *a = dlrt_create(small), *b = dlrt_create(large);
  void *buffers[MAX_ARGS], *first[MAX_ARGS], *second[MAX_ARGS];
  for (int32_t i = 0; i < step->num_args; ++i) {
    const dl_arg_info *arg = &step->args[i];
    size_t size = dl_dtype_size(arg->dtype);
    buffers[i] = calloc(elements(arg), size);
    first[i] = buffers[i];
    second[i] = arg->role == DL_INPUT ? (char *)buffers[i] + elements(&acc->args[i]) * size
                                      : buffers[i];
  }
  for (int round = 0; round < 3; ++round) {
    for (int32_t i = 0; i < step->num_args; ++i) {
      const dl_arg_info *arg = &step->args[i];
      if (arg->role != DL_INPUT)
        continue;
      for (size_t j = 0; j < elements(arg); ++j) {
        if (arg->dtype == DL_F32)
          ((float *)buffers[i])[j] = (float)sin(1.7 * (double)j + round);
        else
          ((int32_t *)buffers[i])[j] =
              arg->index_limit > 0 ? (int32_t)((j + (size_t)round) % (size_t)arg->index_limit) : 0;
      }
    }
    if (dlrt_call(small, a, "step_accumulate", first) || dlrt_call(small, a, "step_accumulate", second) ||
        dlrt_call(small, a, "step_apply", NULL) || dlrt_call(large, b, "step", buffers)) {
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
