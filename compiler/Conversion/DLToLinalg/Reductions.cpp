//===- Reductions.cpp - reductions and softmax to linalg ------------------===//
//
// sum, mean and max over axes (keepdims by a reshape), and the numerically
// stable softmax and log_softmax: the maximum along the axis is subtracted
// before exponentiating.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/DLToLinalg/Utils.h"
#include "dialects/DL/IR/DLOps.h"

using namespace mlir;
using namespace dlc::lowering;

namespace {

template <typename OpT>
struct ReduceLowering : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    RankedTensorType type = tensorType(x);
    SmallVector<int64_t> axes;
    if (auto given = op.getAxes())
      axes.assign(given->begin(), given->end());
    else
      axes = allAxes(type.getRank());
    llvm::sort(axes);
    bool isMax = std::is_same_v<OpT, dl::MaxOp>;
    Value result =
        reduce(rewriter, loc, x, axes, isMax ? ReduceKind::Max : ReduceKind::Sum);
    if (std::is_same_v<OpT, dl::MeanOp>) {
      int64_t count = 1;
      for (int64_t axis : axes)
        count *= type.getDimSize(axis);
      result = divideBy(rewriter, loc, result, count);
    }
    rewriter.replaceOp(op, reshape(rewriter, loc, result,
                                   cast<RankedTensorType>(op.getType())));
    return success();
  }
};

template <typename OpT, bool kLog>
struct SoftmaxLowering : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, softmax(rewriter, op.getLoc(), adaptor.getX(),
                                   op.getAxis(), kLog));
    return success();
  }
};

} // namespace

void dlc::populateReductionsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceLowering<dl::SumOp>, ReduceLowering<dl::MeanOp>,
               ReduceLowering<dl::MaxOp>,
               SoftmaxLowering<dl::SoftmaxOp, false>,
               SoftmaxLowering<dl::LogSoftmaxOp, true>>(patterns.getContext());
}
