/* Helpers of the C test programs of test/E2E: a file's bytes, and the
   element count of an entry's argument (from the model's reflection). */
#ifndef DLC_TEST_FILES_H
#define DLC_TEST_FILES_H

#include "dlrt.h"

#include <stdio.h>
#include <stdlib.h>

/* The bytes of the file at `path` (malloc'd, one spare byte at the end)
   and their count in `size`, or NULL. */
static inline char *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  *size = (size_t)ftell(f);
  rewind(f);
  char *data = malloc(*size + 1);
  if (fread(data, 1, *size, f) != *size) {
    free(data);
    data = NULL;
  }
  fclose(f);
  return data;
}

/* The number of elements of `arg`. */
static inline size_t elements(const dl_arg_info *arg) {
  size_t n = 1;
  for (int32_t d = 0; d < arg->rank; ++d)
    n *= (size_t)arg->shape[d];
  return n;
}

#endif
