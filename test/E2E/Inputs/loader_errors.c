/* dlrt_call's own failures say why through dlrt_last_error. */
#include "dlrt.h"

#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  dlrt_model *m = dlrt_open(argv[1]);
  if (!m) {
    printf("FAILED: %s\n", dlrt_open_error());
    return 1;
  }
  void *instance = dlrt_create(m);
  float x[13][2] = {{0}};
  void *args[13];
  for (int i = 0; i < 13; ++i)
    args[i] = x[i];
  printf("too many: %d %s\n", dlrt_call(m, instance, "infer", args),
         dlrt_last_error(m, instance));
  printf("unknown: %d %s\n", dlrt_call(m, instance, "train", args),
         dlrt_last_error(m, instance));
  printf("null args: %d %s\n", dlrt_call(m, instance, "infer", NULL),
         dlrt_last_error(m, instance));
  printf("no model: %d %s\n", dlrt_call(NULL, instance, "infer", args),
         dlrt_last_error(m, instance));
  dlrt_destroy(m, instance);
  dlrt_close(m);
  return 0;
}
