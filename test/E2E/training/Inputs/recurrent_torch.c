/* A GRU, an RNN with ReLU and an LSTM (recurrent_torch.dl) against
   PyTorch's nn.GRU, nn.RNN and nn.LSTM: the outputs of infer, the loss of one training step
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
static const double want_o[] = {-0.015126971895, -0.0601785514914, 0.0241273614456, -0.0198795481263, -0.0591205780204, 0.20328807722, -0.0279553059337, -0.0638902495018, 0.417994877086, -0.0358537241375, -0.0696121716862, 0.591619816527, -0.0154331774306, -0.0604776921269, 0.0250661565304, -0.0212336589357, -0.0588204691471, 0.218357796329, -0.02940762681, -0.0630460144749, 0.442339877638, -0.0368419588668, -0.0693468433097, 0.603722197438};
static const double want_loss[] = {0.145789936604};
static const double want_g_w_ih[] = {0.420673106297, 0.495812519726, 0.337899088686, 0.0210108080552, -0.306005684632, -0.488908076793, -0.441803222634, -0.187049515144, 0.154602206781, 0.423920281815, 0.493729864583, 0.331069284746, 0.0121485916484, -0.312511995402, -0.491922926236, -0.440513888142, -0.175672320023, 0.165237959622};
static const double want_g_w_hh[] = {0.454526934629, 0.213619501917, -0.127832525603, -0.40885263971, -0.497831826612, -0.352629260662, -0.0416929159316, 0.28907192082, 0.483890029628, 0.451121477697, 0.206078522307, -0.13586231706, -0.414416973204, -0.497741094746, -0.347029783374, -0.0322637885462, 0.297046113902, 0.48640788832, 0.447017224833, 0.198148772514, -0.144144413511, -0.420263313814, -0.49778895823, -0.341481947494, -0.0265339249162, 0.30099539053, 0.487096820137};
static const double want_g_b_ih[] = {0.0702757641255, -0.264409521236, -0.475989327325, -0.462592729798, -0.231794383556, 0.111458150078, 0.395001091865, 0.482022190668, 0.346018194835};
static const double want_g_b_hh[] = {-0.378685486359, -0.499453076734, -0.38657052864, -0.0907666398789, 0.247563380569, 0.472898138095, 0.469477618353, 0.246297707167, -0.0944328952902};
static const double want_r_w_ih[] = {-0.514356893657, -0.301421166704, 0.041322078605, 0.313842116359, 0.463023810974, 0.374603756835, 0.104630645817, -0.237221267294, -0.464253305824};
static const double want_r_w_hh[] = {-0.175727573552, 0.113153015171, 0.442803233392, 0.431404251214, 0.15789147944, -0.0464355021255, -0.349937349558, -0.497718125582, -0.411414295435};
static const double want_r_b_ih[] = {0.256388951576, 0.39138897197, 0.407339997255};
static const double want_r_b_hh[] = {0.422574777639, 0.228789467976, -0.00757173016611};
static const double want_l_w_ih[] = {0.205579714677, -0.137249596157, -0.413820183158, -0.500020063183, -0.354554632778, -0.0330076522133, 0.289578290511, 0.468469594476, 0.447309717933, 0.198093217639, -0.144700793093, -0.418570876122, -0.497877312254, -0.344963492587, -0.024767819792, 0.298841732961, 0.476980360434, 0.443578749895, 0.191038481511, -0.149933053907, -0.423727073384, -0.494712173293, -0.3329086766, -0.0164372160653, 0.217439880613, 0.248477314573, 0.430942037664, 0.182270666136, -0.161373459232, -0.427472290477, -0.497037652204, -0.336779780244, -0.00780998845334, 0.306146310981, 0.463917018164, 0.435568905147};
static const double want_l_w_hh[] = {-0.271986793196, -0.478271441416, -0.460032049189, -0.224723249821, 0.115983203471, 0.400456615634, 0.499191885206, 0.361920389729, 0.0518695694879, -0.279015736967, -0.480678898322, -0.4564553287, -0.217231084085, 0.124034423084, 0.406096007601, 0.498540347353, 0.355878896987, 0.0438074482869, -0.28603537072, -0.483051153809, -0.451458684047, -0.209702296388, 0.131994799562, 0.411979933064, 0.499769275637, 0.355461276888, 0.0152401871805, -0.29278934001, -0.485008789301, -0.449708871742, -0.201889948366, 0.140384821923, 0.414222983725, 0.49713597367, 0.344311874242, 0.0236871101278};
static const double want_l_b_ih[] = {-0.500436883942, -0.384167897075, -0.0909341327354, 0.254012859551, 0.469966763893, 0.462625931193, 0.24290593557, -0.0948575309216, -0.512741322923, -0.500373040863, -0.378880413085, -0.0864035778913};
static const double want_l_b_hh[] = {-0.268728238121, 0.06343991074, 0.362055892547, 0.499336815563, 0.392244959513, 0.0984121516238, -0.236504399851, -0.463990235954, -0.597987528253, -0.261640106865, 0.0715518055258, 0.363882654044};

static const struct {
  const char *name;
  int rows, cols;
  const double *want;
} params[] = {
    {"g.w_ih", 9, 2, want_g_w_ih}, {"g.w_hh", 9, 3, want_g_w_hh},
    {"g.b_ih", 9, 0, want_g_b_ih}, {"g.b_hh", 9, 0, want_g_b_hh},
    {"r.w_ih", 3, 3, want_r_w_ih}, {"r.w_hh", 3, 3, want_r_w_hh},
    {"r.b_ih", 3, 0, want_r_b_ih}, {"r.b_hh", 3, 0, want_r_b_hh},
    {"l.w_ih", 12, 3, want_l_w_ih}, {"l.w_hh", 12, 3, want_l_w_hh},
    {"l.b_ih", 12, 0, want_l_b_ih}, {"l.b_hh", 12, 0, want_l_b_hh},
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
  float x[2 * 4 * 2], y[2 * 3], o[2 * 4 * 3], loss, got[36];
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
