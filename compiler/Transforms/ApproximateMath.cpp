//===- ApproximateMath.cpp - the dl-approximate-math pass -----------------===//
//
// exp, tanh, log and friends become MLIR's polynomial approximations
// (arith ops only) instead of calls to libm, so the loops that use them
// (sigmoid, tanh, softmax, the LSTM's gates) vectorize; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlc {
#define GEN_PASS_DEF_DLAPPROXIMATEMATH
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

struct DLApproximateMath
    : dlc::impl::DLApproximateMathBase<DLApproximateMath> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) {
          return llvm::is_contained(
              {"math.exp", "math.expm1", "math.tanh", "math.log", "math.log1p",
               "math.log2", "math.erf"}, name);
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     dlc::structuredRewrites())))
      signalPassFailure();
  }
};

} // namespace
