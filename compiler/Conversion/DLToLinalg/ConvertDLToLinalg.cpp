//===- ConvertDLToLinalg.cpp - the convert-dl-to-linalg pass --------------===//
//
// Applies the pattern sets of every op family. dl ops that stay (variables)
// are the business of dl-lower-variables; any other dl op left over is an
// internal error, reported at its location.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/DL/IR/DLOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace dlc {
#define GEN_PASS_DEF_CONVERTDLTOLINALG
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

void dlc::populateDLToLinalgPatterns(RewritePatternSet &patterns) {
  populateElementwiseToLinalgPatterns(patterns);
  populateMatmulToLinalgPatterns(patterns);
  populateReductionsToLinalgPatterns(patterns);
  populateShapeToTensorPatterns(patterns);
  populateNNToLinalgPatterns(patterns);
  populateNNGradientsToLinalgPatterns(patterns);
  populateLossesToLinalgPatterns(patterns);
  populateRecurrentToLinalgPatterns(patterns);
}

namespace {
struct ConvertDLToLinalg
    : dlc::impl::ConvertDLToLinalgBase<ConvertDLToLinalg> {
  void runOnOperation() override {
    ConversionTarget target(getContext());
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect,
                           func::FuncDialect, bufferization::BufferizationDialect,
                           memref::MemRefDialect, scf::SCFDialect>();
    target.addIllegalDialect<dl::DLDialect>();
    target.addLegalOp<dl::ParamOp, dl::StateOp, dl::LoadOp, dl::AssignOp>();
    RewritePatternSet patterns(&getContext());
    dlc::populateDLToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
