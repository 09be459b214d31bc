//===- Losses.cpp - losses and metrics to linalg --------------------------===//
//
// Each loss is an elementwise generic followed by a mean (PyTorch's
// reduction='mean'), in its numerically stable form: log-sum-exp for
// softmax cross-entropy, max(x, 0) - x t + log1p(exp(-|x|)) for BCE with
// logits, logs clamped at -100 for BCE on probabilities.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/DLToLinalg/Utils.h"
#include "dialects/DL/IR/DLOps.h"

using namespace mlir;
using namespace dlc::lowering;

namespace {

template <typename OpT>
Value pointwiseLoss(OpBuilder &b, Location loc, Value p, Value t);

template <>
Value pointwiseLoss<dl::MseOp>(OpBuilder &b, Location loc, Value p, Value t) {
  Value d = sub(b, loc, p, t);
  return mul(b, loc, d, d);
}
template <>
Value pointwiseLoss<dl::BinaryCrossEntropyOp>(OpBuilder &b, Location loc,
                                              Value p, Value t) {
  Type type = p.getType();
  Value one = scalar(b, loc, type, 1), floor = scalar(b, loc, type, -100);
  Value logP = max(b, loc, math::LogOp::create(b, loc, p), floor);
  Value log1mP =
      max(b, loc, math::LogOp::create(b, loc, sub(b, loc, one, p)), floor);
  Value sum = add(b, loc, mul(b, loc, t, logP),
                  mul(b, loc, sub(b, loc, one, t), log1mP));
  return arith::NegFOp::create(b, loc, sum);
}
template <>
Value pointwiseLoss<dl::BceWithLogitsOp>(OpBuilder &b, Location loc, Value x,
                                         Value t) {
  Type type = x.getType();
  Value zero = scalar(b, loc, type, 0);
  Value negAbs = arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, x));
  Value softplus =
      math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, negAbs));
  return add(b, loc, sub(b, loc, max(b, loc, x, zero), mul(b, loc, x, t)),
             softplus);
}

template <typename OpT>
struct PointwiseLossLowering : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value pred = adaptor.getPred();
    Value terms = elementwise(rewriter, loc, tensorType(pred),
                              {pred, adaptor.getTarget()},
                              [](OpBuilder &b, Location l, ValueRange args) {
                                return pointwiseLoss<OpT>(b, l, args[0],
                                                          args[1]);
                              });
    rewriter.replaceOp(op, meanAll(rewriter, loc, terms));
    return success();
  }
};

struct SoftmaxCrossEntropyLowering
    : OpConversionPattern<dl::SoftmaxCrossEntropyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::SoftmaxCrossEntropyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value logits = adaptor.getLogits(), labels = adaptor.getLabels();
    RankedTensorType type = tensorType(logits);
    Value logProbs = softmax(rewriter, loc, logits, 1, /*log=*/true);
    Value perRow;
    if (isa<FloatType>(tensorType(labels).getElementType())) {
      // Probabilities: -sum_j t_j log p_j per row.
      Value terms = elementwise(rewriter, loc, type, {labels, logProbs},
                                [](OpBuilder &b, Location l, ValueRange args) {
                                  return arith::NegFOp::create(
                                             b, l, mul(b, l, args[0], args[1]))
                                      .getResult();
                                });
      perRow = reduce(rewriter, loc, terms, {1}, ReduceKind::Sum);
    } else {
      // Class ids: -log p[label] per row (ids are checked by the runtime;
      // the clamp keeps reads in bounds).
      int64_t classes = type.getDimSize(1);
      auto rowType = RankedTensorType::get({type.getDimSize(0)},
                                           type.getElementType());
      perRow = elementwise(
          rewriter, loc, rowType, {labels},
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value row = linalg::IndexOp::create(b, l, 0);
            Value id =
                arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
            id = arith::MinSIOp::create(
                b, l,
                arith::MaxSIOp::create(b, l, id,
                                       arith::ConstantIndexOp::create(b, l, 0)),
                arith::ConstantIndexOp::create(b, l, classes - 1));
            Value lp =
                tensor::ExtractOp::create(b, l, logProbs, ValueRange{row, id});
            return arith::NegFOp::create(b, l, lp).getResult();
          });
    }
    rewriter.replaceOp(op, meanAll(rewriter, loc, perRow));
    return success();
  }
};

struct L2Lowering : OpConversionPattern<dl::L2Op> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::L2Op op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value total;
    for (Value input : adaptor.getInputs()) {
      RankedTensorType type = tensorType(input);
      Value squares = elementwise(rewriter, loc, type, {input},
                                  [](OpBuilder &b, Location l, ValueRange args) {
                                    return mul(b, l, args[0], args[0]);
                                  });
      Value sum = reduce(rewriter, loc, squares, allAxes(type.getRank()),
                         ReduceKind::Sum);
      total = total ? elementwise(rewriter, loc, tensorType(sum), {total, sum},
                                  [](OpBuilder &b, Location l, ValueRange args) {
                                    return add(b, l, args[0], args[1]);
                                  })
                    : sum;
    }
    rewriter.replaceOp(op,
                       elementwise(rewriter, loc, tensorType(total), {total},
                                   [](OpBuilder &b, Location l, ValueRange args) {
                                     return mul(b, l, args[0],
                                                scalar(b, l, args[0].getType(),
                                                       0.5));
                                   }));
    return success();
  }
};

struct AccuracyLowering : OpConversionPattern<dl::AccuracyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::AccuracyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value logits = adaptor.getLogits();
    RankedTensorType type = tensorType(logits);
    int64_t rows = type.getDimSize(0), classes = type.getDimSize(1);
    Value maxima = reduce(rewriter, loc, logits, {1}, ReduceKind::Max);
    // The first column that reaches the row maximum (ties: lowest index).
    Type i32 = rewriter.getI32Type();
    auto rowIds = RankedTensorType::get({rows}, i32);
    Value init = linalg::FillOp::create(rewriter, loc,
                                        scalar(rewriter, loc, i32, classes),
                                        emptyTensor(rewriter, loc, rowIds))
                     .getResult(0);
    AffineExpr d0 = getAffineDimExpr(0, ctx);
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(2),
                                   AffineMap::get(2, 0, {d0}, ctx),
                                   AffineMap::get(2, 0, {d0}, ctx)};
    auto argmax = linalg::GenericOp::create(
        rewriter, loc, TypeRange{rowIds}, ValueRange{logits, maxima},
        ValueRange{init}, maps,
        {utils::IteratorType::parallel, utils::IteratorType::reduction},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value j = arith::IndexCastOp::create(b, l, i32,
                                               linalg::IndexOp::create(b, l, 1));
          Value hit = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                            args[0], args[1]);
          Value best = arith::MinSIOp::create(b, l, args[2], j);
          linalg::YieldOp::create(
              b, l, arith::SelectOp::create(b, l, hit, best, args[2]).getResult());
        });
    auto hitsType = RankedTensorType::get({rows}, type.getElementType());
    Value hits = elementwise(
        rewriter, loc, hitsType, {argmax.getResult(0), adaptor.getLabels()},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value same =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, args[0], args[1]);
          Type elem = hitsType.getElementType();
          return arith::SelectOp::create(b, l, same, scalar(b, l, elem, 1),
                                         scalar(b, l, elem, 0))
              .getResult();
        });
    rewriter.replaceOp(op, meanAll(rewriter, loc, hits));
    return success();
  }
};

} // namespace

void dlc::populateLossesToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<PointwiseLossLowering<dl::MseOp>,
               PointwiseLossLowering<dl::BinaryCrossEntropyOp>,
               PointwiseLossLowering<dl::BceWithLogitsOp>,
               SoftmaxCrossEntropyLowering, L2Lowering, AccuracyLowering>(
      patterns.getContext());
}
