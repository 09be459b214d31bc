//===- DLFolders.cpp - folders of the dl ops ------------------------------===//
//
// The obvious folds: constants, identities (a reshape, transpose, slice or
// broadcast that changes nothing; x + 0, x - 0, x * 1, x / 1), involutions
// (-(-x), nested stop_gradient) and arithmetic on float splat constants.
//
//===----------------------------------------------------------------------===//

#include "dialects/DL/IR/DLOps.h"

#include <cmath>

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

//===----------------------------------------------------------------------===//
// Binary arithmetic
//===----------------------------------------------------------------------===//

/// The value of a float splat constant, if `attr` is one.
static std::optional<double> splatValue(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseFPElementsAttr>(attr);
  if (!dense || !dense.isSplat())
    return std::nullopt;
  return dense.getSplatValue<APFloat>().convertToDouble();
}

/// Folds a binary op: `compute` on two float splats (the result is a splat
/// of the result type), or `x` itself when the other operand is the
/// identity `unit` and `x` already has the result type.
template <typename OpT, typename F>
static OpFoldResult foldBinary(OpT op, Attribute lhs, Attribute rhs,
                               std::optional<double> leftUnit,
                               std::optional<double> rightUnit, F compute) {
  auto type = cast<RankedTensorType>(op.getType());
  if (!isa<FloatType>(type.getElementType()))
    return {};
  std::optional<double> a = splatValue(lhs), b = splatValue(rhs);
  if (a && b) {
    // Rounded to the element type as a float computation would be.
    APFloat v(compute(*a, *b));
    bool lost = false;
    v.convert(cast<FloatType>(type.getElementType()).getFloatSemantics(),
              APFloat::rmNearestTiesToEven, &lost);
    return DenseElementsAttr::get(type, v);
  }
  if (rightUnit && b == rightUnit && op.getLhs().getType() == type)
    return op.getLhs();
  if (leftUnit && a == leftUnit && op.getRhs().getType() == type)
    return op.getRhs();
  return {};
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getLhs(), adaptor.getRhs(), 0.0, 0.0,
                    [](double a, double b) { return a + b; });
}
OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getLhs(), adaptor.getRhs(), std::nullopt,
                    0.0, [](double a, double b) { return a - b; });
}
OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getLhs(), adaptor.getRhs(), 1.0, 1.0,
                    [](double a, double b) { return a * b; });
}
OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getLhs(), adaptor.getRhs(), std::nullopt,
                    1.0, [](double a, double b) { return a / b; });
}
OpFoldResult MaximumOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getLhs(), adaptor.getRhs(), std::nullopt,
                    std::nullopt,
                    [](double a, double b) {
                      return std::isnan(a) || std::isnan(b) ? NAN
                                                            : std::max(a, b);
                    });
}
OpFoldResult MinimumOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getLhs(), adaptor.getRhs(), std::nullopt,
                    std::nullopt,
                    [](double a, double b) {
                      return std::isnan(a) || std::isnan(b) ? NAN
                                                            : std::min(a, b);
                    });
}
OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getLhs(), adaptor.getRhs(), std::nullopt,
                    1.0, [](double a, double b) { return std::pow(a, b); });
}
