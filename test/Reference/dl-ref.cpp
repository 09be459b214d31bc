//===- dl-ref.cpp - the reference evaluator of the numerical tests --------===//
//
// Checks a compiled model against an independent evaluation of its dl IR:
//
//   dl-ref MODEL.mlir LIBRARY.so --entry NAME [--seed N] [--rtol R] [--atol A]
//          [--threads T]
//
// It opens the library with the generic loader, reads the initial params
// back through M_save (with its own safetensors reader), feeds the entry
// random inputs (f32 uniform in [-1, 1), i32 uniform in [0, limit)), and
// evaluates the entry function of MODEL.mlir op by op in double precision,
// with Eigen for the matrix products (Evaluator.cpp). No code is shared with
// the compiler's lowering. Exit status 0 when every result matches within
// |compiled - reference| <= atol + rtol * |reference|, 1 otherwise.
//
//===----------------------------------------------------------------------===//

#include "test/Reference/Evaluator.h"

#include "dialects/DL/IR/DLOps.h"
#include "dlrt.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <map>
#include <random>

using namespace mlir;
using dlref::count;
using dlref::evaluate;
using dlref::Tensor;
using dlref::zeros;

namespace {

/// Reads the params and states of a safetensors checkpoint (F32 and I32).
bool readCheckpoint(StringRef path, const dl_model_info *info,
                    std::map<std::string, Tensor> &out, std::string &error) {
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!file) {
    error = "cannot read the checkpoint";
    return false;
  }
  StringRef bytes = (*file)->getBuffer();
  uint64_t headerLen = 0;
  for (int i = 0; i < 8; ++i)
    headerLen |= (uint64_t)(uint8_t)bytes[i] << (8 * i);
  StringRef header = bytes.substr(8, headerLen);
  const char *payload = bytes.data() + 8 + headerLen;
  for (int32_t i = 0; i < info->num_variables; ++i) {
    const dl_variable_info &v = info->variables[i];
    if (v.kind == DL_VAR_GRAD || v.kind == DL_VAR_HYPER)
      continue; // not in checkpoints, and never read by infer or eval
    // "NAME":{"dtype":"F32","shape":[...],"data_offsets":[B,E]}
    size_t at = header.find(("\"" + std::string(v.name) + "\":{").c_str());
    size_t offsets = header.find("\"data_offsets\":[", at);
    if (at == StringRef::npos || offsets == StringRef::npos) {
      error = std::string("tensor '") + v.name + "' is not in the checkpoint";
      return false;
    }
    unsigned long long begin = 0;
    header.substr(offsets + 16).consumeInteger(10, begin);
    Tensor t;
    t.shape.assign(v.shape, v.shape + v.rank);
    t.data.resize(count(t.shape));
    for (int64_t k = 0; k < t.size(); ++k) {
      if (v.dtype == DL_I32) {
        int32_t x;
        std::memcpy(&x, payload + begin + 4 * k, 4);
        t.data[k] = x;
      } else {
        float x;
        std::memcpy(&x, payload + begin + 4 * k, 4);
        t.data[k] = x;
      }
    }
    out[v.name] = std::move(t);
  }
  return true;
}

int fail(const llvm::Twine &message) {
  llvm::errs() << "dl-ref: " << message << "\n";
  return 2;
}

/// The loss (result 0) of the training function `fn` in double precision.
double referenceLoss(func::FuncOp fn, const std::map<std::string, Tensor> &vars,
                     const std::vector<Tensor> &inputs) {
  std::vector<Tensor> results;
  if (failed(evaluate(fn, vars, inputs, results)))
    return NAN;
  return results[0].data[0];
}

/// --check-gradients: one step of the compiled training entry with plain
/// SGD (lr 1, no momentum or weight decay, set through M_set_hyper) moves
/// each trained param by minus its gradient; the reference gradient is a
/// central finite difference of the loss evaluated in double precision.
/// Up to 12 entries of every trained param are compared, spread over it,
/// and its last entry (where the rest of a product split in rows or
/// columns lands: the last rows of a weight gradient).
int gradientCheck(dlrt_model *model, void *instance, const dl_model_info *info,
                  func::FuncOp fn, const std::string &entry,
                  const std::vector<Tensor> &inputs,
                  std::vector<void *> &pointers,
                  const std::map<std::string, Tensor> &before,
                  const std::string &checkpoint, double rtol, double atol) {
  auto setHyper =
      (int (*)(void *, const char *, float))dlrt_symbol(model, "set_hyper");
  auto save = (int (*)(const void *, const char *))dlrt_symbol(model, "save");
  if (setHyper(instance, (entry + ".lr").c_str(), 1.0f) != 0 ||
      setHyper(instance, (entry + ".momentum").c_str(), 0.0f) != 0 ||
      setHyper(instance, (entry + ".nesterov").c_str(), 0.0f) != 0 ||
      setHyper(instance, (entry + ".weight_decay").c_str(), 0.0f) != 0)
    return fail("gradient checks need a training entry with the sgd optimizer");
  if (dlrt_call(model, instance, entry.c_str(), pointers.data()) != 0)
    return fail("the entry failed: " + Twine(dlrt_last_error(model, instance)));
  std::map<std::string, Tensor> after;
  std::string error;
  if (save(instance, checkpoint.c_str()) != 0 ||
      !readCheckpoint(checkpoint, info, after, error))
    return fail("cannot read the params back: " + error);
  llvm::sys::fs::remove(checkpoint);
  bool ok = true;
  for (Attribute ref : fn->getAttrOfType<ArrayAttr>("dl.over")) {
    std::string name = cast<FlatSymbolRefAttr>(ref).getValue().str();
    const Tensor &w = before.at(name), &w1 = after.at(name);
    int64_t n = w.size(), spread = std::min<int64_t>(n, 12);
    SmallVector<int64_t> entries;
    for (int64_t s = 0; s < spread; ++s)
      entries.push_back(s * n / spread +
                        (s * 7919) % std::max<int64_t>(1, n / spread));
    if (!llvm::is_contained(entries, n - 1))
      entries.push_back(n - 1);
    int64_t samples = entries.size();
    double maxAbs = 0, maxRel = 0;
    bool good = true;
    for (int64_t k : entries) {
      double compiled = w.data[k] - w1.data[k];
      std::map<std::string, Tensor> vars = before;
      double h = 1e-6 * std::max(1.0, std::fabs(w.data[k]));
      vars[name].data[k] = w.data[k] + h;
      double up = referenceLoss(fn, vars, inputs);
      vars[name].data[k] = w.data[k] - h;
      double down = referenceLoss(fn, vars, inputs);
      if (std::isnan(up) || std::isnan(down))
        return fail("the reference cannot evaluate the loss");
      double fd = (up - down) / (2 * h);
      double diff = std::fabs(compiled - fd);
      maxAbs = std::max(maxAbs, diff);
      if (fd != 0)
        maxRel = std::max(maxRel, diff / std::fabs(fd));
      good &= diff <= atol + rtol * std::fabs(fd);
    }
    llvm::outs() << "gradient " << name << " (" << samples << " of " << n
                 << " entries): max abs error " << maxAbs << ", max rel error "
                 << maxRel << (good ? " ok" : " MISMATCH") << "\n";
    ok &= good;
  }
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  std::string irPath, libPath, entryName = "infer";
  bool checkGradients = false;
  unsigned seed = 1;
  int threads = 0; // the instance's default: all cores
  double rtol = 1e-5, atol = 1e-6;
  for (int i = 1; i < argc; ++i) {
    StringRef arg = argv[i];
    auto next = [&]() -> StringRef { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--entry")
      entryName = next().str();
    else if (arg == "--check-gradients")
      checkGradients = true;
    else if (arg == "--seed")
      seed = std::stoul(next().str());
    else if (arg == "--rtol")
      rtol = std::stod(next().str());
    else if (arg == "--atol")
      atol = std::stod(next().str());
    else if (arg == "--threads")
      threads = std::stoi(next().str());
    else if (irPath.empty())
      irPath = arg.str();
    else
      libPath = arg.str();
  }
  if (irPath.empty() || libPath.empty())
    return fail("usage: dl-ref MODEL.mlir LIBRARY.so --entry NAME [--seed N] "
                "[--rtol R] [--atol A] [--threads T]");

  MLIRContext context;
  context.getOrLoadDialect<dl::DLDialect>();
  context.getOrLoadDialect<func::FuncDialect>();
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(irPath, &context);
  if (!module)
    return fail("cannot parse " + irPath);
  auto fn = module->lookupSymbol<func::FuncOp>(entryName);
  if (!fn)
    return fail("no entry '" + entryName + "' in " + irPath);

  dlrt_model *model = dlrt_open(libPath.c_str());
  if (!model)
    return fail(dlrt_open_error());
  const dl_model_info *info = dlrt_info(model);
  void *instance = dlrt_create(model);
  const dl_entry_info *entry = nullptr;
  for (int32_t i = 0; i < info->num_entries; ++i)
    if (entryName == info->entries[i].name)
      entry = &info->entries[i];
  if (!instance || !entry)
    return fail("cannot create the model or find entry '" + entryName + "'");
  // --threads T: the entry's parallel loops on T threads (M_set_threads).
  auto setThreads = (int (*)(void *, int))dlrt_symbol(model, "set_threads");
  if (threads && (!setThreads || setThreads(instance, threads) != 0))
    return fail("cannot run on " + Twine(threads) + " threads");

  // The initial params, read back through M_save.
  SmallString<128> checkpoint;
  llvm::sys::fs::createTemporaryFile("dl-ref", "safetensors", checkpoint);
  auto save = (int (*)(const void *, const char *))dlrt_symbol(model, "save");
  std::map<std::string, Tensor> variables;
  std::string error;
  if (!save || save(instance, checkpoint.c_str()) != 0 ||
      !readCheckpoint(checkpoint, info, variables, error))
    return fail("cannot read the params back: " + error);
  llvm::sys::fs::remove(checkpoint);

  // Random inputs, and buffers for the results.
  std::mt19937 rng(seed);
  std::vector<Tensor> inputs;
  std::vector<std::vector<float>> floatBuffers(entry->num_args);
  std::vector<std::vector<int32_t>> intBuffers(entry->num_args);
  std::vector<void *> pointers;
  for (int32_t i = 0; i < entry->num_args; ++i) {
    const dl_arg_info &a = entry->args[i];
    std::vector<int64_t> shape(a.shape, a.shape + a.rank);
    int64_t n = count(shape);
    if (a.dtype == DL_I32) {
      int64_t limit = a.index_limit > 0 ? a.index_limit : 10;
      std::uniform_int_distribution<int32_t> dist(0, (int32_t)limit - 1);
      intBuffers[i].resize(std::max<int64_t>(n, 1));
      for (int64_t k = 0; k < n; ++k)
        intBuffers[i][k] = dist(rng);
      pointers.push_back(intBuffers[i].data());
    } else {
      std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
      floatBuffers[i].resize(std::max<int64_t>(n, 1));
      if (a.role == DL_INPUT)
        for (int64_t k = 0; k < n; ++k)
          floatBuffers[i][k] = dist(rng);
      pointers.push_back(floatBuffers[i].data());
    }
    if (a.role == DL_INPUT) {
      Tensor t = zeros(shape);
      for (int64_t k = 0; k < n; ++k)
        t.data[k] = a.dtype == DL_I32 ? intBuffers[i][k] : floatBuffers[i][k];
      inputs.push_back(std::move(t));
    }
  }
  if (checkGradients)
    return gradientCheck(model, instance, info, fn, entryName, inputs, pointers,
                         variables, checkpoint.str().str(), rtol, atol);
  if (dlrt_call(model, instance, entryName.c_str(), pointers.data()) != 0)
    return fail("the entry failed: " + Twine(dlrt_last_error(model, instance)));

  std::vector<Tensor> expected;
  if (failed(evaluate(fn, variables, inputs, expected)))
    return fail("cannot evaluate the IR");

  bool ok = true;
  size_t result = 0;
  for (int32_t i = 0; i < entry->num_args; ++i) {
    const dl_arg_info &a = entry->args[i];
    if (a.role == DL_INPUT)
      continue;
    const Tensor &want = expected[result++];
    if (want.size() != count(std::vector<int64_t>(a.shape, a.shape + a.rank))) {
      llvm::outs() << entryName << ": " << a.name << ": the reference has "
                   << want.size() << " values, the library's interface "
                   << count(std::vector<int64_t>(a.shape, a.shape + a.rank))
                   << " MISMATCH\n";
      ok = false;
      continue;
    }
    double maxAbs = 0, maxRel = 0;
    int64_t bad = 0;
    for (int64_t k = 0; k < want.size(); ++k) {
      double got = a.dtype == DL_I32 ? intBuffers[i][k] : floatBuffers[i][k];
      double ref = want.data[k];
      // (Equal values match exactly: infinities of the same sign too,
      // whose difference is NaN.)
      double diff = got == ref ? 0 : std::fabs(got - ref);
      maxAbs = std::max(maxAbs, diff);
      if (ref != 0)
        maxRel = std::max(maxRel, diff / std::fabs(ref));
      if (!(diff <= atol + rtol * std::fabs(ref)))
        ++bad;
    }
    llvm::outs() << entryName << ": " << a.name << " (" << want.size()
                 << " values): max abs error " << maxAbs << ", max rel error "
                 << maxRel << (bad ? " MISMATCH" : " ok") << "\n";
    ok &= bad == 0;
  }
  dlrt_destroy(model, instance);
  dlrt_close(model);
  return ok ? 0 : 1;
}
