//===- Rewrites.cpp - how dlc's passes run greedy rewrites ----------------===//
//
// See Passes.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

mlir::GreedyRewriteConfig dlc::structuredRewrites() {
  return mlir::GreedyRewriteConfig().setRegionSimplificationLevel(
      mlir::GreedySimplifyRegionLevel::Disabled);
}
