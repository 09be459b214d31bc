//===- DLFolders.cpp - folders of the dl ops ------------------------------===//
//
// The obvious folds: constants, identities (a reshape, transpose, slice or
// broadcast that changes nothing) and involutions (-(-x), nested
// stop_gradient).
//
//===----------------------------------------------------------------------===//

#include "dialects/DL/IR/DLOps.h"

using namespace mlir;
using namespace dl;

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult NegOp::fold(FoldAdaptor) {
  if (auto inner = getX().getDefiningOp<NegOp>())
    return inner.getX();
  return {};
}

OpFoldResult StopGradientOp::fold(FoldAdaptor) {
  if (getX().getDefiningOp<StopGradientOp>())
    return getX();
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  for (auto [i, p] : llvm::enumerate(getPerm()))
    if ((int64_t)i != p)
      return {};
  return getX();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getX().getType() == getType())
    return getX();
  // reshape(reshape(x)) -> one reshape of x.
  if (auto inner = getX().getDefiningOp<ReshapeOp>()) {
    getXMutable().assign(inner.getX());
    return getResult();
  }
  return {};
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  if (getX().getType() == getType())
    return getX();
  return {};
}

OpFoldResult BroadcastToOp::fold(FoldAdaptor) {
  if (getX().getType() == getType())
    return getX();
  return {};
}
