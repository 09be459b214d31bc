//===- ModelInfo.cpp - what the compiled library exposes about a model ----===//
//
// See ModelInfo.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Target/ModelInfo.h"
#include "compiler/Transforms/VariableLayout.h"
#include "dialects/DL/IR/DLOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

std::string dlc::cIdentifier(StringRef name) {
  std::string id = name.str();
  for (char &c : id)
    if (c == '.')
      c = '_';
  return id;
}

static dlc::DType dtypeOf(Type type) {
  Type elem = getElementTypeOrSelf(type);
  if (elem.isInteger(32))
    return dlc::DType::I32;
  if (elem.isF16())
    return dlc::DType::F16;
  if (elem.isBF16())
    return dlc::DType::BF16;
  return dlc::DType::F32;
}

/// The tightest bound an integer input must respect where it indexes.
static int64_t indexLimit(Value arg) {
  int64_t limit = 0;
  auto tighten = [&](int64_t bound) {
    limit = limit == 0 ? bound : std::min(limit, bound);
  };
  for (OpOperand &use : arg.getUses()) {
    Operation *user = use.getOwner();
    if (auto xent = dyn_cast<dl::SoftmaxCrossEntropyOp>(user)) {
      if (use.getOperandNumber() == 1)
        tighten(xent.getLogits().getType().getDimSize(1));
    } else if (auto acc = dyn_cast<dl::AccuracyOp>(user)) {
      tighten(acc.getLogits().getType().getDimSize(1));
    } else if (auto gather = dyn_cast<dl::GatherOp>(user)) {
      tighten(gather.getTable().getType().getDimSize(0));
    }
  }
  return limit;
}

template <typename OpT>
static dlc::VariableInfo variableOf(OpT op, bool isState, uint64_t offset) {
  dlc::VariableInfo v;
  auto type = cast<RankedTensorType>(op.getType());
  v.name = op.getSymName().str();
  StringRef role = op.getRole().value_or("");
  v.kind = !isState          ? dlc::VariableKind::Param
           : role == "slot"  ? dlc::VariableKind::Slot
           : role == "grad"  ? dlc::VariableKind::Grad
           : role == "hyper" ? dlc::VariableKind::Hyper
                             : dlc::VariableKind::State;
  v.dtype = dtypeOf(type);
  v.shape.assign(type.getShape().begin(), type.getShape().end());
  v.offset = offset;
  v.init = llvm::StringSwitch<int32_t>(op.getInit())
               .Case("zeros", 0)
               .Case("ones", 1)
               .Case("constant", 2)
               .Case("uniform", 3)
               .Case("normal", 4)
               .Case("glorot_uniform", 5)
               .Case("glorot_normal", 6)
               .Case("he_uniform", 7)
               .Case("he_normal", 8)
               .Default(0);
  for (auto [i, a] : llvm::enumerate(op.getArgs()))
    if (i < 2)
      v.args[i] = a;
  v.seed = op.getSeed().value_or(0);
  v.fanIn = op.getFanIn().value_or(0);
  v.fanOut = op.getFanOut().value_or(0);
  return v;
}

namespace {
/// 64-bit FNV-1a.
struct Hasher {
  uint64_t h = 1469598103934665603ull;
  void add(StringRef s) {
    for (char c : s) {
      h ^= (uint8_t)c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  }
  void add(int64_t v) { add(StringRef(std::to_string(v))); }
};
} // namespace

dlc::ModelInfo dlc::collectModelInfo(ModuleOp module) {
  ModelInfo info;
  info.name = module->getAttrOfType<StringAttr>("dl.model").str();
  VariableLayout layout = computeVariableLayout(module);
  info.arenaBytes = layout.arenaBytes;
  Hasher hash;
  hash.add(info.name);
  for (Operation &op : *module.getBody()) {
    if (auto p = dyn_cast<dl::ParamOp>(op))
      info.variables.push_back(
          variableOf(p, false, layout.offsets.lookup(p.getSymName())));
    else if (auto s = dyn_cast<dl::StateOp>(op))
      info.variables.push_back(
          variableOf(s, true, layout.offsets.lookup(s.getSymName())));
    else
      continue;
    const VariableInfo &v = info.variables.back();
    hash.add(v.name);
    hash.add((int64_t)v.dtype);
    hash.add((int64_t)v.kind);
    for (int64_t d : v.shape)
      hash.add(d);
  }
  for (auto fn : module.getOps<func::FuncOp>()) {
    auto kind = fn->getAttrOfType<StringAttr>("dl.entry");
    if (!kind)
      continue;
    if (kind.getValue() == "fused" || kind.getValue() == "fused_plain" ||
        kind.getValue() == "apply_plain") {
      // Not an entry of its own: a body of its training entry (fused) or
      // of its apply entry (apply_plain).
      auto train = fn->getAttrOfType<StringAttr>("dl.train_entry").str();
      bool apply = kind.getValue() == "apply_plain";
      for (EntryInfo &e : info.entries) {
        if (apply ? e.kind != EntryKind::Apply || e.name != train + "_apply"
                  : e.kind != EntryKind::Train || e.name != train)
          continue;
        if (kind.getValue() == "fused") {
          e.fused = true;
          e.countOffset = layout.offsets.lookup("grad/" + train + "/count");
        } else {
          e.plain = true;
          e.momentumOffset =
              layout.offsets.lookup("hyper/" + train + "/momentum");
        }
      }
      continue;
    }
    EntryInfo entry;
    entry.name = fn.getSymName().str();
    entry.kind = llvm::StringSwitch<EntryKind>(kind.getValue())
                     .Case("train", EntryKind::Train)
                     .Case("eval", EntryKind::Eval)
                     .Case("accumulate", EntryKind::Accumulate)
                     .Case("apply", EntryKind::Apply)
                     .Default(EntryKind::Infer);
    for (BlockArgument arg : fn.getArguments()) {
      ArgInfo a;
      a.name = fn.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "dl.name")
                   .str();
      a.role = Role::Input;
      a.dtype = dtypeOf(arg.getType());
      auto shape = cast<RankedTensorType>(arg.getType()).getShape();
      a.shape.assign(shape.begin(), shape.end());
      if (a.dtype == DType::I32)
        a.indexLimit = indexLimit(arg);
      entry.args.push_back(a);
    }
    for (unsigned i = 0; i < fn.getNumResults(); ++i) {
      ArgInfo a;
      a.name = fn.getResultAttrOfType<StringAttr>(i, "dl.name").str();
      StringRef role = fn.getResultAttrOfType<StringAttr>(i, "dl.role");
      a.role = role == "loss" ? Role::Loss
               : role == "metric" ? Role::Metric
                                  : Role::Output;
      a.dtype = dtypeOf(fn.getResultTypes()[i]);
      auto shape = cast<RankedTensorType>(fn.getResultTypes()[i]).getShape();
      a.shape.assign(shape.begin(), shape.end());
      entry.args.push_back(a);
    }
    hash.add(entry.name);
    for (const ArgInfo &a : entry.args) {
      hash.add(a.name);
      hash.add((int64_t)a.dtype);
      for (int64_t d : a.shape)
        hash.add(d);
    }
    // A training entry M_E (accumulate then apply) precedes its two parts.
    if (entry.kind == EntryKind::Accumulate) {
      EntryInfo train = entry;
      train.name = fn->getAttrOfType<StringAttr>("dl.train_entry").str();
      train.kind = EntryKind::Train;
      info.entries.push_back(std::move(train));
    }
    info.entries.push_back(std::move(entry));
  }
  info.interfaceHash = hash.h;
  return info;
}
