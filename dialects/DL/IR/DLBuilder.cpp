//===- DLBuilder.cpp - building dl ops with inferred types ----------------===//
//
// See DLBuilder.h.
//
//===----------------------------------------------------------------------===//

#include "dialects/DL/IR/DLBuilder.h"

using namespace mlir;
using namespace dl;

Value GraphBuilder::constant(double value, Type elem) {
  if (!elem)
    elem = b.getF32Type();
  auto type = RankedTensorType::get({}, elem);
  return make<ConstantOp>(
      b, loc, {},
      {b.getNamedAttr("value",
                      DenseElementsAttr::get(type, b.getFloatAttr(elem, value)))});
}

Value GraphBuilder::zeros(RankedTensorType type) {
  return make<ConstantOp>(
      b, loc, {},
      {b.getNamedAttr("value", DenseElementsAttr::get(
                                   type, b.getFloatAttr(type.getElementType(), 0)))});
}

Value GraphBuilder::reshape(Value x, ArrayRef<int64_t> shape) {
  if (typeOf(x).getShape() == shape)
    return x;
  return make<ReshapeOp>(b, loc, {x},
                         {b.getNamedAttr("shape", b.getDenseI64ArrayAttr(shape))});
}

Value GraphBuilder::transpose(Value x, ArrayRef<int64_t> perm) {
  return make<TransposeOp>(b, loc, {x},
                           {b.getNamedAttr("perm", b.getDenseI64ArrayAttr(perm))});
}

Value GraphBuilder::sum(Value x, ArrayRef<int64_t> axes, bool keepdims) {
  return make<SumOp>(b, loc, {x},
                     {b.getNamedAttr("axes", b.getDenseI64ArrayAttr(axes)),
                      b.getNamedAttr("keepdims", b.getBoolAttr(keepdims))});
}

Value GraphBuilder::broadcastTo(Value x, ArrayRef<int64_t> shape) {
  if (typeOf(x).getShape() == shape)
    return x;
  return make<BroadcastToOp>(
      b, loc, {x}, {b.getNamedAttr("shape", b.getDenseI64ArrayAttr(shape))});
}

Value GraphBuilder::softmax(Value x, int64_t axis, bool log) {
  auto attr = b.getNamedAttr("axis", b.getI64IntegerAttr(axis));
  return log ? make<LogSoftmaxOp>(b, loc, {x}, {attr})
             : make<SoftmaxOp>(b, loc, {x}, {attr});
}

Value GraphBuilder::unbroadcast(Value grad, Type target) {
  RankedTensorType g = typeOf(grad), t = cast<RankedTensorType>(target);
  if (g.getShape() == t.getShape())
    return grad;
  int64_t extra = g.getRank() - t.getRank();
  SmallVector<int64_t> axes;
  for (int64_t i = 0; i < extra; ++i)
    axes.push_back(i);
  for (int64_t i = 0; i < t.getRank(); ++i)
    if (t.getDimSize(i) == 1 && g.getDimSize(i + extra) != 1)
      axes.push_back(i + extra);
  Value summed = axes.empty() ? grad : sum(grad, axes, false);
  return reshape(summed, t.getShape());
}

Value GraphBuilder::load(StringRef name, Type type) {
  return LoadOp::create(b, loc, type, FlatSymbolRefAttr::get(b.getContext(), name));
}

void GraphBuilder::assign(StringRef name, Value value) {
  AssignOp::create(b, loc, FlatSymbolRefAttr::get(b.getContext(), name), value);
}
