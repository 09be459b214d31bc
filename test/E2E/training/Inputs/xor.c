/* Trains the XOR example (full batch, sgd with momentum) and checks that it
   classifies all four patterns. */
#include "xor.h"

#include <stdio.h>

int main(void) {
  float x[8] = {0, 0, 0, 1, 1, 0, 1, 1}, y[4] = {0, 1, 1, 0}, p[4], loss = 0, err = 0;
  xor_net *m = xor_net_create();
  for (int step = 0; step < 300; ++step)
    if (xor_net_step(m, x, y, &loss, &err) != 0) {
      printf("FAILED: %s\n", xor_net_last_error(m));
      return 1;
    }
  xor_net_infer(m, x, p);
  int right = 0;
  for (int i = 0; i < 4; ++i)
    right += (p[i] > 0.5f) == (y[i] > 0.5f);
  printf("loss %.5f after 300 steps, accuracy %d/4\n", loss, right);
  xor_net_destroy(m);
  return right != 4;
}
