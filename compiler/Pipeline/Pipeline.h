//===- Pipeline.h - the named pipelines dlc runs --------------------------===//
//
// From the dl dialect to linalg on tensors, and from there to the LLVM
// dialect, as textual pass pipelines so `dl-opt` can run the same thing.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_PIPELINE_PIPELINE_H
#define DLC_PIPELINE_PIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace dlc {

/// The pipelines are lists of module passes, as dl-opt takes them in
/// --pass-pipeline='builtin.module(...)'.
/// dl-autodiff, then CSE and canonicalization of the result; when `fuse`,
/// training entries get a fused step (ENTRY_fused) where it pays and
/// products by a large transposed matrix are rewritten (dl-simplify).
std::string autodiffPipeline(bool fuse);
/// dl -> linalg/tensor with the library's calling convention.
std::string toLinalgPipeline();
/// linalg on tensors -> LLVM dialect: elementwise fusion when `fuse`,
/// register tiling and vectorization for `vectorWidth` f32 lanes (none when
/// 0), bufferization, the memory plan, loops, LLVM.
std::string toLLVMPipeline(int64_t vectorWidth, bool fuse);

/// Registers every pass the pipelines use (dlc and dl-opt call it).
void registerPipelinePasses();

/// How dlc runs a pipeline. The IR is verified once, after the last pass,
/// unless `verifyEach` (after every pass, as dl-opt does): verification
/// took about a third of the lowering's time.
struct RunOptions {
  bool timing = false; ///< MLIR's pass timing, printed to stderr
  bool verifyEach = false;
};

/// Runs `pipeline` on `module`.
mlir::LogicalResult runPipeline(mlir::ModuleOp module, llvm::StringRef pipeline,
                                const RunOptions &options);

/// Runs `pipeline` on every function of `module` that has a body, each in
/// a module of its own, in parallel on the context's threads: the lowering
/// has passes that see the whole module (one-shot bufferization, the
/// memory plan), which two threads cannot share. Every part holds copies
/// of the module's attributes and of its symbols that are not functions
/// with a body. When a function refers to another with a body, the whole
/// module is one part. Returns the lowered parts, in the order of their
/// functions in `module` (left unchanged); none when a part fails.
mlir::FailureOr<llvm::SmallVector<mlir::OwningOpRef<mlir::ModuleOp>>>
runPipelineOnFunctions(mlir::ModuleOp module, llvm::StringRef pipeline,
                       const RunOptions &options);

} // namespace dlc

#endif // DLC_PIPELINE_PIPELINE_H
