//===- Matmul.cpp - dl.matmul and dl.transpose to linalg ------------------===//
//
// 2-D products become linalg.matmul, batched ones linalg.batch_matmul, and a
// 3-D x 2-D product a matmul on the collapsed batch; transposes become
// linalg.transpose.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/DLToLinalg/Utils.h"
#include "dialects/DL/IR/DLOps.h"

using namespace mlir;
using namespace dlc::lowering;

namespace {

struct MatmulLowering : OpConversionPattern<dl::MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    RankedTensorType a = tensorType(lhs), b = tensorType(rhs);
    RankedTensorType resultType = op.getType();
    if (a.getRank() == 2) {
      Value init = filledTensor(rewriter, loc, resultType, 0);
      rewriter.replaceOp(op, linalg::MatmulOp::create(
                                 rewriter, loc, TypeRange{resultType},
                                 ValueRange{lhs, rhs}, ValueRange{init})
                                 .getResult(0));
      return success();
    }
    if (b.getRank() == 3) {
      Value init = filledTensor(rewriter, loc, resultType, 0);
      rewriter.replaceOp(op, linalg::BatchMatmulOp::create(
                                 rewriter, loc, TypeRange{resultType},
                                 ValueRange{lhs, rhs}, ValueRange{init})
                                 .getResult(0));
      return success();
    }
    // [B, M, K] x [K, N]: one [B*M, K] x [K, N] product.
    int64_t batch = a.getDimSize(0), m = a.getDimSize(1), k = a.getDimSize(2),
            n = b.getDimSize(1);
    Type elem = a.getElementType();
    Value flat = reshape(rewriter, loc, lhs,
                         RankedTensorType::get({batch * m, k}, elem));
    auto flatResult = RankedTensorType::get({batch * m, n}, elem);
    Value init = filledTensor(rewriter, loc, flatResult, 0);
    Value product = linalg::MatmulOp::create(rewriter, loc,
                                             TypeRange{flatResult},
                                             ValueRange{flat, rhs},
                                             ValueRange{init})
                        .getResult(0);
    rewriter.replaceOp(op, reshape(rewriter, loc, product, resultType));
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<dl::TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), adaptor.getX(),
                                     op.getPerm()));
    return success();
  }
};

} // namespace

void dlc::populateMatmulToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MatmulLowering, TransposeLowering>(patterns.getContext());
}
