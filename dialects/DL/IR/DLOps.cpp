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
