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

#include <cmath>

using namespace mlir;
using namespace dlc::lowering;

namespace {

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
  /// One parallel loop nest over the outputs whose body reads each element
  /// of its window (an input per window position, windowPositionMaps) and
  /// combines them in registers (max, or the sum divided by the window's
  /// size), where the pooling op's loop nest over the window reads and
  /// writes the output element at every position. The maxima are `nsz`:
  /// NaN still propagates, but a window of -0.0 and +0.0 may give either
  /// (as PyTorch's, which keeps the first of equal elements); x86 then
  /// needs a max, a NaN compare and a blend for each, not two more blends
  /// that order the zeros.
  static Value unrolledWindows(OpBuilder &b, Location loc, Value x,
                               RankedTensorType type, int64_t size,
                               int64_t stride) {
    MLIRContext *ctx = b.getContext();
    SmallVector<AffineMap> maps = windowPositionMaps(ctx, size, stride);
    SmallVector<Value> inputs(maps.size(), x);
    maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
    return linalg::GenericOp::create(
               b, loc, TypeRange{type}, inputs,
               ValueRange{emptyTensor(b, loc, type)}, maps,
               SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
               [&](OpBuilder &b, Location l, ValueRange args) {
                 Value acc = args[0];
                 for (Value v : args.drop_front().drop_back())
                   acc = kMax ? Value(arith::MaximumFOp::create(
                                    b, l, acc, v, arith::FastMathFlags::nsz))
                              : Value(arith::AddFOp::create(b, l, acc, v));
                 if (!kMax)
                   acc = arith::DivFOp::create(
                       b, l, acc, scalar(b, l, acc.getType(), size * size));
                 linalg::YieldOp::create(b, l, acc);
               })
        .getResult(0);
  }

  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type elem = type.getElementType();
    int64_t size = op.getSize();
    // (With a stride of 1 the window's first position would read x at the
    // output's indices, and linalg takes the loop bounds from x.)
    if (size * size <= kUnrolledWindow && op.getStride() > 1) {
      rewriter.replaceOp(op, unrolledWindows(rewriter, loc, adaptor.getX(),
                                             type, size, op.getStride()));
      return success();
    }
    // Global average pooling (one window over the whole image) sums each
    // channel's pixels: a reduction, which dl-tile-and-vectorize sums in
    // vector registers (the pooling op's loop nest was scalar: 244 us of a
    // ResNet-like model's 8.5 ms inference, its 32 x 32 channels of 16 x 16
    // at batch 32).
    auto xType = cast<RankedTensorType>(adaptor.getX().getType());
    if (!kMax && xType.getDimSize(2) == size && xType.getDimSize(3) == size) {
      // (Into [N, C], then [N, C, 1, 1]: the partial sums of the
      // reduction's tiling take result maps of loop dimensions only.)
      Value sum =
          reduce(rewriter, loc, adaptor.getX(), {2, 3}, ReduceKind::Sum);
      rewriter.replaceOp(op, divideBy(rewriter, loc,
                                      reshape(rewriter, loc, sum, type),
                                      size * size));
      return success();
    }
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

/// The splitmix64 finalizer on i64 values.
Value mix64(OpBuilder &b, Location loc, Value z) {
  auto shiftXor = [&](Value v, int64_t bits) {
    Value amount = arith::ConstantIntOp::create(b, loc, b.getI64Type(), bits);
    return arith::XOrIOp::create(b, loc, v,
                                 arith::ShRUIOp::create(b, loc, v, amount))
        .getResult();
  };
  auto times = [&](Value v, uint64_t k) {
    return arith::MulIOp::create(
               b, loc, v,
               arith::ConstantIntOp::create(b, loc, b.getI64Type(), (int64_t)k))
        .getResult();
  };
  z = times(shiftXor(z, 30), 0xbf58476d1ce4e5b9ull);
  z = times(shiftXor(z, 27), 0x94d049bb133111ebull);
  return shiftXor(z, 31);
}

constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ull;

struct DropoutLowering : OpConversionPattern<dl::DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!adaptor.getStep())
      return op.emitOpError()
             << "has no step operand: dl-autodiff supplies it in training "
                "entries, and dropout exists nowhere else";
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type elem = type.getElementType();
    Type i64 = rewriter.getI64Type();
    double rate = op.getRateAttr().getValueAsDouble();
    // The stream of this call: mix64(seed ^ mix64(step + golden)).
    Value step = tensor::ExtractOp::create(rewriter, loc, adaptor.getStep(),
                                           ValueRange{});
    step = arith::FPToUIOp::create(rewriter, loc, i64, step);
    Value golden = arith::ConstantIntOp::create(rewriter, loc, i64, (int64_t)kGolden);
    Value stream = mix64(
        rewriter, loc,
        arith::XOrIOp::create(
            rewriter, loc,
            arith::ConstantIntOp::create(rewriter, loc, i64, op.getSeed()),
            mix64(rewriter, loc, arith::AddIOp::create(rewriter, loc, step, golden))));
    ArrayRef<int64_t> shape = type.getShape();
    Value y = elementwise(
        rewriter, loc, type, {adaptor.getX()},
        [&](OpBuilder &b, Location l, ValueRange args) {
          // Element i (row-major) is kept when the top 24 bits of
          // mix64(stream + i * golden), as a fraction of 2^24, are >= rate.
          Value index = arith::ConstantIndexOp::create(b, l, 0);
          for (size_t d = 0; d < shape.size(); ++d)
            index = add(b, l,
                        mul(b, l, index,
                            arith::ConstantIndexOp::create(b, l, shape[d])),
                        linalg::IndexOp::create(b, l, d));
          Value i = arith::IndexCastUIOp::create(b, l, b.getI64Type(), index);
          Value bits = mix64(
              b, l,
              arith::AddIOp::create(
                  b, l, stream,
                  arith::MulIOp::create(
                      b, l, i,
                      arith::ConstantIntOp::create(b, l, b.getI64Type(),
                                                   (int64_t)kGolden))));
          bits = arith::ShRUIOp::create(
              b, l, bits, arith::ConstantIntOp::create(b, l, b.getI64Type(), 40));
          Value u = arith::UIToFPOp::create(b, l, b.getF32Type(), bits);
          Value keep = arith::CmpFOp::create(
              b, l, arith::CmpFPredicate::OGE, u,
              scalar(b, l, b.getF32Type(), std::ceil(rate * 16777216.0)));
          Value scaled = mul(b, l, args[0], scalar(b, l, elem, 1 / (1 - rate)));
          return arith::SelectOp::create(b, l, keep, scaled,
                                         scalar(b, l, elem, 0))
              .getResult();
        });
    rewriter.replaceOp(op, y);
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
               OneHotLowering, GatherLowering, DropoutLowering>(patterns.getContext());
}
