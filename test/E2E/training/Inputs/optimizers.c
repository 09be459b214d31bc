/* Two steps of every optimizer against torch.optim's update formulas,
   written here in double precision (the documented algorithms of SGD,
   Adam, AdamW and RMSprop), with gradients c1 then c2. Also: a changed
   hyper-parameter (M_set_hyper) takes effect, SGD declared without
   momentum keeps no momentum buffer until its momentum is set (then,
   as torch.optim.SGD, the buffer starts as the gradient), and checkpoints
   carry the optimizer slots. Each param has N elements: two vectors of
   16 lanes and a rest of 4 (the updates' vector code, with AVX-512's
   reciprocals for Adam's and RMSprop's divisions, and their rest). */
#include "opt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 36

static int failures;

/* Reads param `name` (N floats) from a checkpoint written by opt_save. */
static void read_param(const char *path, const char *name, float out[N]) {
  FILE *f = fopen(path, "rb");
  unsigned long long header = 0;
  fread(&header, 8, 1, f);
  char *json = calloc(header + 1, 1);
  fread(json, 1, header, f);
  char key[64];
  snprintf(key, sizeof key, "\"%s\":{", name);
  char *at = strstr(json, key);
  unsigned long long begin = 0;
  sscanf(strstr(at, "data_offsets") + 15, "%llu", &begin);
  fseek(f, (long)(8 + header + begin), SEEK_SET);
  fread(out, 4, N, f);
  free(json);
  fclose(f);
}

static void check(const char *what, const float got[N], const double want[N]) {
  for (int i = 0; i < N; ++i)
    if (fabs(got[i] - want[i]) > 1e-6 + 1e-5 * fabs(want[i])) {
      printf("FAILED %s[%d]: got %.9g, expected %.9g\n", what, i, got[i], want[i]);
      ++failures;
    }
  printf("%s: %.6f %.6f %.6f %.6f\n", what, got[0], got[1], got[2], got[3]);
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "opt.safetensors";
  /* The first 4 elements as before; the rest a pattern of other values. */
  float c[2][N] = {{1, -2, 0.5f, 3}, {-0.5f, 1, 2, -1}}, loss;
  for (int i = 4; i < N; ++i) {
    c[0][i] = (float)((i * 7) % 11 - 5) * 0.25f;
    c[1][i] = (float)((i * 5) % 13 - 6) * 0.125f;
  }
  opt *m = opt_create();
  for (int s = 0; s < 2; ++s)
    if (opt_nesterov(m, c[s], &loss) || opt_momentum(m, c[s], &loss) ||
        opt_adam(m, c[s], &loss) || opt_adamw(m, c[s], &loss) || opt_rms(m, c[s], &loss) ||
        opt_plain(m, c[s], &loss)) {
      printf("FAILED: %s\n", opt_last_error(m));
      return 1;
    }
  opt_save(m, path);

  double w[N], buf[N], mo[N], v[N], want[N];
  float got[N];
  /* SGD, nesterov, weight decay (torch.optim.SGD). */
  for (int i = 0; i < N; ++i) {
    w[i] = 0.5;
    buf[i] = 0;
    for (int s = 0; s < 2; ++s) {
      double g = c[s][i] + 0.01 * w[i];
      buf[i] = s == 0 ? g : 0.9 * buf[i] + g;
      w[i] -= 0.1 * (g + 0.9 * buf[i]);
    }
    want[i] = w[i];
  }
  read_param(path, "w1", got);
  check("sgd nesterov", got, want);
  /* SGD with momentum. */
  for (int i = 0; i < N; ++i) {
    w[i] = 0.5;
    buf[i] = 0;
    for (int s = 0; s < 2; ++s) {
      buf[i] = s == 0 ? c[s][i] : 0.8 * buf[i] + c[s][i];
      w[i] -= 0.1 * buf[i];
    }
    want[i] = w[i];
  }
  read_param(path, "w5", got);
  check("sgd momentum", got, want);
  /* Adam with (L2) weight decay, then AdamW (decoupled). */
  for (int decoupled = 0; decoupled < 2; ++decoupled) {
    double lr = 0.01, wd = decoupled ? 0.01 : 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    for (int i = 0; i < N; ++i) {
      w[i] = 0.5;
      mo[i] = v[i] = 0;
      for (int s = 0; s < 2; ++s) {
        double g = c[s][i];
        if (decoupled)
          w[i] *= 1 - lr * wd;
        else
          g += wd * w[i];
        mo[i] = b1 * mo[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        double t = s + 1;
        double mhat = mo[i] / (1 - pow(b1, t)), vhat = v[i] / (1 - pow(b2, t));
        w[i] -= lr * mhat / (sqrt(vhat) + eps);
      }
      want[i] = w[i];
    }
    read_param(path, decoupled ? "w3" : "w2", got);
    check(decoupled ? "adamw" : "adam", got, want);
  }
  /* RMSprop. */
  for (int i = 0; i < N; ++i) {
    w[i] = 0.5;
    v[i] = 0;
    for (int s = 0; s < 2; ++s) {
      double g = c[s][i];
      v[i] = 0.99 * v[i] + 0.01 * g * g;
      w[i] -= 0.01 * g / (sqrt(v[i]) + 1e-8);
    }
    want[i] = w[i];
  }
  read_param(path, "w4", got);
  check("rmsprop", got, want);

  /* SGD with weight decay and no momentum: no buffer (the slot stays 0). */
  double plain[N];
  for (int i = 0; i < N; ++i) {
    plain[i] = 0.5;
    for (int s = 0; s < 2; ++s)
      plain[i] -= 0.1 * (c[s][i] + 0.01 * plain[i]);
    want[i] = plain[i];
  }
  read_param(path, "w6", got);
  check("sgd", got, want);
  double zeros[N] = {0};
  read_param(path, "optim/plain/momentum/w6", got);
  check("sgd's unused momentum slot", got, zeros);
  /* Its momentum set to 0.5 at run time: two more steps; the buffer
     starts as the first gradient. */
  if (opt_set_hyper(m, "plain.momentum", 0.5f) != 0 || opt_plain(m, c[1], &loss) != 0 ||
      opt_plain(m, c[0], &loss) != 0)
    ++failures;
  opt_save(m, path);
  for (int i = 0; i < N; ++i) {
    for (int s = 0; s < 2; ++s) {
      double g = c[1 - s][i] + 0.01 * plain[i];
      buf[i] = s == 0 ? g : 0.5 * buf[i] + g;
      plain[i] -= 0.1 * buf[i];
    }
    want[i] = plain[i];
  }
  read_param(path, "w6", got);
  check("sgd, momentum set", got, want);
  read_param(path, "optim/plain/momentum/w6", got);
  check("sgd's momentum slot", got, buf);

  /* A run-time learning rate: momentum's lr set to 0 freezes w5. */
  float before[N], after[N];
  read_param(path, "w5", before);
  if (opt_set_hyper(m, "momentum.lr", 0.0f) != 0 || opt_momentum(m, c[0], &loss) != 0)
    ++failures;
  opt_save(m, path);
  read_param(path, "w5", after);
  if (memcmp(before, after, sizeof before) != 0) {
    printf("FAILED: momentum.lr = 0 still moved w5\n");
    ++failures;
  }
  /* Checkpoints carry optimizer slots and step counters. */
  FILE *f = fopen(path, "rb");
  char text[4096] = {0};
  fread(text, 1, sizeof text - 1, f);
  fclose(f);
  if (!strstr(text + 8, "\"optim/adam/m/w2\"") || !strstr(text + 8, "\"optim/adam/t\"") ||
      strstr(text + 8, "grad/") || strstr(text + 8, "hyper/")) {
    printf("FAILED: checkpoint slots\n");
    ++failures;
  }
  opt_destroy(m);
  printf(failures ? "optimizer test FAILED\n" : "optimizer test passed\n");
  return failures != 0;
}
