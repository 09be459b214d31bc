//===- train.cpp - dl-train: train any compiled model on Fashion-MNIST -----===//
//
//   dl-train MODEL.so [--epochs N] [--steps N] [--data DIR] [--save FILE]
//            [--seed N] [--raw]
//
// Opens a library compiled by dlc through the generic loader (no header
// needed), reads Fashion-MNIST (IDX files, gzip, from the Debian package
// dataset-fashion-mnist), and runs every training entry of the model on
// each batch with a progress bar (losses, metrics, samples/s, ETA). The
// inputs are bound by type: an f32 input of 784 values per row gets the
// images (standardized with the training set's pixel mean and standard
// deviation, as is usual for Fashion-MNIST; --raw keeps them in [0, 1]),
// an i32 input the labels, any other f32 input
// standard normal noise (the latent codes of a GAN). After each epoch it
// evaluates the test set with `eval` and prints every loss and metric;
// at the end it saves a checkpoint, loads it into a fresh instance and
// checks that the test metrics are the same.
//
//===----------------------------------------------------------------------===//

#include "dlrt.h"

#include <zlib.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace {

struct Dataset {
  std::vector<float> images; // n x 784, in [0, 1]
  std::vector<int32_t> labels;
  size_t count = 0;
};

uint32_t bigEndian(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool readGz(const std::string &path, std::vector<unsigned char> &out) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f)
    return false;
  unsigned char buffer[1 << 16];
  int n;
  while ((n = gzread(f, buffer, sizeof buffer)) > 0)
    out.insert(out.end(), buffer, buffer + n);
  gzclose(f);
  return n == 0;
}

bool loadDataset(const std::string &dir, const std::string &prefix, Dataset &d) {
  std::vector<unsigned char> images, labels;
  if (!readGz(dir + "/" + prefix + "-images-idx3-ubyte.gz", images) ||
      !readGz(dir + "/" + prefix + "-labels-idx1-ubyte.gz", labels) ||
      images.size() < 16 || labels.size() < 8 || bigEndian(&images[0]) != 2051 ||
      bigEndian(&labels[0]) != 2049)
    return false;
  d.count = bigEndian(&images[4]);
  size_t pixels = (size_t)bigEndian(&images[8]) * bigEndian(&images[12]);
  if (pixels != 784 || images.size() < 16 + d.count * pixels ||
      labels.size() < 8 + d.count)
    return false;
  d.images.resize(d.count * pixels);
  for (size_t i = 0; i < d.images.size(); ++i)
    d.images[i] = images[16 + i] / 255.0f;
  d.labels.assign(labels.begin() + 8, labels.begin() + 8 + d.count);
  return true;
}

int64_t elements(const dl_arg_info &a) {
  int64_t n = 1;
  for (int32_t i = 0; i < a.rank; ++i)
    n *= a.shape[i];
  return n;
}

/// Buffers for one call of an entry, with inputs bound to a batch.
struct Call {
  const dl_entry_info *entry;
  std::vector<std::vector<float>> floats;
  std::vector<std::vector<int32_t>> ints;
  std::vector<void *> pointers;

  explicit Call(const dl_entry_info *e) : entry(e) {
    floats.resize(e->num_args);
    ints.resize(e->num_args);
    for (int32_t i = 0; i < e->num_args; ++i) {
      const dl_arg_info &a = e->args[i];
      if (a.dtype == DL_I32) {
        ints[i].resize(elements(a));
        pointers.push_back(ints[i].data());
      } else {
        floats[i].resize(elements(a));
        pointers.push_back(floats[i].data());
      }
    }
  }
  int64_t batch() const {
    for (int32_t i = 0; i < entry->num_args; ++i)
      if (entry->args[i].role == DL_INPUT && entry->args[i].rank > 0)
        return entry->args[i].shape[0];
    return 1;
  }
  void bind(const Dataset &d, const std::vector<size_t> &order, size_t first,
            std::mt19937 &rng) {
    std::normal_distribution<float> noise(0.0f, 1.0f);
    for (int32_t i = 0; i < entry->num_args; ++i) {
      const dl_arg_info &a = entry->args[i];
      if (a.role != DL_INPUT)
        continue;
      int64_t rows = a.rank ? a.shape[0] : 1, per = elements(a) / rows;
      for (int64_t r = 0; r < rows; ++r) {
        size_t sample = order[(first + r) % order.size()];
        if (a.dtype == DL_I32)
          ints[i][r] = d.labels[sample];
        else if (per == 784)
          std::memcpy(&floats[i][r * 784], &d.images[sample * 784], 784 * 4);
        else
          for (int64_t k = 0; k < per; ++k)
            floats[i][r * per + k] = noise(rng);
      }
    }
  }
  /// The losses and metrics of the last call, in argument order.
  std::vector<std::pair<std::string, float>> results() const {
    std::vector<std::pair<std::string, float>> out;
    for (int32_t i = 0; i < entry->num_args; ++i)
      if (entry->args[i].role == DL_LOSS || entry->args[i].role == DL_METRIC)
        out.push_back({entry->args[i].name, floats[i][0]});
    return out;
  }
};

std::string clock(double seconds) {
  char text[32];
  int s = (int)seconds;
  std::snprintf(text, sizeof text, "%dm%02ds", s / 60, s % 60);
  return text;
}

/// Mean of every loss and metric of `eval` over the whole test set.
std::vector<std::pair<std::string, float>>
evaluate(dlrt_model *model, void *instance, const dl_entry_info *eval,
         const Dataset &test, std::mt19937 &rng) {
  Call call(eval);
  std::vector<size_t> order(test.count);
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  int64_t batch = call.batch();
  size_t batches = test.count / batch;
  std::vector<std::pair<std::string, float>> sums;
  for (size_t b = 0; b < batches; ++b) {
    call.bind(test, order, b * batch, rng);
    if (dlrt_call(model, instance, eval->name, call.pointers.data()) != 0) {
      std::fprintf(stderr, "eval failed: %s\n", dlrt_last_error(model, instance));
      std::exit(1);
    }
    auto r = call.results();
    if (sums.empty())
      sums.assign(r.size(), {"", 0.0f});
    for (size_t k = 0; k < r.size(); ++k)
      sums[k] = {r[k].first, sums[k].second + r[k].second / batches};
  }
  return sums;
}

void print(const char *what, const std::vector<std::pair<std::string, float>> &values) {
  std::printf("%s", what);
  for (auto &[name, v] : values)
    std::printf(" %s %.4f", name.c_str(), v);
  std::printf("\n");
}

} // namespace

int main(int argc, char **argv) {
  std::string library, data = "/usr/share/datasets/fashion-mnist", save = "model.safetensors";
  int epochs = 1;
  unsigned seed = 1;
  bool raw = false;
  size_t maxSteps = 0; // 0: whole epochs
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (arg == "--epochs")
      epochs = std::atoi(next().c_str());
    else if (arg == "--data")
      data = next();
    else if (arg == "--save")
      save = next();
    else if (arg == "--seed")
      seed = (unsigned)std::atoi(next().c_str());
    else if (arg == "--raw")
      raw = true;
    else if (arg == "--steps")
      maxSteps = (size_t)std::atol(next().c_str());
    else if (library.empty() && arg[0] != '-')
      library = arg;
    else {
      std::fprintf(stderr, "usage: dl-train MODEL.so [--epochs N] [--data DIR] "
                           "[--save FILE] [--seed N] [--raw] [--steps N]\n");
      return 2;
    }
  }
  if (library.empty()) {
    std::fprintf(stderr, "usage: dl-train MODEL.so [--epochs N] [--data DIR] [--save FILE]\n");
    return 2;
  }
  dlrt_model *model = dlrt_open(library.c_str());
  if (!model) {
    std::fprintf(stderr, "dl-train: %s\n", dlrt_open_error());
    return 1;
  }
  const dl_model_info *info = dlrt_info(model);
  std::vector<const dl_entry_info *> trains;
  const dl_entry_info *eval = nullptr;
  for (int32_t i = 0; i < info->num_entries; ++i) {
    if (info->entries[i].kind == DL_ENTRY_TRAIN)
      trains.push_back(&info->entries[i]);
    if (info->entries[i].kind == DL_ENTRY_EVAL)
      eval = &info->entries[i];
  }
  if (trains.empty()) {
    std::fprintf(stderr, "dl-train: model '%s' has no training entry\n", info->name);
    return 1;
  }
  Dataset train, test;
  if (!loadDataset(data, "train", train) || !loadDataset(data, "t10k", test)) {
    std::fprintf(stderr, "dl-train: cannot read Fashion-MNIST from %s (apt-get install "
                         "dataset-fashion-mnist)\n", data.c_str());
    return 1;
  }
  std::printf("model %s: %d training entr%s, %zu training and %zu test images\n",
              info->name, (int)trains.size(), trains.size() == 1 ? "y" : "ies",
              train.count, test.count);
  if (!raw) {
    double sum = 0, squares = 0;
    for (float v : train.images) {
      sum += v;
      squares += (double)v * v;
    }
    double mean = sum / train.images.size();
    double stddev = std::sqrt(squares / train.images.size() - mean * mean);
    for (Dataset *d : {&train, &test})
      for (float &v : d->images)
        v = (float)((v - mean) / stddev);
    std::printf("images standardized with mean %.4f and standard deviation %.4f\n",
                mean, stddev);
  }

  void *instance = dlrt_create(model);
  std::mt19937 rng(seed);
  std::vector<Call> calls;
  for (const dl_entry_info *e : trains)
    calls.emplace_back(e);
  int64_t batch = calls[0].batch();
  size_t steps = train.count / batch;
  if (maxSteps > 0 && maxSteps < steps)
    steps = maxSteps; // a shorter epoch (smoke tests)
  std::vector<size_t> order(train.count);
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;

  for (int epoch = 1; epoch <= epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    auto start = std::chrono::steady_clock::now();
    std::vector<std::vector<std::pair<std::string, float>>> running(calls.size());
    for (size_t step = 0; step < steps; ++step) {
      for (size_t c = 0; c < calls.size(); ++c) {
        calls[c].bind(train, order, step * batch, rng);
        if (dlrt_call(model, instance, calls[c].entry->name, calls[c].pointers.data()) != 0) {
          std::fprintf(stderr, "\n%s failed: %s\n", calls[c].entry->name,
                       dlrt_last_error(model, instance));
          return 1;
        }
        auto r = calls[c].results();
        if (running[c].empty())
          running[c] = r;
        for (size_t k = 0; k < r.size(); ++k) // exponential moving averages
          running[c][k].second = 0.98f * running[c][k].second + 0.02f * r[k].second;
      }
      if (step % 10 == 0 || step + 1 == steps) {
        double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        double rate = (step + 1) * batch / elapsed;
        int filled = (int)(30.0 * (step + 1) / steps);
        std::printf("\repoch %d/%d [%.*s%*s] %3d%%", epoch, epochs, filled,
                    "##############################", 30 - filled, "",
                    (int)(100.0 * (step + 1) / steps));
        for (size_t c = 0; c < calls.size(); ++c)
          for (auto &[name, v] : running[c])
            std::printf(" %s %.4f", name.c_str(), v);
        std::printf(" %.0f samples/s ETA %s ", rate,
                    clock((steps - step - 1) * batch / rate).c_str());
        std::fflush(stdout);
      }
    }
    std::printf("\n");
    if (eval)
      print("test:", evaluate(model, instance, eval, test, rng));
  }

  auto saveFn = (int (*)(const void *, const char *))dlrt_symbol(model, "save");
  auto loadFn = (int (*)(void *, const char *))dlrt_symbol(model, "load");
  if (saveFn(instance, save.c_str()) != 0) {
    std::fprintf(stderr, "save failed: %s\n", dlrt_last_error(model, instance));
    return 1;
  }
  void *copy = dlrt_create(model);
  if (loadFn(copy, save.c_str()) != 0) {
    std::fprintf(stderr, "load failed: %s\n", dlrt_last_error(model, copy));
    return 1;
  }
  std::printf("saved %s and loaded it into a new instance", save.c_str());
  if (eval) {
    std::mt19937 a(seed), b(seed);
    auto before = evaluate(model, instance, eval, test, a);
    auto after = evaluate(model, copy, eval, test, b);
    bool same = before.size() == after.size();
    for (size_t k = 0; same && k < before.size(); ++k)
      same = before[k].second == after[k].second;
    std::printf(": test results %s", same ? "identical" : "DIFFERENT");
    if (!same)
      return 1;
  }
  std::printf("\n");
  dlrt_destroy(model, copy);
  dlrt_destroy(model, instance);
  dlrt_close(model);
  return 0;
}
