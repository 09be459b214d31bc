//===- NN.cpp - convolution, pooling, batch norm, one_hot, gather ---------===//
//
// conv2d becomes zero padding plus linalg.conv_2d_nchw_fchw (and a bias
// add), pooling linalg.pooling_nchw_{max,sum}, batch_norm elementwise
// generics over per-channel statistics, one_hot and gather generics that
// read their integer operand.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/DLToLinalg/Utils.h"
#include "dialects/DL/IR/DLOps.h"

using namespace mlir;
using namespace dlc::lowering;

namespace {

/// `x` [N, C, H, W] with `pad` zeros on each side of H and W.
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

SmallVector<NamedAttribute> windowAttrs(OpBuilder &b, int64_t stride) {
  auto type = RankedTensorType::get({2}, b.getI64Type());
  return {b.getNamedAttr("strides", DenseIntElementsAttr::get(
                                        type, ArrayRef<int64_t>{stride, stride})),
          b.getNamedAttr("dilations", DenseIntElementsAttr::get(
                                          type, ArrayRef<int64_t>{1, 1}))};
}

/// A per-channel vector [C] reshaped to broadcast along axis 1 of a tensor
/// of `rank` ([C, 1, ..., 1]).
Value channelVector(OpBuilder &b, Location loc, Value v, int64_t rank) {
  RankedTensorType type = tensorType(v);
  SmallVector<int64_t> shape = {type.getDimSize(0)};
  shape.append(rank - 2, 1);
  return reshape(b, loc, v, RankedTensorType::get(shape, type.getElementType()));
}

struct Conv2dLowering : OpConversionPattern<dl::Conv2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::Conv2dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value padded = padSpatial(rewriter, loc, adaptor.getX(), op.getPad());
    Value init = filledTensor(rewriter, loc, type, 0);
    Value conv = linalg::Conv2DNchwFchwOp::create(
                     rewriter, loc, TypeRange{type},
                     ValueRange{padded, adaptor.getW()}, ValueRange{init},
                     windowAttrs(rewriter, op.getStride()))
                     .getResult(0);
    if (Value bias = adaptor.getB())
      conv = elementwise(rewriter, loc, type,
                         {conv, channelVector(rewriter, loc, bias, 4)},
                         [](OpBuilder &b, Location l, ValueRange args) {
                           return add(b, l, args[0], args[1]);
                         });
    rewriter.replaceOp(op, conv);
    return success();
  }
};

template <typename OpT, bool kMax>
struct PoolLowering : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type elem = type.getElementType();
    int64_t size = op.getSize();
    Value window = tensor::EmptyOp::create(rewriter, loc,
                                           ArrayRef<int64_t>{size, size}, elem);
    Value init =
        linalg::FillOp::create(rewriter, loc,
                               kMax ? lowest(rewriter, loc, elem)
                                    : scalar(rewriter, loc, elem, 0),
                               emptyTensor(rewriter, loc, type))
            .getResult(0);
    SmallVector<NamedAttribute> attrs = windowAttrs(rewriter, op.getStride());
    Value pooled;
    if (kMax)
      pooled = linalg::PoolingNchwMaxOp::create(
                   rewriter, loc, TypeRange{type},
                   ValueRange{adaptor.getX(), window}, ValueRange{init}, attrs)
                   .getResult(0);
    else
      pooled = linalg::PoolingNchwSumOp::create(
                   rewriter, loc, TypeRange{type},
                   ValueRange{adaptor.getX(), window}, ValueRange{init}, attrs)
                   .getResult(0);
    if (!kMax)
      pooled = divideBy(rewriter, loc, pooled, size * size);
    rewriter.replaceOp(op, pooled);
    return success();
  }
};

struct BatchNormLowering : OpConversionPattern<dl::BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    RankedTensorType type = tensorType(x);
    RankedTensorType channel = tensorType(adaptor.getMean());
    int64_t rank = type.getRank();
    double eps = op.getEpsAttr().getValueAsDouble();
    double momentum = op.getMomentumAttr().getValueAsDouble();
    Value mean = adaptor.getMean(), var = adaptor.getVar();
    Value newMean = mean, newVar = var;
    if (op.getTraining()) {
      // Batch statistics over every axis but 1; biased variance for the
      // normalization, unbiased for the running estimate (as PyTorch).
      SmallVector<int64_t> axes;
      int64_t count = 1;
      for (int64_t i = 0; i < rank; ++i)
        if (i != 1) {
          axes.push_back(i);
          count *= type.getDimSize(i);
        }
      Value batchMean = divideBy(
          rewriter, loc, reduce(rewriter, loc, x, axes, ReduceKind::Sum), count);
      Value centered = elementwise(
          rewriter, loc, type, {x, channelVector(rewriter, loc, batchMean, rank)},
          [](OpBuilder &b, Location l, ValueRange args) {
            return sub(b, l, args[0], args[1]);
          });
      Value squares = elementwise(rewriter, loc, type, {centered},
                                  [](OpBuilder &b, Location l, ValueRange args) {
                                    return mul(b, l, args[0], args[0]);
                                  });
      Value batchVar = divideBy(
          rewriter, loc, reduce(rewriter, loc, squares, axes, ReduceKind::Sum),
          count);
      double unbias = count > 1 ? (double)count / (count - 1) : 1.0;
      auto running = [&](Value old, Value batch, double factor) {
        return elementwise(
            rewriter, loc, channel, {old, batch},
            [&](OpBuilder &b, Location l, ValueRange args) {
              Type t = args[0].getType();
              return add(b, l, mul(b, l, args[0], scalar(b, l, t, 1 - momentum)),
                         mul(b, l, args[1], scalar(b, l, t, momentum * factor)));
            });
      };
      newMean = running(mean, batchMean, 1.0);
      newVar = running(var, batchVar, unbias);
      mean = batchMean;
      var = batchVar;
    }
    Value y = elementwise(
        rewriter, loc, type,
        {x, channelVector(rewriter, loc, mean, rank),
         channelVector(rewriter, loc, var, rank),
         channelVector(rewriter, loc, adaptor.getGamma(), rank),
         channelVector(rewriter, loc, adaptor.getBeta(), rank)},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value inv = math::RsqrtOp::create(
              b, l, add(b, l, args[2], scalar(b, l, args[2].getType(), eps)));
          return add(b, l, mul(b, l, mul(b, l, sub(b, l, args[0], args[1]), inv),
                               args[3]),
                     args[4]);
        });
    rewriter.replaceOp(op, {y, newMean, newVar});
    return success();
  }
};

struct OneHotLowering : OpConversionPattern<dl::OneHotOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::OneHotOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Type elem = type.getElementType();
    int64_t last = type.getRank() - 1;
    rewriter.replaceOp(
        op, overLeadingInput(
                rewriter, op.getLoc(), type, adaptor.getLabels(),
                [&](OpBuilder &b, Location l, ValueRange args) {
                  Value j = arith::IndexCastOp::create(
                      b, l, args[0].getType(), linalg::IndexOp::create(b, l, last));
                  Value hit = arith::CmpIOp::create(
                      b, l, arith::CmpIPredicate::eq, args[0], j);
                  return arith::SelectOp::create(b, l, hit, scalar(b, l, elem, 1),
                                                 scalar(b, l, elem, 0))
                      .getResult();
                }));
    return success();
  }
};

struct GatherLowering : OpConversionPattern<dl::GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Value table = adaptor.getTable();
    int64_t vocab = tensorType(table).getDimSize(0), last = type.getRank() - 1;
    rewriter.replaceOp(
        op, overLeadingInput(
                rewriter, op.getLoc(), type, adaptor.getIds(),
                [&](OpBuilder &b, Location l, ValueRange args) {
                  // The runtime rejects out-of-range ids before the entry
                  // runs; the clamp keeps every read in bounds regardless.
                  Value id = arith::IndexCastOp::create(b, l, b.getIndexType(),
                                                        args[0]);
                  id = arith::MinSIOp::create(
                      b, l,
                      arith::MaxSIOp::create(
                          b, l, id, arith::ConstantIndexOp::create(b, l, 0)),
                      arith::ConstantIndexOp::create(b, l, vocab - 1));
                  Value col = linalg::IndexOp::create(b, l, last);
                  return tensor::ExtractOp::create(b, l, table,
                                                   ValueRange{id, col})
                      .getResult();
                }));
    return success();
  }
};

} // namespace

void dlc::populateNNToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2dLowering, PoolLowering<dl::MaxPool2dOp, true>,
               PoolLowering<dl::AvgPool2dOp, false>, BatchNormLowering,
               OneHotLowering, GatherLowering>(patterns.getContext());
}
