/* Two models from static archives in one program: each carries its own
   copy of the runtime, made local, so nothing clashes. */
#include <stdio.h>

typedef struct tiny tiny;
typedef struct xor_net xor_net;
tiny *tiny_create(void);
int tiny_infer(tiny *, const float *, float *);
void tiny_destroy(tiny *);
xor_net *xor_net_create(void);
int xor_net_infer(xor_net *, const float *, float *);
void xor_net_destroy(xor_net *);

int main(void) {
  float x[8] = {0, 0, 0, 1, 1, 0, 1, 1}, p[8];
  tiny *a = tiny_create();
  xor_net *b = xor_net_create();
  int ra = tiny_infer(a, x, p), rb = xor_net_infer(b, x, p);
  printf("tiny %d, xor_net %d\n", ra, rb);
  tiny_destroy(a);
  xor_net_destroy(b);
  return ra | rb;
}
