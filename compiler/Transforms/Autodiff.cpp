//===- Autodiff.cpp - the dl-autodiff pass --------------------------------===//
//
// Reverse-mode differentiation of training functions and the optimizer
// update; see Passes.td. The VJP of each op lives with the op
// (dialects/DL/IR/DLGradients.cpp); this file only orders the work, sums
// gradients of values used more than once, and writes the update.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "dialects/DL/IR/DLBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"

#include "llvm/ADT/StringSet.h"

namespace dlc {
#define GEN_PASS_DEF_DLAUTODIFF
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using dl::make;

namespace {

RankedTensorType scalarType(MLIRContext *ctx) {
  return RankedTensorType::get({}, Float32Type::get(ctx));
}

using Params = SmallVector<std::pair<std::string, RankedTensorType>>;

/// The optimizer update of a training entry's params (torch.optim's
/// formulas), its hyper-parameters read from the states hyper/ENTRY/NAME.
struct Update {
  std::string entry;
  StringRef optimizer;
  const Params &params;
  /// SGD while its momentum is 0: the update neither reads nor writes the
  /// momentum slots (w -= lr * (g + weight_decay * w)), as torch.optim
  /// keeps no momentum buffer then. The general update with momentum 0
  /// gives w the same values.
  bool plain = false;

  /// Advances optim/ENTRY/t, then updates each param i and its slots from
  /// its gradient `gradient(i)`, and calls `done(i, gradient)`; each
  /// param's ops go where `place(i)` sets `u`'s insertion point, when
  /// given.
  void emit(dl::GraphBuilder &u, function_ref<Value(size_t)> gradient,
            function_ref<void(size_t, Value)> done,
            function_ref<void(size_t)> place = nullptr) {
    OpBuilder &ub = u.b;
    std::string prefix = "optim/" + entry + "/";
    std::string hyperPrefix = "hyper/" + entry + "/";
    auto scalar = scalarType(ub.getContext());
    auto h = [&](StringRef name) {
      return u.load(hyperPrefix + name.str(), scalar);
    };
    Value t = u.add(u.load(prefix + "t", scalar), u.constant(1));
    u.assign(prefix + "t", t);
    for (auto [i, param] : llvm::enumerate(params)) {
      const std::string &name = param.first;
      RankedTensorType type = param.second;
      if (place)
        place(i);
      Value g = gradient(i);
      Value w = u.load(name, type);
      auto slot = [&](StringRef s) { return prefix + s.str() + "/" + name; };
      Value updated;
      if (optimizer == "sgd") {
        Value d = u.add(g, u.mul(h("weight_decay"), w));
        Value step = d;
        if (!plain) {
          Value buf =
              u.add(u.mul(h("momentum"), u.load(slot("momentum"), type)), d);
          u.assign(slot("momentum"), buf);
          // nesterov (0 or 1): d + momentum * buf instead of buf.
          Value nest = u.sub(u.add(d, u.mul(h("momentum"), buf)), buf);
          step = u.add(buf, u.mul(h("nesterov"), nest));
        }
        updated = u.sub(w, u.mul(h("lr"), step));
      } else if (optimizer == "rmsprop") {
        Value v = u.add(u.mul(h("alpha"), u.load(slot("square_avg"), type)),
                        u.mul(u.sub(u.constant(1), h("alpha")), u.mul(g, g)));
        u.assign(slot("square_avg"), v);
        Value denomV = u.add(make<dl::SqrtOp>(ub, u.loc, {v}), h("eps"));
        updated = u.sub(w, u.mul(h("lr"), u.div(g, denomV)));
      } else {
        bool decoupled = optimizer == "adamw";
        Value d = g;
        if (decoupled)
          w = u.mul(w, u.sub(u.constant(1), u.mul(h("lr"), h("weight_decay"))));
        else
          d = u.add(g, u.mul(h("weight_decay"), w));
        Value m = u.add(u.mul(h("beta1"), u.load(slot("m"), type)),
                        u.mul(u.sub(u.constant(1), h("beta1")), d));
        Value v = u.add(u.mul(h("beta2"), u.load(slot("v"), type)),
                        u.mul(u.sub(u.constant(1), h("beta2")), u.mul(d, d)));
        u.assign(slot("m"), m);
        u.assign(slot("v"), v);
        Value bc1 =
            u.sub(u.constant(1), make<dl::PowOp>(ub, u.loc, {h("beta1"), t}));
        Value bc2 =
            u.sub(u.constant(1), make<dl::PowOp>(ub, u.loc, {h("beta2"), t}));
        // As torch.optim.Adam writes it: the bias corrections are scalars
        // (lr / bc1, sqrt(bc2)), two divisions per element.
        Value stepSize = u.div(h("lr"), bc1);
        Value denom = u.add(u.div(make<dl::SqrtOp>(ub, u.loc, {v}),
                                  make<dl::SqrtOp>(ub, u.loc, {bc2})),
                            h("eps"));
        updated = u.sub(w, u.mul(stepSize, u.div(m, denom)));
      }
      u.assign(name, updated);
      done(i, g);
    }
  }
};

/// Multiply-adds of one product (a matrix product, a convolution, the
/// recurrent products of an LSTM, a GRU or an RNN), 0 for other ops.
int64_t multiplyAdds(Operation *op) {
  auto elements = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getNumElements();
  };
  auto dim = [](Value v, int64_t i) {
    ArrayRef<int64_t> shape = cast<RankedTensorType>(v.getType()).getShape();
    return shape[i < 0 ? shape.size() + i : i];
  };
  if (auto mm = dyn_cast<dl::MatmulOp>(op))
    return elements(mm.getResult()) * dim(mm.getLhs(), -1);
  if (auto conv = dyn_cast<dl::Conv2dOp>(op))
    return elements(conv.getResult()) *
           (elements(conv.getW()) / dim(conv.getW(), 0));
  if (isa<dl::LstmOp, dl::GruOp, dl::RnnOp>(op))
    return elements(op->getOperand(0)) * dim(op->getOperand(1), 0);
  return 0;
}

/// The last op of `block` that defines `gradient` or reads a load of the
/// variable `name`.
Operation *lastUse(Block &block, StringRef name, Value gradient) {
  Operation *last = block.findAncestorOpInBlock(*gradient.getDefiningOp());
  for (Operation &op : block)
    if (auto load = dyn_cast<dl::LoadOp>(op); load && load.getName() == name)
      for (Operation *user : load->getUsers())
        if (Operation *at = block.findAncestorOpInBlock(*user);
            at && last->isBeforeInBlock(at))
          last = at;
  return last;
}

struct DLAutodiff : dlc::impl::DLAutodiffBase<DLAutodiff> {
  using DLAutodiffBase::DLAutodiffBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> trains;
    for (auto fn : module.getOps<func::FuncOp>())
      if (auto kind = fn->getAttrOfType<StringAttr>("dl.entry");
          kind && kind.getValue() == "train")
        trains.push_back(fn);
    for (func::FuncOp fn : trains)
      if (failed(differentiate(module, fn)))
        return signalPassFailure();
  }

  /// Declares a state after the existing variables.
  void declareState(ModuleOp module, StringRef name, RankedTensorType type,
                    StringRef role, StringRef init, ArrayRef<double> args = {}) {
    Block &body = *module.getBody();
    auto it = body.begin();
    while (it != body.end() && isa<dl::ParamOp, dl::StateOp>(*it))
      ++it;
    OpBuilder b(&body, it);
    SmallVector<NamedAttribute> attrs = {
        b.getNamedAttr("sym_name", b.getStringAttr(name)),
        b.getNamedAttr("type", TypeAttr::get(type)),
        b.getNamedAttr("init", b.getStringAttr(init)),
        b.getNamedAttr("role", b.getStringAttr(role))};
    if (!args.empty())
      attrs.push_back(b.getNamedAttr("args", b.getDenseF64ArrayAttr(args)));
    OperationState state(module.getLoc(), dl::StateOp::getOperationName());
    state.addAttributes(attrs);
    b.create(state);
  }

  /// Dropouts draw their masks from (seed, step): the step is the state
  /// `name`, which counts the calls of the entry.
  void supplyDropoutStep(ModuleOp module, func::FuncOp fn, StringRef name) {
    SmallVector<dl::DropoutOp> dropouts;
    fn.walk([&](dl::DropoutOp op) {
      if (!op.getStep())
        dropouts.push_back(op);
    });
    if (dropouts.empty())
      return;
    auto scalar = scalarType(&getContext());
    declareState(module, name, scalar, "slot", "zeros");
    Block &block = fn.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(&block);
    dl::GraphBuilder e{b, fn.getLoc()};
    Value step = e.load(name, scalar);
    for (dl::DropoutOp op : dropouts) {
      b.setInsertionPoint(op);
      Value y = make<dl::DropoutOp>(b, op.getLoc(), {op.getX(), step},
                                    op->getAttrs());
      op.replaceAllUsesWith(y);
      op.erase();
    }
    b.setInsertionPoint(block.getTerminator());
    e.assign(name, e.add(step, e.constant(1)));
  }

  /// Whether ENTRY_fused pays for its code (a second copy of the forward
  /// and backward graphs): when the step does at most `fuseStepLimit`
  /// multiply-adds per trained param element, counting the backward pass
  /// as twice the `forward` one. Fused, the update saves writing the
  /// gradient buffers, reading them back and clearing them, 16 bytes of
  /// memory traffic per element: about 3 % of the step's arithmetic at
  /// 1000 multiply-adds per element (0.64 ns at 25 GB/s against 22 ns at
  /// 90 GFLOP/s). An MLP does 3 per element and row of its batch (batch
  /// 64: 192); LeNet at batch 64, about 1300; an LSTM over 28 steps,
  /// thousands.
  bool stepFusionPays(ArrayRef<Operation *> forward, const Params &params) {
    if (fuseStepLimit <= 0)
      return false;
    int64_t elements = 0, work = 0;
    for (auto &param : params)
      elements += param.second.getNumElements();
    for (Operation *op : forward)
      work += 3 * multiplyAdds(op);
    return work <= fuseStepLimit * elements;
  }

  LogicalResult differentiate(ModuleOp module, func::FuncOp fn) {
    MLIRContext *ctx = &getContext();
    std::string entry = fn.getSymName().str();
    auto over = fn->getAttrOfType<ArrayAttr>("dl.over");
    auto hyper = fn->getAttrOfType<DictionaryAttr>("dl.hyper");
    StringRef optimizer = fn->getAttrOfType<StringAttr>("dl.optimizer");
    SymbolTable symbols(module);
    Params params;
    for (Attribute ref : over) {
      StringRef name = cast<FlatSymbolRefAttr>(ref).getValue();
      auto param = symbols.lookup<dl::ParamOp>(name);
      if (!param)
        return fn.emitError() << "dl.over names '" << name
                              << "', which is not a dl.param";
      params.push_back({name.str(), cast<RankedTensorType>(param.getType())});
    }
    auto scalar = scalarType(ctx);
    std::string prefix = "optim/" + entry + "/";
    std::string gradPrefix = "grad/" + entry + "/";
    std::string hyperPrefix = "hyper/" + entry + "/";

    // The states of the entry: gradients, slots, the step, hyper-parameters.
    for (auto &[name, type] : params)
      declareState(module, gradPrefix + name, type, "grad", "zeros");
    declareState(module, gradPrefix + "count", scalar, "grad", "zeros");
    declareState(module, prefix + "t", scalar, "slot", "zeros");
    SmallVector<StringRef> slots;
    if (optimizer == "sgd")
      slots = {"momentum"};
    else if (optimizer == "rmsprop")
      slots = {"square_avg"};
    else
      slots = {"m", "v"};
    for (StringRef slot : slots)
      for (auto &[name, type] : params)
        declareState(module, prefix + slot.str() + "/" + name, type, "slot",
                     "zeros");
    for (NamedAttribute h : hyper) {
      double v = isa<BoolAttr>(h.getValue())
                     ? (double)cast<BoolAttr>(h.getValue()).getValue()
                     : cast<FloatAttr>(h.getValue()).getValueAsDouble();
      declareState(module, hyperPrefix + h.getName().str(), scalar, "hyper",
                   "constant", {v});
    }

    // ENTRY_accumulate: forward, backward, gradients added to the buffers.
    Block &block = fn.getBody().front();
    auto ret = cast<func::ReturnOp>(block.getTerminator());
    supplyDropoutStep(module, fn, prefix + "rng_step");
    Value loss = ret.getOperand(0);
    llvm::StringSet<> trained;
    for (auto &[name, type] : params)
      trained.insert(name);
    DenseSet<Value> active;
    for (Operation &op : block) {
      if (auto load = dyn_cast<dl::LoadOp>(op)) {
        if (trained.contains(load.getName()))
          active.insert(load);
        continue;
      }
      if (op.hasTrait<dl::NoGradient>())
        continue;
      if (llvm::any_of(op.getOperands(), [&](Value v) { return active.contains(v); }))
        for (Value r : op.getResults())
          if (isa<FloatType>(getElementTypeOrSelf(r.getType())))
            active.insert(r);
    }
    OpBuilder b(ret);
    dl::GraphBuilder e{b, fn.getLoc()};
    DenseMap<Value, Value> grads;
    grads[loss] = e.constant(1.0);
    SmallVector<Operation *> forward;
    for (Operation &op : block)
      if (&op != ret && !isa<dl::ConstantOp>(op))
        forward.push_back(&op);
    for (Operation *op : llvm::reverse(forward)) {
      if (!llvm::any_of(op->getResults(), [&](Value r) { return grads.count(r); }))
        continue;
      if (!llvm::any_of(op->getOperands(), [&](Value v) { return active.contains(v); }))
        continue;
      if (op->hasTrait<dl::NoGradient>() || isa<dl::LoadOp>(op))
        continue;
      auto diff = dyn_cast<dl::DifferentiableOpInterface>(op);
      if (!diff)
        return op->emitError() << "training through "
                               << op->getName().stripDialect()
                               << " is not supported yet: its gradient is not "
                                  "implemented in this version";
      SmallVector<Value> resultGrads, operandGrads;
      for (Value r : op->getResults())
        resultGrads.push_back(grads.lookup(r));
      e.loc = op->getLoc();
      b.setInsertionPoint(ret);
      if (failed(diff.buildVJP(b, resultGrads, operandGrads)))
        return failure();
      for (auto [operand, g] : llvm::zip(op->getOperands(), operandGrads)) {
        if (!g || !active.contains(operand))
          continue;
        Value &slot = grads[operand];
        slot = slot ? e.add(slot, g) : g;
      }
    }
    e.loc = fn.getLoc();
    SmallVector<Value> gradients;
    for (auto &[name, type] : params) {
      Value g;
      for (Operation &op : block)
        if (auto load = dyn_cast<dl::LoadOp>(op))
          if (load.getName() == name && grads.count(load))
            g = g ? e.add(g, grads.lookup(load)) : grads.lookup(load);
      if (!g)
        return fn.emitError() << "loss does not reach param '" << name << "'";
      gradients.push_back(g);
    }
    // SGD declared without momentum gets plain bodies too (Update::plain),
    // which M_ENTRY and M_ENTRY_apply call while the momentum is 0 (both,
    // so that the slots come out the same either way).
    auto momentum = hyper.getAs<FloatAttr>("momentum");
    bool plainSgd =
        optimizer == "sgd" && momentum && momentum.getValueAsDouble() == 0;
    // ENTRY_fused, when it pays: a copy of the forward and backward graphs
    // so far, with the update of each param from its gradient directly.
    func::FuncOp fused, plain;
    IRMapping fusedValues, plainValues;
    if (stepFusionPays(forward, params)) {
      fused = fn.clone(fusedValues);
      if (plainSgd)
        plain = fn.clone(plainValues);
    }
    for (auto [param, g] : llvm::zip(params, gradients)) {
      const std::string &name = param.first;
      e.assign(gradPrefix + name,
               e.add(e.load(gradPrefix + name, param.second), g));
    }
    e.assign(gradPrefix + "count",
             e.add(e.load(gradPrefix + "count", scalar), e.constant(1)));
    fn.setSymName(entry + "_accumulate");
    fn->setAttr("dl.entry", StringAttr::get(ctx, "accumulate"));
    fn->setAttr("dl.train_entry", StringAttr::get(ctx, entry));

    // ENTRY_apply: the optimizer update from the mean gradient, which then
    // clears the gradients.
    OpBuilder ab(ctx);
    ab.setInsertionPointAfter(fn);
    auto buildApply = [&](StringRef kind, Update update) {
      auto apply =
          func::FuncOp::create(ab, fn.getLoc(), entry + "_" + kind.str(),
                               ab.getFunctionType({}, {}));
      apply->setAttr("dl.entry", StringAttr::get(ctx, kind));
      apply->setAttr("dl.train_entry", StringAttr::get(ctx, entry));
      apply->setAttr("dl.optimizer", StringAttr::get(ctx, optimizer));
      Block *body = apply.addEntryBlock();
      OpBuilder ub = OpBuilder::atBlockEnd(body);
      dl::GraphBuilder u{ub, fn.getLoc()};
      Value count = u.load(gradPrefix + "count", scalar);
      Value denom = make<dl::MaximumOp>(ub, u.loc, {count, u.constant(1)});
      update.emit(
          u,
          [&](size_t i) {
            return u.div(u.load(gradPrefix + params[i].first, params[i].second),
                         denom);
          },
          [&](size_t i, Value g) {
            u.assign(gradPrefix + params[i].first,
                     make<dl::ZerosLikeOp>(ub, u.loc, {g}));
          });
      u.assign(gradPrefix + "count", u.constant(0));
      func::ReturnOp::create(ub, u.loc);
      ab.setInsertionPointAfter(apply);
    };
    Update update{entry, optimizer, params};
    Update plainUpdate = update;
    plainUpdate.plain = true;
    buildApply("apply", update);
    if (plainSgd)
      buildApply("apply_plain", plainUpdate);
    if (!fused)
      return success();

    // ENTRY_fused is ENTRY when no gradient is accumulated (the count is
    // 0, so are the buffers): the mean gradient is the batch's, and the
    // buffers stay clear (the library's ENTRY picks it at run time).
    ab.insert(fused);
    fused.setSymName(entry + "_fused");
    fused->setAttr("dl.entry", StringAttr::get(ctx, "fused"));
    fused->setAttr("dl.train_entry", StringAttr::get(ctx, entry));
    // The step count first; each param's update right after the last op
    // that reads the param or its gradient: the gradient's temporary dies
    // there (the memory plan reuses it), and nothing reads the param after
    // the update writes it.
    auto fuseUpdate = [&](func::FuncOp body, const IRMapping &values,
                          Update update) {
      Block &block = body.getBody().front();
      OpBuilder fb = OpBuilder::atBlockBegin(&block);
      dl::GraphBuilder f{fb, fn.getLoc()};
      update.emit(
          f, [&](size_t i) { return values.lookup(gradients[i]); },
          [](size_t, Value) {},
          [&](size_t i) {
            fb.setInsertionPointAfter(
                lastUse(block, params[i].first, values.lookup(gradients[i])));
          });
    };
    fuseUpdate(fused, fusedValues, update);
    if (!plain)
      return success();
    // ENTRY_fused_plain: the same with the plain update, which streams two
    // buffers fewer per param.
    ab.setInsertionPointAfter(fused);
    ab.insert(plain);
    plain.setSymName(entry + "_fused_plain");
    plain->setAttr("dl.entry", StringAttr::get(ctx, "fused_plain"));
    plain->setAttr("dl.train_entry", StringAttr::get(ctx, entry));
    fuseUpdate(plain, plainValues, plainUpdate);
    return success();
  }
};

} // namespace
