/* Checks that a compiled model computes the same bits on any number of
   threads (Inputs/par.dl): instances on 1, 2 and 3 threads of the
   runtime's own pool and one on the application's parallel_for (which runs
   the shares in reverse order, on the calling thread) train side by side
   on the same batches; every loss and every output must be identical, and
   the program says whether the parallel_for was called. Changing the
   thread count of a live instance remakes its pool. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

typedef struct par par;
par *par_create(void);
void par_destroy(par *);
int par_infer(par *, const float *image, float *probs);
int par_step(par *, const float *image, const int32_t *label, float *xent);
int par_eval(par *, const float *image, const int32_t *label, float *xent);
int par_set_threads(par *, int n);
int par_set_parallel_for(par *, void (*pf)(void *, int, void (*)(void *, int), void *),
                         void *user);

#define B 128
#define N 4


static int shares_run = 0, calls = 0;
static void reverse_pf(void *user, int n, void (*task)(void *, int), void *ctx) {
  (void)user;
  ++calls;
  for (int i = n - 1; i >= 0; --i, ++shares_run)
    task(ctx, i);
}

static uint64_t state = 12345;
static float next_float(void) {
  state = state * 6364136223846793005ull + 1442695040888963407ull;
  return (float)(state >> 40) / 16777216.0f;
}

int main(void) {
  par *m[N];
  int threads[N] = {1, 2, 3, 2};
  for (int i = 0; i < N; ++i) {
    m[i] = par_create();
    CHECK(m[i] && par_set_threads(m[i], threads[i]) == 0, "instance %d", i);
  }
  CHECK(par_set_parallel_for(m[3], reverse_pf, NULL) == 0, "set_parallel_for");
  static float image[B * 256], probs[N][B * 10];
  int32_t label[B];
  for (int step = 0; step < 6; ++step) {
    for (int i = 0; i < B * 256; ++i)
      image[i] = next_float() * 2.0f - 1.0f;
    for (int i = 0; i < B; ++i)
      label[i] = (int32_t)(next_float() * 10.0f) % 10;
    if (step == 3) /* a live instance changes its thread count twice */
      CHECK(par_set_threads(m[1], 1) == 0 && par_infer(m[1], image, probs[1]) == 0 &&
                par_set_threads(m[1], 2) == 0,
            "set_threads on a live instance");
    float loss[N];
    for (int i = 0; i < N; ++i)
      CHECK(par_step(m[i], image, label, &loss[i]) == 0, "step %d of instance %d", step, i);
    for (int i = 1; i < N; ++i)
      CHECK(memcmp(&loss[i], &loss[0], sizeof(float)) == 0,
            "step %d: loss %.9g on %d threads, %.9g on 1", step, loss[i], threads[i], loss[0]);
    for (int i = 0; i < N; ++i)
      CHECK(par_eval(m[i], image, label, &loss[i]) == 0, "eval %d of instance %d", step, i);
    for (int i = 1; i < N; ++i)
      CHECK(memcmp(&loss[i], &loss[0], sizeof(float)) == 0,
            "eval %d: loss %.9g on %d threads, %.9g on 1", step, loss[i], threads[i], loss[0]);
  }
  for (int i = 0; i < N; ++i)
    CHECK(par_infer(m[i], image, probs[i]) == 0, "infer of instance %d", i);
  for (int i = 1; i < N; ++i)
    CHECK(memcmp(probs[i], probs[0], sizeof probs[0]) == 0, "outputs of instance %d differ", i);
  CHECK(shares_run >= 2 * calls, "parallel_for: %d calls, %d shares", calls,
        shares_run);
  for (int i = 0; i < N; ++i)
    par_destroy(m[i]);
  printf("parallel_for: %s\n", calls > 0 ? "used" : "unused");
  if (failures == 0)
    printf("threads test passed\n");
  return failures != 0;
}
