//===- DLOps.cpp - verifiers of the dl ops --------------------------------===//
//
// What ODS traits and shape inference (DLShapes.cpp) cannot check: attribute
// ranges, initializer arguments, and that loads and assigns name a declared
// param or state of the right type.
//
//===----------------------------------------------------------------------===//

#include "dialects/DL/IR/DLOps.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace dl;

LogicalResult ClipOp::verify() {
  double lo = getLoAttr().getValueAsDouble();
  double hi = getHiAttr().getValueAsDouble();
  if (lo > hi)
    return emitOpError() << "needs lo <= hi, found lo = " << lo
                         << " and hi = " << hi;
  return success();
}

LogicalResult DropoutOp::verify() {
  double rate = getRateAttr().getValueAsDouble();
  if (rate < 0.0 || rate >= 1.0)
    return emitOpError() << "needs a rate in [0, 1), found " << rate;
  return success();
}

//===----------------------------------------------------------------------===//
// Gradient ops: the result type must be the one the forward op consumed.
//===----------------------------------------------------------------------===//

/// Checks that conv2d of `x` with `w` produces `y` (all 4-D, NCHW/OIHW).
static LogicalResult verifyConvShapes(Operation *op, RankedTensorType x,
                                      RankedTensorType w, RankedTensorType y,
                                      int64_t stride, int64_t pad) {
  if (x.getRank() != 4 || w.getRank() != 4 || y.getRank() != 4)
    return op->emitOpError() << "expects 4-D input, weights and gradient";
  if (stride < 1 || pad < 0)
    return op->emitOpError() << "needs stride >= 1 and pad >= 0";
  int64_t kh = w.getDimSize(2), kw = w.getDimSize(3);
  if (x.getDimSize(2) + 2 * pad < kh || x.getDimSize(3) + 2 * pad < kw ||
      x.getDimSize(1) != w.getDimSize(1) || y.getDimSize(0) != x.getDimSize(0) ||
      y.getDimSize(1) != w.getDimSize(0) ||
      y.getDimSize(2) != windowCount(x.getDimSize(2), kh, stride, pad) ||
      y.getDimSize(3) != windowCount(x.getDimSize(3), kw, stride, pad))
    return op->emitOpError()
           << "shapes do not match a conv2d of input " << formatType(x)
           << " with weights " << formatType(w) << " producing "
           << formatType(y);
  return success();
}

LogicalResult Conv2dInputGradOp::verify() {
  return verifyConvShapes(*this, getType(), getW().getType(),
                          getGrad().getType(), getStride(), getPad());
}

LogicalResult Conv2dWeightGradOp::verify() {
  return verifyConvShapes(*this, getX().getType(), getType(),
                          getGrad().getType(), getStride(), getPad());
}

/// Checks the shapes of a recurrent layer of `G` gates (an LSTM 4, a GRU
/// 3, an RNN 1) over `xw : [B, T, GH]` with `whh_t : [H, GH]` and `bhh :
/// [GH]`; each of `sequences` must be `[B, T, H]`.
static LogicalResult verifyRecurrentShapes(Operation *op, int64_t G, Value xw,
                                           Value whhT, Value bhh,
                                           ValueRange sequences) {
  auto x = cast<RankedTensorType>(xw.getType());
  auto w = cast<RankedTensorType>(whhT.getType());
  auto b = cast<RankedTensorType>(bhh.getType());
  std::string gh = G == 1 ? "H" : std::to_string(G) + "H";
  if (x.getRank() != 3 || w.getRank() != 2 || b.getRank() != 1)
    return op->emitOpError()
           << "expects xw [B, T, " << gh << "], whh_t [H, " << gh
           << "] and bhh [" << gh << "], found " << formatType(x) << ", "
           << formatType(w) << ", " << formatType(b);
  int64_t H = w.getDimSize(0);
  if (w.getDimSize(1) != G * H || x.getDimSize(2) != G * H ||
      b.getDimSize(0) != G * H)
    return op->emitOpError()
           << "has " << H << " hidden units but gates of " << x.getDimSize(2)
           << ", " << w.getDimSize(1) << " and " << b.getDimSize(0)
           << " (expected " << G * H << ")";
  SmallVector<int64_t> expected = {x.getDimSize(0), x.getDimSize(1), H};
  for (Value v : sequences)
    if (cast<RankedTensorType>(v.getType()).getShape() != ArrayRef(expected))
      return op->emitOpError()
             << "expects sequences of "
             << formatType(RankedTensorType::get(expected, x.getElementType()))
             << ", found "
             << formatType(v.getType());
  return success();
}

/// Checks that a recurrent layer's saved `gates` are `[B, T, width]` of
/// the element type of its `xw`.
static LogicalResult verifySavedGates(Operation *op, Value xw, Value gates,
                                      int64_t width) {
  auto x = cast<RankedTensorType>(xw.getType());
  auto expected = RankedTensorType::get(
      {x.getDimSize(0), x.getDimSize(1), width}, x.getElementType());
  if (gates.getType() != expected)
    return op->emitOpError() << "expects gates of type " << formatType(expected)
                             << ", found " << formatType(gates.getType());
  return success();
}

/// Checks that the gradients of a recurrent layer have the types of its
/// `xw`, `whh_t` and `bhh`.
static LogicalResult verifyRecurrentGrads(Operation *op) {
  for (unsigned i = 0; i < 3; ++i)
    if (op->getResult(i).getType() != op->getOperand(i).getType())
      return op->emitOpError()
             << "gradients must have the types of xw, whh_t and bhh";
  return success();
}

/// The hidden units of a recurrent layer (the rows of `whh_t`).
static int64_t hiddenUnits(Value whhT) {
  return cast<RankedTensorType>(whhT.getType()).getDimSize(0);
}

LogicalResult LstmOp::verify() {
  if (failed(verifyRecurrentShapes(*this, 4, getXw(), getWhhT(), getBhh(),
                                   {getSeq(), getCells()})))
    return failure();
  return verifySavedGates(*this, getXw(), getGates(),
                          4 * hiddenUnits(getWhhT()));
}

LogicalResult LstmGradOp::verify() {
  if (failed(verifyRecurrentGrads(*this)) ||
      failed(verifyRecurrentShapes(*this, 4, getXw(), getWhhT(), getBhh(),
                                   {getSeq(), getCells(), getGrad()})))
    return failure();
  return verifySavedGates(*this, getXw(), getGates(),
                          4 * hiddenUnits(getWhhT()));
}

/// Checks that an RNN's activation is one whose derivative follows from
/// its value.
static LogicalResult verifyRnnActivation(Operation *op, StringRef act) {
  if (act == "tanh" || act == "relu" || act == "sigmoid" ||
      act == "leaky_relu" || act == "none")
    return success();
  return op->emitOpError() << "has activation '" << act
                           << "'; expected tanh, relu, sigmoid, leaky_relu "
                              "or none";
}

LogicalResult RnnOp::verify() {
  if (failed(verifyRnnActivation(*this, getAct())))
    return failure();
  return verifyRecurrentShapes(*this, 1, getXw(), getWhhT(), getBhh(),
                               {getSeq()});
}

LogicalResult RnnGradOp::verify() {
  if (failed(verifyRnnActivation(*this, getAct())) ||
      failed(verifyRecurrentGrads(*this)))
    return failure();
  return verifyRecurrentShapes(*this, 1, getXw(), getWhhT(), getBhh(),
                               {getSeq(), getGrad()});
}

LogicalResult GruOp::verify() {
  if (failed(verifyRecurrentShapes(*this, 3, getXw(), getWhhT(), getBhh(),
                                   {getSeq()})))
    return failure();
  return verifySavedGates(*this, getXw(), getGates(),
                          4 * hiddenUnits(getWhhT()));
}

LogicalResult GruGradOp::verify() {
  if (failed(verifyRecurrentGrads(*this)) ||
      failed(verifyRecurrentShapes(*this, 3, getXw(), getWhhT(), getBhh(),
                                   {getSeq(), getGrad()})))
    return failure();
  return verifySavedGates(*this, getXw(), getGates(),
                          4 * hiddenUnits(getWhhT()));
}

/// Checks that pooling `x` with windows of `size` moving by `stride` gives
/// `y`.
static LogicalResult verifyPoolShapes(Operation *op, RankedTensorType x,
                                      RankedTensorType y, int64_t size,
                                      int64_t stride) {
  if (x.getRank() != 4 || y.getRank() != 4)
    return op->emitOpError() << "expects 4-D input and gradient";
  if (size < 1 || stride < 1 || size > x.getDimSize(2) ||
      size > x.getDimSize(3))
    return op->emitOpError() << "has a window that does not fit";
  if (y.getDimSize(0) != x.getDimSize(0) || y.getDimSize(1) != x.getDimSize(1) ||
      y.getDimSize(2) != windowCount(x.getDimSize(2), size, stride, 0) ||
      y.getDimSize(3) != windowCount(x.getDimSize(3), size, stride, 0))
    return op->emitOpError() << "gradient " << formatType(y)
                             << " does not match pooling " << formatType(x);
  return success();
}

LogicalResult MaxPool2dGradOp::verify() {
  return verifyPoolShapes(*this, getX().getType(), getGrad().getType(),
                          getSize(), getStride());
}

LogicalResult AvgPool2dGradOp::verify() {
  return verifyPoolShapes(*this, getType(), getGrad().getType(), getSize(),
                          getStride());
}

LogicalResult GatherGradOp::verify() {
  RankedTensorType g = getGrad().getType(), ids = getIds().getType(),
                   table = getType();
  SmallVector<int64_t> expected(ids.getShape());
  if (table.getRank() == 2)
    expected.push_back(table.getDimSize(1));
  if (table.getRank() != 2 || g.getShape() != ArrayRef<int64_t>(expected) ||
      g.getElementType() != table.getElementType())
    return emitOpError() << "gradient " << formatType(g) << " does not match "
                         << "a gather of " << formatType(table) << " by "
                         << formatType(ids);
  return success();
}

/// Number of numeric arguments each initializer takes, or -1 if unknown.
static int initArity(StringRef init) {
  return llvm::StringSwitch<int>(init)
      .Cases({"zeros", "ones"}, 0)
      .Case("constant", 1)
      .Cases({"uniform", "normal"}, 2)
      .Cases({"glorot_uniform", "glorot_normal", "he_uniform", "he_normal"}, 0)
      .Default(-1);
}

template <typename OpT> static LogicalResult verifyVariable(OpT op) {
  if (auto role = op.getRole()) {
    if (isa<ParamOp>(op.getOperation()))
      return op.emitOpError() << "params have no role";
    if (*role != "slot" && *role != "grad" && *role != "hyper")
      return op.emitOpError() << "has unknown role '" << *role
                              << "' (expected slot, grad or hyper)";
  }
  int arity = initArity(op.getInit());
  if (arity < 0)
    return op.emitOpError() << "has unknown initializer '" << op.getInit()
                            << "'";
  if ((int)op.getArgs().size() != arity)
    return op.emitOpError() << "initializer '" << op.getInit() << "' takes "
                            << arity << " arguments, found "
                            << op.getArgs().size();
  if (op.getInit().contains("glorot") || op.getInit().starts_with("he_")) {
    if (!op.getFanIn() || !op.getFanOut())
      return op.emitOpError() << "initializer '" << op.getInit()
                              << "' needs fan_in and fan_out";
  }
  return success();
}

LogicalResult ParamOp::verify() { return verifyVariable(*this); }
LogicalResult StateOp::verify() { return verifyVariable(*this); }

/// The type of the param or state `name`, or a diagnostic on `op`.
static FailureOr<Type> lookupVariable(Operation *op, FlatSymbolRefAttr name,
                                      SymbolTableCollection &symbols,
                                      bool *isParam) {
  Operation *decl = symbols.lookupNearestSymbolFrom(op, name);
  if (auto param = dyn_cast_or_null<ParamOp>(decl)) {
    *isParam = true;
    return param.getType();
  }
  if (auto state = dyn_cast_or_null<StateOp>(decl)) {
    *isParam = false;
    return state.getType();
  }
  return op->emitOpError() << "refers to " << name
                           << ", which is not a dl.param or dl.state";
}

LogicalResult LoadOp::verifySymbolUses(SymbolTableCollection &symbols) {
  bool isParam = false;
  FailureOr<Type> type =
      lookupVariable(*this, getNameAttr(), symbols, &isParam);
  if (failed(type))
    return failure();
  if (*type != getType())
    return emitOpError() << "loads " << getNameAttr() << " of type "
                         << formatType(*type) << " as "
                         << formatType(getType());
  return success();
}

LogicalResult AssignOp::verifySymbolUses(SymbolTableCollection &symbols) {
  bool isParam = false;
  FailureOr<Type> type =
      lookupVariable(*this, getNameAttr(), symbols, &isParam);
  if (failed(type))
    return failure();
  if (*type != getValue().getType())
    return emitOpError() << "assigns " << formatType(getValue().getType())
                         << " to " << getNameAttr() << " of type "
                         << formatType(*type);
  return success();
}

#define GET_OP_CLASSES
#include "dialects/DL/IR/DLOps.cpp.inc"
