/* Embeds the compiled XOR model in a C program: create an instance, run
   inference on the four patterns, save a checkpoint and load it into a
   second instance, which must then answer identically. */
#include "xor.h"

#include <stdio.h>
#include <string.h>

int main(void) {
  float x[XOR_NET_INFER_X_SIZE] = {0, 0, 0, 1, 1, 0, 1, 1};
  float p[XOR_NET_INFER_P_SIZE], q[XOR_NET_INFER_P_SIZE];
  xor_net *model = xor_net_create();
  if (!model || xor_net_infer(model, x, p) != 0) {
    fprintf(stderr, "infer failed: %s\n", xor_net_last_error(model));
    return 1;
  }
  for (int i = 0; i < 4; ++i)
    printf("xor(%g, %g) -> %.4f (untrained)\n", x[2 * i], x[2 * i + 1], p[i]);

  if (xor_net_save(model, "xor_net.safetensors") != 0) {
    fprintf(stderr, "save failed: %s\n", xor_net_last_error(model));
    return 1;
  }
  xor_net *copy = xor_net_create();
  if (xor_net_load(copy, "xor_net.safetensors") != 0 || xor_net_infer(copy, x, q) != 0) {
    fprintf(stderr, "load failed: %s\n", xor_net_last_error(copy));
    return 1;
  }
  printf("checkpoint round trip: %s\n", memcmp(p, q, sizeof p) == 0 ? "identical" : "DIFFERENT");
  xor_net_destroy(copy);
  xor_net_destroy(model);
  return 0;
}
