//===- Utils.cpp - builders shared by the dl-to-linalg patterns -----------===//
//
// See Utils.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/Utils.h"

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"

#include <limits>

using namespace mlir;

namespace dlc::lowering {

RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

Value sigmoid(OpBuilder &b, Location loc, Value x) {
  // exp overflows to inf for very negative x, giving 0.
  Value one = scalar(b, loc, x.getType(), 1);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
}

Value leakyRelu(OpBuilder &b, Location loc, Value x, double slope) {
  Value zero = scalar(b, loc, x.getType(), 0);
  Value alpha = scalar(b, loc, x.getType(), slope);
  Value positive =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, zero);
  return arith::SelectOp::create(b, loc, positive, x, mul(b, loc, alpha, x));
}

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 type.getElementType());
}

Value scalar(OpBuilder &b, Location loc, Type type, double value) {
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
  return arith::ConstantOp::create(b, loc,
                                   b.getIntegerAttr(type, (int64_t)value));
}

Value lowest(OpBuilder &b, Location loc, Type type) {
  if (auto f = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(type, APFloat::getInf(f.getFloatSemantics(), true)));
  return arith::ConstantOp::create(
      b, loc,
      b.getIntegerAttr(type, APInt::getSignedMinValue(
                                 type.getIntOrFloatBitWidth())));
}

Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                   double value) {
  Value v = scalar(b, loc, type.getElementType(), value);
  return linalg::FillOp::create(b, loc, v, emptyTensor(b, loc, type))
      .getResult(0);
}

AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> resultShape,
                       RankedTensorType operand) {
  int64_t rank = resultShape.size(), opRank = operand.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < opRank; ++i) {
    int64_t dim = rank - opRank + i;
    if (operand.getDimSize(i) == 1 && resultShape[dim] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(dim, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value elementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                  ValueRange inputs, BodyFn body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(
        broadcastMap(ctx, resultType.getShape(), tensorType(input)));
  maps.push_back(b.getMultiDimIdentityMap(resultType.getRank()));
  SmallVector<utils::IteratorType> iterators(resultType.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs,
      ValueRange{emptyTensor(b, loc, resultType)}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value result = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

Value reduce(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> axes,
             ReduceKind kind) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = tensorType(x);
  SmallVector<int64_t> shape;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (llvm::is_contained(axes, i)) {
      iterators.push_back(utils::IteratorType::reduction);
      continue;
    }
    iterators.push_back(utils::IteratorType::parallel);
    shape.push_back(type.getDimSize(i));
    outExprs.push_back(getAffineDimExpr(i, ctx));
  }
  Type elem = type.getElementType();
  auto resultType = RankedTensorType::get(shape, elem);
  Value init = kind == ReduceKind::Sum ? scalar(b, loc, elem, 0)
                                       : lowest(b, loc, elem);
  Value out =
      linalg::FillOp::create(b, loc, init, emptyTensor(b, loc, resultType))
          .getResult(0);
  SmallVector<AffineMap> maps = {
      b.getMultiDimIdentityMap(type.getRank()),
      AffineMap::get(type.getRank(), 0, outExprs, ctx)};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{x}, ValueRange{out}, maps,
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = kind == ReduceKind::Sum ? add(nb, nloc, args[1], args[0])
                                          : max(nb, nloc, args[1], args[0]);
        linalg::YieldOp::create(nb, nloc, r);
      });
  return generic.getResult(0);
}

Value alongAxis(OpBuilder &b, Location loc, RankedTensorType resultType,
                int64_t axis, ValueRange fullInputs, ValueRange reducedInputs,
                BodyFn body) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = resultType.getRank();
  SmallVector<AffineExpr> reducedExprs;
  for (int64_t i = 0; i < rank; ++i)
    if (i != axis)
      reducedExprs.push_back(getAffineDimExpr(i, ctx));
  SmallVector<AffineMap> maps;
  SmallVector<Value> inputs;
  for (Value v : fullInputs) {
    maps.push_back(b.getMultiDimIdentityMap(rank));
    inputs.push_back(v);
  }
  for (Value v : reducedInputs) {
    maps.push_back(AffineMap::get(rank, 0, reducedExprs, ctx));
    inputs.push_back(v);
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs,
      ValueRange{emptyTensor(b, loc, resultType)}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args.drop_back()));
      });
  return generic.getResult(0);
}

static SmallVector<OpFoldResult> indexAttrs(OpBuilder &b,
                                            ArrayRef<int64_t> values) {
  return llvm::map_to_vector(values, [&](int64_t v) -> OpFoldResult {
    return b.getIndexAttr(v);
  });
}

Value insertAt(OpBuilder &b, Location loc, Value source, Value dest,
               ArrayRef<int64_t> offsets, ArrayRef<int64_t> strides) {
  SmallVector<int64_t> unit(offsets.size(), 1);
  return tensor::InsertSliceOp::create(
      b, loc, source, dest, indexAttrs(b, offsets),
      indexAttrs(b, tensorType(source).getShape()),
      indexAttrs(b, strides.empty() ? ArrayRef<int64_t>(unit) : strides));
}

Value extractAt(OpBuilder &b, Location loc, Value source,
                ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes,
                ArrayRef<int64_t> strides) {
  auto type = RankedTensorType::get(sizes, tensorType(source).getElementType());
  return tensor::ExtractSliceOp::create(b, loc, type, source,
                                        indexAttrs(b, offsets),
                                        indexAttrs(b, sizes),
                                        indexAttrs(b, strides));
}

Value reshape(OpBuilder &b, Location loc, Value x, RankedTensorType type) {
  RankedTensorType source = tensorType(x);
  if (source == type)
    return x;
  if (source.getRank() > type.getRank()) {
    if (auto re = getReassociationIndicesForCollapse(source.getShape(),
                                                      type.getShape()))
      return tensor::CollapseShapeOp::create(b, loc, type, x, *re);
  } else if (source.getRank() < type.getRank()) {
    if (auto re = getReassociationIndicesForCollapse(type.getShape(),
                                                      source.getShape()))
      return tensor::ExpandShapeOp::create(b, loc, type, x, *re);
  }
  // Through the flat vector (or a scalar, for one-element tensors).
  auto flat = RankedTensorType::get({source.getNumElements()},
                                    source.getElementType());
  Value mid = x;
  if (source.getRank() != 1) {
    SmallVector<ReassociationIndices> all(1);
    for (int64_t i = 0; i < source.getRank(); ++i)
      all[0].push_back(i);
    if (source.getRank() == 0)
      all.clear();
    mid = source.getRank() == 0
              ? tensor::ExpandShapeOp::create(b, loc, flat, x, all).getResult()
              : tensor::CollapseShapeOp::create(b, loc, flat, x, all)
                    .getResult();
  }
  if (type.getRank() == 1)
    return mid;
  SmallVector<ReassociationIndices> all(1);
  for (int64_t i = 0; i < type.getRank(); ++i)
    all[0].push_back(i);
  if (type.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, type, mid,
                                           ArrayRef<ReassociationIndices>{});
  return tensor::ExpandShapeOp::create(b, loc, type, mid, all);
}

/// softmax (log = false) or log_softmax (log = true) of `x` along `axis`.
Value softmax(OpBuilder &b, Location loc, Value x, int64_t axis, bool log) {
  RankedTensorType type = tensorType(x);
  Value maxima = reduce(b, loc, x, {axis}, ReduceKind::Max);
  Value shifted = alongAxis(b, loc, type, axis, {x}, {maxima},
                            [](OpBuilder &nb, Location l, ValueRange args) {
                              return sub(nb, l, args[0], args[1]);
                            });
  Value exps = elementwise(b, loc, type, {shifted},
                           [](OpBuilder &nb, Location l, ValueRange args) {
                             return math::ExpOp::create(nb, l, args[0])
                                 .getResult();
                           });
  Value sums = reduce(b, loc, exps, {axis}, ReduceKind::Sum);
  if (!log)
    return alongAxis(b, loc, type, axis, {exps}, {sums},
                     [](OpBuilder &nb, Location l, ValueRange args) {
                       return div(nb, l, args[0], args[1]);
                     });
  return alongAxis(b, loc, type, axis, {shifted}, {sums},
                   [](OpBuilder &nb, Location l, ValueRange args) {
                     return sub(nb, l, args[0],
                                math::LogOp::create(nb, l, args[1]));
                   });
}

Value meanAll(OpBuilder &b, Location loc, Value x) {
  RankedTensorType type = tensorType(x);
  Value sum = reduce(b, loc, x, allAxes(type.getRank()), ReduceKind::Sum);
  return divideBy(b, loc, sum, type.getNumElements());
}

Value divideBy(OpBuilder &b, Location loc, Value x, double divisor) {
  return elementwise(b, loc, tensorType(x), {x},
                     [&](OpBuilder &nb, Location l, ValueRange args) {
                       return div(nb, l, args[0],
                                  scalar(nb, l, args[0].getType(), divisor));
                     });
}

SmallVector<int64_t> allAxes(int64_t rank) {
  SmallVector<int64_t> axes;
  for (int64_t i = 0; i < rank; ++i)
    axes.push_back(i);
  return axes;
}

Value overLeadingInput(OpBuilder &b, Location loc, RankedTensorType resultType,
                       Value input, BodyFn body) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = resultType.getRank();
  SmallVector<AffineExpr> inputExprs;
  for (int64_t i = 0; i < tensorType(input).getRank(); ++i)
    inputExprs.push_back(getAffineDimExpr(i, ctx));
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, inputExprs, ctx),
                                 b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{input},
      ValueRange{emptyTensor(b, loc, resultType)}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, body(nb, l, args.drop_back()));
      });
  return generic.getResult(0);
}

static bool isFloat(Value v) { return isa<FloatType>(v.getType()); }

Value add(OpBuilder &b, Location loc, Value x, Value y) {
  return isFloat(x) ? arith::AddFOp::create(b, loc, x, y).getResult()
                    : arith::AddIOp::create(b, loc, x, y).getResult();
}
Value sub(OpBuilder &b, Location loc, Value x, Value y) {
  return isFloat(x) ? arith::SubFOp::create(b, loc, x, y).getResult()
                    : arith::SubIOp::create(b, loc, x, y).getResult();
}
Value mul(OpBuilder &b, Location loc, Value x, Value y) {
  return isFloat(x) ? arith::MulFOp::create(b, loc, x, y).getResult()
                    : arith::MulIOp::create(b, loc, x, y).getResult();
}
Value div(OpBuilder &b, Location loc, Value x, Value y) {
  return isFloat(x) ? arith::DivFOp::create(b, loc, x, y).getResult()
                    : arith::DivSIOp::create(b, loc, x, y).getResult();
}
/// The fast-math flags of a float max or min: `nsz` when one operand is a
/// constant (relu, clip, a log's floor), where the sign of a zero result
/// does not matter. NaN still propagates, and x86 then needs one
/// instruction (vmaxps with the constant first) instead of a max, a NaN
/// compare and a blend.
static arith::FastMathFlags minMaxFlags(Value x, Value y) {
  if (x.getDefiningOp<arith::ConstantOp>() ||
      y.getDefiningOp<arith::ConstantOp>())
    return arith::FastMathFlags::nsz;
  return arith::FastMathFlags::none;
}

Value max(OpBuilder &b, Location loc, Value x, Value y) {
  return isFloat(x) ? arith::MaximumFOp::create(b, loc, x, y, minMaxFlags(x, y))
                          .getResult()
                    : arith::MaxSIOp::create(b, loc, x, y).getResult();
}
Value min(OpBuilder &b, Location loc, Value x, Value y) {
  return isFloat(x) ? arith::MinimumFOp::create(b, loc, x, y, minMaxFlags(x, y))
                          .getResult()
                    : arith::MinSIOp::create(b, loc, x, y).getResult();
}

Value transpose(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> perm) {
  RankedTensorType type = tensorType(x);
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  Value init = emptyTensor(
      b, loc, RankedTensorType::get(shape, type.getElementType()));
  return linalg::TransposeOp::create(b, loc, x, init, perm).getResult()[0];
}

Value padSpatial(OpBuilder &b, Location loc, Value x, int64_t pad) {
  if (pad == 0)
    return x;
  RankedTensorType type = tensorType(x);
  SmallVector<int64_t> shape(type.getShape());
  shape[2] += 2 * pad;
  shape[3] += 2 * pad;
  auto paddedType = RankedTensorType::get(shape, type.getElementType());
  Value zeros = filledTensor(b, loc, paddedType, 0);
  return insertAt(b, loc, x, zeros, {0, 0, pad, pad});
}

SmallVector<AffineMap> windowPositionMaps(MLIRContext *ctx, int64_t size,
                                         int64_t stride) {
  AffineExpr n, c, oh, ow;
  bindDims(ctx, n, c, oh, ow);
  SmallVector<AffineMap> maps;
  for (int64_t i = 0; i < size; ++i)
    for (int64_t j = 0; j < size; ++j)
      maps.push_back(AffineMap::get(
          4, 0, {n, c, oh * stride + i, ow * stride + j}, ctx));
  return maps;
}

SmallVector<NamedAttribute> windowAttrs(OpBuilder &b, int64_t stride,
                                        int64_t dilation) {
  auto type = RankedTensorType::get({2}, b.getI64Type());
  return {b.getNamedAttr("strides", DenseIntElementsAttr::get(
                                        type, ArrayRef<int64_t>{stride, stride})),
          b.getNamedAttr("dilations",
                         DenseIntElementsAttr::get(
                             type, ArrayRef<int64_t>{dilation, dilation}))};
}

Value channelVector(OpBuilder &b, Location loc, Value v, int64_t rank) {
  RankedTensorType type = tensorType(v);
  SmallVector<int64_t> shape = {type.getDimSize(0)};
  shape.append(rank - 2, 1);
  return reshape(b, loc, v, RankedTensorType::get(shape, type.getElementType()));
}

} // namespace dlc::lowering
