//===- DLToLinalg.h - lowering of dl compute ops to linalg ----------------===//
//
// The pattern sets of convert-dl-to-linalg, one per op family, and the pass.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_CONVERSION_DLTOLINALG_H
#define DLC_CONVERSION_DLTOLINALG_H

#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/DialectConversion.h"

#include <memory>

namespace dlc {

void populateElementwiseToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateMatmulToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateReductionsToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateShapeToTensorPatterns(mlir::RewritePatternSet &patterns);
void populateNNToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateNNGradientsToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateLossesToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateRecurrentToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// All of the above.
void populateDLToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace dlc

#endif // DLC_CONVERSION_DLTOLINALG_H
