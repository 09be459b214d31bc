/* Runs the batch-1 inference of Inputs/stream.dl, whose loops run
   last-first on every other call of an instance (docs/abi.md), five times
   on instances of 1, 2 and 3 threads: every call must give the same bits,
   forward or backward, on any number of threads. */
#include "check.h"
#include "stream.h"

#include <string.h>

#define N 3
#define CALLS 5

int main(void) {
  static float x[STREAM_INFER_X_SIZE], y[N][CALLS][STREAM_INFER_Y_SIZE];
  for (int i = 0; i < STREAM_INFER_X_SIZE; ++i)
    x[i] = (float)((i * 37) % 101) / 50.0f - 1.0f;
  for (int t = 0; t < N; ++t) {
    stream *m = stream_create();
    CHECK(m && stream_set_threads(m, t + 1) == 0, "instance on %d threads", t + 1);
    for (int c = 0; c < CALLS; ++c)
      CHECK(stream_infer(m, x, y[t][c]) == 0, "call %d on %d threads", c, t + 1);
    stream_destroy(m);
  }
  float sum = 0;
  for (int i = 0; i < STREAM_INFER_Y_SIZE; ++i)
    sum += y[0][0][i] * y[0][0][i];
  CHECK(sum > 0, "the output is all zeros");
  for (int t = 0; t < N; ++t)
    for (int c = 0; c < CALLS; ++c)
      CHECK(memcmp(y[t][c], y[0][0], sizeof y[0][0]) == 0,
            "call %d on %d threads differs from the first on 1", c, t + 1);
  if (failures == 0)
    printf("alternate test passed\n");
  return failures != 0;
}
