/* A GRU then an RNN with ReLU (recurrent_torch.dl) against PyTorch's
   nn.GRU and nn.RNN: the outputs of infer, the loss of one training step
   and every parameter after it (SGD, lr 0.5), within 2e-5 + 2e-5
   |expected|. The parameters and inputs are value(i, salt) = 0.5 sin(0.7 i
   + salt) in float32; the expected values were computed from the same
   numbers by recurrent_torch.py, in double precision. */
#include "rt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

/* The expected values (recurrent_torch.py's output). */
static const double want_o[] = {0.559232745038, 1.21691024188, 0.308492352051, 0.808448035422, 1.90606190346, 0, 0.796514735112, 2.17601737607, 0, 0.794091580044, 2.33244717016, 0, 0.548129244686, 1.21950533971, 0.31697560228, 0.769724147254, 1.97675758629, 0, 0.787789002614, 2.23553344449, 0, 0.842157334991, 2.29484084457, 0};
static const double want_loss[] = {1.69005985127};
static const double want_g_w_ih[] = {0.417078429352, 0.494684763323, 0.341354517323, 0.0236996030383, -0.30756363518, -0.490735111403, -0.440241080844, -0.186352757998, 0.144166292589, 0.411842176919, 0.487023810357, 0.330263535238, -0.00847296669674, -0.319314801436, -0.563863984763, -0.491170831802, -0.171618291178, 0.159158073819};
static const double want_g_w_hh[] = {0.449579707085, 0.211480254052, -0.130343925872, -0.403650175157, -0.494335610298, -0.350020387407, -0.0440194137801, 0.287134453308, 0.482755481092, 0.452642286133, 0.206687820452, -0.135096652018, -0.42092146886, -0.504455480696, -0.350438112227, -0.0208694174357, 0.308687142765, 0.491788272754, 0.432002834488, 0.191596619792, -0.151778812134, -0.453618136828, -0.519209953572, -0.358136066306, -0.0550160438529, 0.278214318992, 0.473345973803};
static const double want_g_b_ih[] = {0.0617998518753, -0.254598881042, -0.479539202109, -0.461186493242, -0.237904290738, 0.155540212942, 0.34922743494, 0.203208112247, 0.0646600852112};
static const double want_g_b_hh[] = {-0.387161398609, -0.48964243654, -0.390120403424, -0.089360403323, 0.241453473387, 0.516980200959, 0.443821192116, 0.177326383809, -0.186420923273};
static const double want_r_w_ih[] = {-0.848145461854, -0.465041059893, -0.12214744111, -0.282309153976, 0.190807588543, 0.0841099140797, 0.101242249582, -0.241592149032, -0.465938724091};
static const double want_r_w_hh[] = {-0.609717379027, -0.996514372692, 0.424728596423, -0.338602000162, -1.88648547862, -0.0796700797247, -0.349937349558, -0.497718125582, -0.411414295435};
static const double want_r_b_ih[] = {-0.343030146027, -0.641046394777, 0.396867972574};
static const double want_r_b_hh[] = {-0.176844319964, -0.803645898771, -0.0180437548471};

static const struct {
  const char *name;
  int rows, cols;
  const double *want;
} params[] = {
    {"g.w_ih", 9, 2, want_g_w_ih}, {"g.w_hh", 9, 3, want_g_w_hh},
    {"g.b_ih", 9, 0, want_g_b_ih}, {"g.b_hh", 9, 0, want_g_b_hh},
    {"r.w_ih", 3, 3, want_r_w_ih}, {"r.w_hh", 3, 3, want_r_w_hh},
    {"r.b_ih", 3, 0, want_r_b_ih}, {"r.b_hh", 3, 0, want_r_b_hh},
};
enum { kParams = sizeof params / sizeof params[0] };

static void fill(float *out, int n, int salt) {
  for (int i = 0; i < n; ++i)
    out[i] = (float)(0.5 * sin(0.7 * i + salt));
}

static int size_of(int p) {
  return params[p].rows * (params[p].cols ? params[p].cols : 1);
}

static void check(const char *what, const float *got, const double *want, int n) {
  for (int i = 0; i < n; ++i)
    if (!(fabs(got[i] - want[i]) <= 2e-5 + 2e-5 * fabs(want[i]))) {
      printf("FAILED %s[%d]: got %.9g, expected %.9g\n", what, i, got[i], want[i]);
      ++failures;
    }
  printf("%s: %d values checked\n", what, n);
}

/* A checkpoint of the parameters (safetensors: the header's length, the
   JSON header padded with spaces, the data), for rt_load_mem. */
static size_t checkpoint(char *out) {
  char header[2048];
  int len = sprintf(header, "{");
  size_t offset = 0;
  for (int p = 0; p < kParams; ++p) {
    size_t bytes = 4 * (size_t)size_of(p);
    char shape[32];
    if (params[p].cols)
      sprintf(shape, "%d,%d", params[p].rows, params[p].cols);
    else
      sprintf(shape, "%d", params[p].rows);
    len += sprintf(header + len, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%s],"
                   "\"data_offsets\":[%zu,%zu]}",
                   p ? "," : "", params[p].name, shape, offset, offset + bytes);
    offset += bytes;
  }
  len += sprintf(header + len, "}");
  while (len % 8)
    header[len++] = ' ';
  unsigned long long n = (unsigned long long)len;
  memcpy(out, &n, 8);
  memcpy(out + 8, header, (size_t)len);
  char *data = out + 8 + len;
  for (int p = 0; p < kParams; ++p) {
    fill((float *)data, size_of(p), p + 1);
    data += 4 * size_of(p);
  }
  return (size_t)(data - out);
}

/* Reads param `name` (n floats) from a checkpoint written by rt_save. */
static void read_param(const char *path, const char *name, float *out, int n) {
  FILE *f = fopen(path, "rb");
  unsigned long long header = 0;
  if (!f || fread(&header, 8, 1, f) != 1) {
    printf("FAILED: cannot read %s\n", path);
    exit(1);
  }
  char *json = calloc(header + 1, 1);
  char key[64];
  snprintf(key, sizeof key, "\"%s\":{", name);
  char *at = fread(json, 1, header, f) == header ? strstr(json, key) : NULL;
  unsigned long long begin = 0;
  if (!at || sscanf(strstr(at, "data_offsets") + 15, "%llu", &begin) != 1) {
    printf("FAILED: no tensor %s in %s\n", name, path);
    exit(1);
  }
  fseek(f, (long)(8 + header + begin), SEEK_SET);
  if (fread(out, 4, (size_t)n, f) != (size_t)n)
    printf("FAILED: short tensor %s\n", name), ++failures;
  free(json);
  fclose(f);
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "rt.safetensors";
  static char blob[8192];
  float x[2 * 4 * 2], y[2 * 3], o[2 * 4 * 3], loss, got[27];
  fill(x, 2 * 4 * 2, 11);
  fill(y, 2 * 3, 12);
  rt *m = rt_create();
  if (!m || rt_load_mem(m, blob, checkpoint(blob)) || rt_infer(m, x, o) ||
      rt_step(m, x, y, &loss) || rt_save(m, path)) {
    printf("FAILED: %s\n", m ? rt_last_error(m) : "rt_create");
    return 1;
  }
  check("infer o", o, want_o, 2 * 4 * 3);
  check("step loss", &loss, want_loss, 1);
  for (int p = 0; p < kParams; ++p) {
    read_param(path, params[p].name, got, size_of(p));
    check(params[p].name, got, params[p].want, size_of(p));
  }
  rt_destroy(m);
  if (failures)
    return 1;
  printf("recurrent layers match PyTorch\n");
  return 0;
}
