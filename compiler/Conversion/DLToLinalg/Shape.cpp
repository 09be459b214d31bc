//===- Shape.cpp - dl shape ops to tensor ops -----------------------------===//
//
// reshape to collapse/expand_shape, slice to extract_slice, concat to
// insert_slices into one empty tensor.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/DLToLinalg/Utils.h"
#include "dialects/DL/IR/DLOps.h"

using namespace mlir;
using namespace dlc::lowering;

namespace {

struct ReshapeLowering : OpConversionPattern<dl::ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, reshape(rewriter, op.getLoc(), adaptor.getX(), op.getType()));
    return success();
  }
};

struct SliceLowering : OpConversionPattern<dl::SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = tensorType(adaptor.getX());
    SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes, strides(type.getRank(),
                                             rewriter.getIndexAttr(1));
    for (int64_t d : op.getType().getShape())
      sizes.push_back(rewriter.getIndexAttr(d));
    offsets[op.getAxis()] = rewriter.getIndexAttr(op.getStart());
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, op.getType(), adaptor.getX(), offsets, sizes, strides);
    return success();
  }
};

struct ConcatLowering : OpConversionPattern<dl::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value result = emptyTensor(rewriter, loc, type);
    int64_t offset = 0, axis = op.getAxis();
    for (Value input : adaptor.getInputs()) {
      SmallVector<int64_t> offsets(type.getRank(), 0);
      offsets[axis] = offset;
      result = insertAt(rewriter, loc, input, result, offsets);
      offset += tensorType(input).getDimSize(axis);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void dlc::populateShapeToTensorPatterns(RewritePatternSet &patterns) {
  patterns.add<ReshapeLowering, SliceLowering, ConcatLowering>(
      patterns.getContext());
}
