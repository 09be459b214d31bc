/* Checks the C interface of a compiled model (spec/abi.md §2-3) on
   Inputs/tiny.dl: creation in malloc'd and caller memory, reflection,
   deterministic initializers (recomputed here from the documented formula),
   entry points and their argument checks, checkpoints (exact round trip;
   every way a file can be wrong is refused with the model unchanged). */
#include "dlrt.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "files.h"

typedef struct tiny tiny;
tiny *tiny_create(void);
size_t tiny_arena_bytes(void);
tiny *tiny_create_in(void *arena, size_t n);
void tiny_destroy(tiny *);
int tiny_infer(tiny *, const float *x, float *probs);
int tiny_eval(tiny *, const float *x, const int32_t *label, float *xent, float *acc);
int tiny_save(const tiny *, const char *path);
int tiny_load(tiny *, const char *path);
int tiny_load_mem(tiny *, const void *data, size_t n);
int tiny_set_threads(tiny *, int n);
int tiny_set_hyper(tiny *, const char *name, float value);
const char *tiny_last_error(const tiny *);
const dl_model_info *tiny_info(void);


/* The documented initializer RNG (runtime/init.c), written again here. */
static uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
static double u01(uint64_t seed, uint64_t i) {
  return (double)(mix(seed * 0x9E3779B97F4A7C15ull + i) >> 40) / 16777216.0;
}

/* Saves `m` to `path` and returns the file's bytes. */
static char *snapshot(tiny *m, const char *path, size_t *size) {
  if (tiny_save(m, path) != 0)
    return NULL;
  return read_file(path, size);
}

/* A copy of `file` with `from` replaced by `to` (same length) in the header. */
static char *patched(const char *file, size_t size, const char *from, const char *to) {
  char *copy = malloc(size);
  memcpy(copy, file, size);
  uint64_t header = 0;
  memcpy(&header, copy, 8);
  char *at = memmem(copy + 8, header, from, strlen(from));
  if (at)
    memcpy(at, to, strlen(to));
  return copy;
}

static void expect_refused(tiny *m, const void *data, size_t n, const char *mention,
                           const char *before, size_t before_size, const char *scratch) {
  int rc = tiny_load_mem(m, data, n);
  CHECK(rc != 0, "a bad checkpoint was accepted (expected an error mentioning %s)", mention);
  CHECK(strstr(tiny_last_error(m), mention) != NULL, "message '%s' lacks '%s'",
        tiny_last_error(m), mention);
  size_t after_size = 0;
  char *after = snapshot(m, scratch, &after_size);
  CHECK(after && after_size == before_size && memcmp(after, before, before_size) == 0,
        "the model changed after a refused load (%s)", mention);
  free(after);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  char path[4096], scratch[4096];
  snprintf(path, sizeof path, "%s/ckpt.safetensors", dir);
  snprintf(scratch, sizeof scratch, "%s/scratch.safetensors", dir);

  /* Reflection. */
  const dl_model_info *info = tiny_info();
  CHECK(info->abi_version == DL_ABI_VERSION, "abi %u", info->abi_version);
  CHECK(strcmp(info->name, "tiny") == 0, "name %s", info->name);
  CHECK(info->num_variables == 3, "%d variables", info->num_variables);
  CHECK(strcmp(info->variables[0].name, "w") == 0 && info->variables[0].rank == 2 &&
            info->variables[0].shape[0] == 3 && info->variables[0].shape[1] == 4 &&
            info->variables[0].kind == DL_VAR_PARAM && info->variables[0].dtype == DL_F32,
        "variable w");
  CHECK(strcmp(info->variables[2].name, "s") == 0 && info->variables[2].kind == DL_VAR_STATE, "state s");
  CHECK(info->num_entries == 2, "%d entries", info->num_entries);
  const dl_entry_info *infer = &info->entries[0], *eval = &info->entries[1];
  CHECK(strcmp(infer->name, "infer") == 0 && infer->kind == DL_ENTRY_INFER &&
            infer->num_args == 2,
        "infer entry");
  CHECK(strcmp(infer->args[0].name, "x") == 0 && infer->args[0].role == DL_INPUT &&
            infer->args[0].rank == 2 && infer->args[0].shape[1] == 3,
        "infer arg x");
  CHECK(strcmp(infer->args[1].name, "probs") == 0 && infer->args[1].role == DL_OUTPUT,
        "infer arg probs");
  CHECK(strcmp(eval->name, "eval") == 0 && eval->num_args == 4 &&
            eval->args[1].dtype == DL_I32 && eval->args[1].index_limit == 4 &&
            eval->args[2].role == DL_LOSS && eval->args[3].role == DL_METRIC,
        "eval entry");

  /* Creation in malloc'd and in caller memory; both initialize alike. */
  tiny *m = tiny_create();
  CHECK(m != NULL, "create");
  size_t bytes = tiny_arena_bytes();
  CHECK(bytes >= info->arena_bytes, "arena bytes %zu", bytes);
  char *memory = malloc(bytes + 3);
  CHECK(tiny_create_in(memory + 3, bytes - 1) == NULL, "a too small arena is refused");
  tiny *placed = tiny_create_in(memory + 3, bytes);
  CHECK(placed != NULL, "create_in with unaligned caller memory");
  size_t size_a = 0, size_b = 0;
  char *file_a = snapshot(m, path, &size_a);
  char *file_b = snapshot(placed, scratch, &size_b);
  CHECK(file_a && file_b && size_a == size_b && memcmp(file_a, file_b, size_a) == 0,
        "two instances are initialized identically");

  /* Initial values follow the documented formula. */
  uint64_t header_len = 0;
  memcpy(&header_len, file_a, 8);
  const float *data = (const float *)(file_a + 8 + header_len);
  for (int i = 0; i < 12; ++i)
    CHECK(data[i] == (float)(0.0 + 1.0 * u01(42, (uint64_t)i)), "w[%d] = %g", i, data[i]);
  for (int i = 0; i < 4; ++i) {
    double z = sqrt(-2.0 * log(1.0 - u01(7, 2 * (uint64_t)i))) *
               cos(6.283185307179586 * u01(7, 2 * (uint64_t)i + 1));
    CHECK(data[12 + i] == (float)z, "b[%d] = %g, expected %g", i, data[12 + i], z);
  }
  CHECK(data[16] == 0.5f && data[19] == 0.5f, "state s");
  CHECK(strstr(file_a + 8, "\"__metadata__\"") && strstr(file_a + 8, "\"model\":\"tiny\""),
        "metadata");

  /* Entry points. */
  float x[6] = {0.1f, -0.2f, 0.3f, 0.4f, 0.5f, -0.6f}, probs[8], xent = 0, acc = -1;
  int32_t label[2] = {1, 3};
  CHECK(tiny_infer(m, x, probs) == 0, "infer: %s", tiny_last_error(m));
  CHECK(fabsf(probs[0] + probs[1] + probs[2] + probs[3] - 1.0f) < 1e-6f, "softmax rows sum to 1");
  CHECK(tiny_eval(m, x, label, &xent, &acc) == 0, "eval: %s", tiny_last_error(m));
  CHECK(xent > 0 && acc >= 0 && acc <= 1, "loss %g acc %g", xent, acc);
  CHECK(tiny_infer(m, NULL, probs) != 0 && strstr(tiny_last_error(m), "'x' is NULL"),
        "NULL input: %s", tiny_last_error(m));
  CHECK(tiny_infer(NULL, x, probs) != 0, "NULL instance");
  label[1] = 7;
  CHECK(tiny_eval(m, x, label, &xent, &acc) != 0, "a label out of range is refused");
  CHECK(strstr(tiny_last_error(m), "'label' row 1 has value 7, outside [0, 4)"), "message: %s",
        tiny_last_error(m));
  label[1] = -1;
  CHECK(tiny_eval(m, x, label, &xent, &acc) != 0, "a negative label is refused");
  CHECK(tiny_set_threads(m, 0) != 0 && tiny_set_threads(m, 2) == 0, "set_threads");
  CHECK(tiny_set_hyper(m, "step.lr", 0.1f) != 0 && strstr(tiny_last_error(m), "step.lr"),
        "unknown hyper-parameters are refused: %s", tiny_last_error(m));

  /* Save -> load round trip, exactly: load a checkpoint whose values differ,
     then save again and compare bytes. */
  char *changed = malloc(size_a);
  memcpy(changed, file_a, size_a);
  float *values = (float *)(changed + 8 + header_len);
  for (int i = 0; i < 20; ++i)
    values[i] = values[i] * 3.0f - 1.25f + (float)i;
  CHECK(tiny_load_mem(m, changed, size_a) == 0, "load_mem: %s", tiny_last_error(m));
  size_t size_c = 0;
  char *file_c = snapshot(m, scratch, &size_c);
  CHECK(file_c && size_c == size_a && memcmp(file_c, changed, size_a) == 0,
        "save after load reproduces the loaded file exactly");
  CHECK(tiny_load(m, path) == 0, "load from a file: %s", tiny_last_error(m));
  free(file_c);
  file_c = snapshot(m, scratch, &size_c);
  CHECK(file_c && size_c == size_a && memcmp(file_c, file_a, size_a) == 0,
        "load restores the saved values");

  /* Every way a checkpoint can be wrong. */
  char *bad;
  bad = patched(file_a, size_a, "\"w\":", "\"v\":");
  expect_refused(m, bad, size_a, "tensor 'w' is missing", file_a, size_a, scratch);
  free(bad);
  bad = patched(file_a, size_a, "\"dtype\":\"F32\",\"shape\":[3,4]", "\"dtype\":\"I32\",\"shape\":[3,4]");
  expect_refused(m, bad, size_a, "tensor 'w' has dtype I32, expected F32", file_a, size_a, scratch);
  free(bad);
  bad = patched(file_a, size_a, "\"shape\":[3,4]", "\"shape\":[4,3]");
  expect_refused(m, bad, size_a, "tensor 'w' has shape [4, 3], expected [3, 4]", file_a, size_a,
                 scratch);
  free(bad);
  expect_refused(m, file_a, size_a - 5, "tensor 's'", file_a, size_a, scratch);
  bad = malloc(size_a);
  memcpy(bad, file_a, size_a);
  uint64_t huge = (uint64_t)1 << 40;
  memcpy(bad, &huge, 8);
  expect_refused(m, bad, size_a, "header length", file_a, size_a, scratch);
  memcpy(bad, file_a, size_a);
  memset(bad + 8, '{', header_len);
  expect_refused(m, bad, size_a, "malformed header", file_a, size_a, scratch);
  free(bad);
  expect_refused(m, file_a, 5, "not a safetensors file", file_a, size_a, scratch);
  CHECK(tiny_load(m, "/nonexistent/ckpt.safetensors") != 0 &&
            strstr(tiny_last_error(m), "cannot open"),
        "a missing file: %s", tiny_last_error(m));
  CHECK(tiny_load(m, NULL) != 0 && tiny_save(m, NULL) != 0 && tiny_load_mem(m, NULL, 8) != 0,
        "NULL paths and data");
  CHECK(tiny_save(m, "/nonexistent/dir/x.safetensors") != 0, "an unwritable path");

  tiny_destroy(m);
  tiny_destroy(placed); /* caller memory: nothing to free */
  tiny_destroy(NULL);
  free(memory);
  free(file_a);
  free(file_b);
  free(file_c);
  free(changed);
  printf("%s\n", failures ? "abi test FAILED" : "abi test passed");
  return failures != 0;
}
