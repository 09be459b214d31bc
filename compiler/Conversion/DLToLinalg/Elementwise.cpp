//===- Elementwise.cpp - dl elementwise ops to linalg.generic -------------===//
//
// Constants, unary and binary elementwise ops (with NumPy broadcasting in
// the indexing maps), broadcast_to and the gradient-free identities.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/DLToLinalg/Utils.h"
#include "dialects/DL/IR/DLOps.h"

#include <cmath>

using namespace mlir;
using namespace dlc::lowering;

namespace {

struct ConstantLowering : OpConversionPattern<dl::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto value = dyn_cast<TypedAttr>(op.getValue());
    if (!value)
      return rewriter.notifyMatchFailure(op, "value is not a typed attribute");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, value);
    return success();
  }
};

/// The scalar computation of one unary op.
template <typename OpT>
Value unaryBody(OpBuilder &b, Location loc, OpT op, Value x);

template <>
Value unaryBody(OpBuilder &b, Location loc, dl::NegOp, Value x) {
  if (isa<FloatType>(x.getType()))
    return arith::NegFOp::create(b, loc, x);
  return sub(b, loc, scalar(b, loc, x.getType(), 0), x);
}
template <>
Value unaryBody(OpBuilder &b, Location loc, dl::ReluOp, Value x) {
  return max(b, loc, x, scalar(b, loc, x.getType(), 0));
}
template <>
Value unaryBody(OpBuilder &b, Location loc, dl::LeakyReluOp op, Value x) {
  return leakyRelu(b, loc, x, op.getAlphaAttr().getValueAsDouble());
}
template <>
Value unaryBody(OpBuilder &b, Location loc, dl::StepOp, Value x) {
  Value zero = scalar(b, loc, x.getType(), 0);
  Value positive =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, zero);
  return arith::SelectOp::create(b, loc, positive,
                                 scalar(b, loc, x.getType(), 1), zero);
}
template <>
Value unaryBody(OpBuilder &b, Location loc, dl::SigmoidOp, Value x) {
  return sigmoid(b, loc, x);
}
template <>
Value unaryBody(OpBuilder &b, Location loc, dl::TanhOp, Value x) {
  return math::TanhOp::create(b, loc, x);
}
template <>
Value unaryBody(OpBuilder &b, Location loc, dl::ExpOp, Value x) {
  return math::ExpOp::create(b, loc, x);
}
template <>
Value unaryBody(OpBuilder &b, Location loc, dl::LogOp, Value x) {
  return math::LogOp::create(b, loc, x);
}
template <>
Value unaryBody(OpBuilder &b, Location loc, dl::SqrtOp, Value x) {
  return math::SqrtOp::create(b, loc, x);
}
template <>
Value unaryBody(OpBuilder &b, Location loc, dl::AbsOp, Value x) {
  return math::AbsFOp::create(b, loc, x);
}
template <>
Value unaryBody(OpBuilder &b, Location loc, dl::SquareOp, Value x) {
  return mul(b, loc, x, x);
}
template <>
Value unaryBody(OpBuilder &b, Location loc, dl::GeluOp, Value x) {
  // x * 0.5 * (1 + erf(x / sqrt(2))), PyTorch's exact form.
  Value half = scalar(b, loc, x.getType(), 0.5);
  Value one = scalar(b, loc, x.getType(), 1);
  Value invSqrt2 = scalar(b, loc, x.getType(), M_SQRT1_2);
  Value erf = math::ErfOp::create(b, loc, mul(b, loc, x, invSqrt2));
  return mul(b, loc, mul(b, loc, x, half), add(b, loc, one, erf));
}
template <>
Value unaryBody(OpBuilder &b, Location loc, dl::GeluDerivativeOp, Value x) {
  // Phi(x) + x phi(x) = 0.5 (1 + erf(x / sqrt(2))) + x exp(-x^2 / 2) / sqrt(2 pi)
  Type t = x.getType();
  Value cdf = mul(b, loc, scalar(b, loc, t, 0.5),
                  add(b, loc, scalar(b, loc, t, 1),
                      math::ErfOp::create(
                          b, loc, mul(b, loc, x, scalar(b, loc, t, M_SQRT1_2)))));
  Value pdf = mul(b, loc, scalar(b, loc, t, 0.5 * M_2_SQRTPI * M_SQRT1_2),
                  math::ExpOp::create(b, loc,
                                      mul(b, loc, scalar(b, loc, t, -0.5),
                                          mul(b, loc, x, x))));
  return add(b, loc, cdf, mul(b, loc, x, pdf));
}
template <>
Value unaryBody(OpBuilder &b, Location loc, dl::ClipOp op, Value x) {
  Value lo = scalar(b, loc, x.getType(), op.getLoAttr().getValueAsDouble());
  Value hi = scalar(b, loc, x.getType(), op.getHiAttr().getValueAsDouble());
  return min(b, loc, max(b, loc, x, lo), hi);
}

template <typename OpT>
struct UnaryLowering : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value result = elementwise(
        rewriter, op.getLoc(), cast<RankedTensorType>(op.getType()),
        {adaptor.getX()}, [&](OpBuilder &b, Location loc, ValueRange args) {
          return unaryBody(b, loc, op, args[0]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

template <typename OpT>
Value binaryBody(OpBuilder &b, Location loc, Value x, Value y);
template <>
Value binaryBody<dl::AddOp>(OpBuilder &b, Location loc, Value x, Value y) {
  return add(b, loc, x, y);
}
template <>
Value binaryBody<dl::SubOp>(OpBuilder &b, Location loc, Value x, Value y) {
  return sub(b, loc, x, y);
}
template <>
Value binaryBody<dl::MulOp>(OpBuilder &b, Location loc, Value x, Value y) {
  return mul(b, loc, x, y);
}
template <>
Value binaryBody<dl::DivOp>(OpBuilder &b, Location loc, Value x, Value y) {
  return div(b, loc, x, y);
}
template <>
Value binaryBody<dl::MaximumOp>(OpBuilder &b, Location loc, Value x, Value y) {
  return max(b, loc, x, y);
}
template <>
Value binaryBody<dl::MinimumOp>(OpBuilder &b, Location loc, Value x, Value y) {
  return min(b, loc, x, y);
}
template <>
Value binaryBody<dl::PowOp>(OpBuilder &b, Location loc, Value x, Value y) {
  return math::PowFOp::create(b, loc, x, y);
}

template <typename OpT>
struct BinaryLowering : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (std::is_same_v<OpT, dl::PowOp> &&
        !isa<FloatType>(getElementTypeOrSelf(op.getType())))
      return rewriter.notifyMatchFailure(op, "pow of integers");
    Value result = elementwise(
        rewriter, op.getLoc(), cast<RankedTensorType>(op.getType()),
        {adaptor.getLhs(), adaptor.getRhs()},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return binaryBody<OpT>(b, loc, args[0], args[1]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct BroadcastToLowering : OpConversionPattern<dl::BroadcastToOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::BroadcastToOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, elementwise(rewriter, op.getLoc(), op.getType(),
                                       {adaptor.getX()},
                                       [](OpBuilder &, Location,
                                          ValueRange args) { return args[0]; }));
    return success();
  }
};

/// stop_gradient is the identity in the forward computation.
struct StopGradientLowering : OpConversionPattern<dl::StopGradientOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::StopGradientOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getX());
    return success();
  }
};

template <typename OpT, int kValue>
struct FillLikeLowering : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, filledTensor(rewriter, op.getLoc(),
                                        cast<RankedTensorType>(op.getType()),
                                        kValue));
    return success();
  }
};

} // namespace

void dlc::populateElementwiseToLinalgPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ConstantLowering, UnaryLowering<dl::NegOp>,
               UnaryLowering<dl::ReluOp>, UnaryLowering<dl::LeakyReluOp>,
               UnaryLowering<dl::StepOp>, UnaryLowering<dl::SigmoidOp>, UnaryLowering<dl::TanhOp>,
               UnaryLowering<dl::ExpOp>, UnaryLowering<dl::LogOp>,
               UnaryLowering<dl::SqrtOp>, UnaryLowering<dl::AbsOp>,
               UnaryLowering<dl::SquareOp>, UnaryLowering<dl::GeluOp>,
               UnaryLowering<dl::GeluDerivativeOp>,
               UnaryLowering<dl::ClipOp>, BinaryLowering<dl::AddOp>,
               BinaryLowering<dl::SubOp>, BinaryLowering<dl::MulOp>,
               BinaryLowering<dl::DivOp>, BinaryLowering<dl::MaximumOp>,
               BinaryLowering<dl::MinimumOp>, BinaryLowering<dl::PowOp>,
               BroadcastToLowering, StopGradientLowering,
               FillLikeLowering<dl::ZerosLikeOp, 0>,
               FillLikeLowering<dl::OnesLikeOp, 1>>(ctx);
}
