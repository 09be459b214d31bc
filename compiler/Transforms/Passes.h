//===- Passes.h - the passes of dlc ---------------------------------------===//
//
// Declarations generated from Passes.td, and registration for dl-opt.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TRANSFORMS_PASSES_H
#define DLC_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class GreedyRewriteConfig;
namespace affine { class AffineDialect; }
namespace arith { class ArithDialect; }
namespace bufferization { class BufferizationDialect; }
namespace func { class FuncDialect; }
namespace linalg { class LinalgDialect; }
namespace LLVM { class LLVMDialect; }
namespace math { class MathDialect; }
namespace memref { class MemRefDialect; }
namespace scf { class SCFDialect; }
namespace vector { class VectorDialect; }
namespace tensor { class TensorDialect; }
} // namespace mlir

namespace dlc {

#define GEN_PASS_DECL
#include "compiler/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/Transforms/Passes.h.inc"

/// How dlc's passes run their greedy rewrites: folding and dead code
/// removal as usual, but without the driver's region simplification
/// (unreachable blocks, block merging, region-wide dead code after every
/// round). dlc's IR is structured until the last conversions to LLVM, so
/// there is nothing for it to find (4 % of LeNet's lowering went to it).
mlir::GreedyRewriteConfig structuredRewrites();

/// Products x @ transpose(w) of at most kDotRows rows with rows of at
/// least kDotDepth elements, a multiple of kDotDepthMultiple (two AVX2
/// vectors, one AVX-512 vector), run as dot products along the rows
/// (dl-simplify writes them as sum(reshape(x, [M, 1, K]) * w, axis = 2);
/// dl-tile-and-vectorize sums them so).
constexpr int64_t kDotRows = 4;
constexpr int64_t kDotDepth = 256;
constexpr int64_t kDotDepthMultiple = 16;

/// The unit attribute that dl-tile-and-vectorize sets on an entry that
/// streams a matrix larger than L2 by rows in every call; dl-parallelize
/// then hands its loops to the runtime's dlrt_parallel_alternating, which
/// runs them last-first on every other call (docs/abi.md).
constexpr llvm::StringLiteral kAlternateLoops = "dl.alternate_loops";

} // namespace dlc

#endif // DLC_TRANSFORMS_PASSES_H
