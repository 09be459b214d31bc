/* The fused training step (ENTRY_fused, which M_ENTRY runs when no
   gradient is accumulated) against accumulate + apply: two instances of one
   model, for every training entry E,
   - three rounds of E on one, E_accumulate then E_apply on the other;
   - two rounds of E_accumulate then E on one (E sees a gradient already
     accumulated, so it runs accumulate + apply), and two E_accumulate then
     E_apply on the other.
   Between the two E_accumulate rounds, each entry's momentum (where it has
   one) is set to 0.5 on both, so that an SGD declared without momentum
   runs its plain bodies (ENTRY_fused_plain, ENTRY_apply_plain) before and
   its general ones after.
   The checkpoints (params, slots, step counts) must be equal value for
   value: the fused step computes the same float operations (0 + g = g, and
   g / max(1, 1) = g, exactly). No entry of the model is a fused body. */
#include "dlrt.h"
#include "../../Inputs/files.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 16

/* Fills the inputs of `e` in `args` for round `round`. */
static void fill(const dl_entry_info *e, void **args, int round) {
  for (int32_t i = 0; i < e->num_args; ++i) {
    const dl_arg_info *arg = &e->args[i];
    if (arg->role != DL_INPUT)
      continue;
    for (size_t j = 0; j < elements(arg); ++j) {
      if (arg->dtype == DL_F32)
        ((float *)args[i])[j] = (float)sin(1.3 * (double)j + 0.7 * round);
      else
        ((int32_t *)args[i])[j] =
            arg->index_limit > 0 ? (int32_t)((j + (size_t)round) % (size_t)arg->index_limit) : 0;
    }
  }
}

static int call(dlrt_model *model, void *m, const char *entry, const char *suffix, void **args) {
  char name[256];
  snprintf(name, sizeof name, "%s%s", entry, suffix);
  if (dlrt_call(model, m, name, args)) {
    printf("FAILED: %s\n", name);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4)
    return 2;
  dlrt_model *model = dlrt_open(argv[1]);
  if (!model) {
    printf("FAILED: %s\n", dlrt_open_error());
    return 1;
  }
  const dl_model_info *info = dlrt_info(model);
  void *a = dlrt_create(model), *b = dlrt_create(model);
  int (*set_hyper)(void *, const char *, float) =
      (int (*)(void *, const char *, float))dlrt_symbol(model, "set_hyper");
  int trained = 0;
  for (int32_t k = 0; k < info->num_entries; ++k) {
    const dl_entry_info *e = &info->entries[k];
    if (strstr(e->name, "_fused") || strstr(e->name, "_plain")) {
      printf("FAILED: the entry %s is listed\n", e->name);
      return 1;
    }
    if (e->kind != DL_ENTRY_TRAIN || e->num_args > MAX_ARGS)
      continue;
    ++trained;
    void *args[MAX_ARGS];
    for (int32_t i = 0; i < e->num_args; ++i)
      args[i] = calloc(elements(&e->args[i]), dl_dtype_size(e->args[i].dtype));
    for (int round = 0; round < 3; ++round) {
      fill(e, args, round);
      if (call(model, a, e->name, "", args) || call(model, b, e->name, "_accumulate", args) ||
          call(model, b, e->name, "_apply", NULL))
        return 1;
    }
    for (int round = 3; round < 7; round += 2) {
      if (round == 5 && set_hyper) {
        char name[256];
        snprintf(name, sizeof name, "%s.momentum", e->name);
        set_hyper(a, name, 0.5f); /* (fails, harmlessly, without momentum) */
        set_hyper(b, name, 0.5f);
      }
      fill(e, args, round);
      if (call(model, a, e->name, "_accumulate", args) || call(model, b, e->name, "_accumulate", args))
        return 1;
      fill(e, args, round + 1);
      if (call(model, a, e->name, "", args) || call(model, b, e->name, "_accumulate", args) ||
          call(model, b, e->name, "_apply", NULL))
        return 1;
    }
    for (int32_t i = 0; i < e->num_args; ++i)
      free(args[i]);
  }
  int (*save)(const void *, const char *) =
      (int (*)(const void *, const char *))dlrt_symbol(model, "save");
  if (!save || save(a, argv[2]) || save(b, argv[3])) {
    printf("FAILED: save\n");
    return 1;
  }
  size_t na = 0, nb = 0;
  char *fa = read_file(argv[2], &na), *fb = read_file(argv[3], &nb);
  unsigned long long ha, hb;
  if (!fa || !fb || na < 8 || nb < 8) {
    printf("FAILED: the checkpoints\n");
    return 1;
  }
  memcpy(&ha, fa, 8);
  memcpy(&hb, fb, 8);
  if (na != nb || ha != hb || memcmp(fa, fb, 8 + ha) != 0) {
    printf("FAILED: checkpoints of different layouts\n");
    return 1;
  }
  size_t count = (na - 8 - ha) / 4, differ = 0;
  const float *pa = (const float *)(fa + 8 + ha), *pb = (const float *)(fb + 8 + hb);
  for (size_t i = 0; i < count; ++i)
    if (!(pa[i] == pb[i])) {
      if (!differ)
        printf("value %zu: %.9g vs %.9g\n", i, pa[i], pb[i]);
      ++differ;
    }
  printf("%d training entries, %zu values: %zu differ\n", trained, count, differ);
  printf(differ || !trained ? "FAILED: the fused step differs\n" : "fused step matches\n");
  return differ || !trained;
}
