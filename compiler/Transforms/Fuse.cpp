//===- Fuse.cpp - the dl-fuse-elementwise pass ----------------------------===//
//
// Elementwise fusion on tensors without recomputation; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlc {
#define GEN_PASS_DEF_DLFUSEELEMENTWISE
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {
struct DLFuseElementwise
    : dlc::impl::DLFuseElementwiseBase<DLFuseElementwise> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Only a producer whose result has this one use is fused: fusing one
    // with other uses would compute it again in every consumer, which along
    // a recurrence (an LSTM's cell state feeds the next step and the
    // output) multiplies the work with every step.
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *operand) {
          Operation *producer = operand->get().getDefiningOp();
          return producer && producer->hasOneUse();
        });
    linalg::FillOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
