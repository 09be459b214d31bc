//===- Pipeline.cpp - the named pipelines dlc runs ------------------------===//
//
// The lowering is upstream MLIR from linalg on: one-shot bufferization of
// whole functions (identity layouts at the boundaries, so entry arguments
// are plain pointers), ownership-based deallocation, loops, then the
// conversions to the LLVM dialect with the bare-pointer calling convention,
// those that work inside one function run on all functions in parallel.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipeline/Pipeline.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/Timing.h"

using namespace mlir;

std::string dlc::autodiffPipeline() { return "dl-autodiff,dl-simplify"; }

std::string dlc::toLinalgPipeline() {
  return "convert-dl-to-linalg,dl-lower-variables,canonicalize,cse";
}

std::string dlc::toLLVMPipeline(int64_t vectorWidth, bool fuse) {
  // At -O1 and above, loops become parallel where they can and the large
  // ones run on the runtime's threads (dl-parallelize).
  std::string tiling, vectors, loops = "convert-linalg-to-loops,";
  if (fuse)
    tiling = "dl-fuse-elementwise,canonicalize,cse,";
  if (vectorWidth > 0) {
    std::string width = "{vector-width=" + std::to_string(vectorWidth) + "}";
    tiling += "dl-tile-and-vectorize" + width + ",canonicalize,cse,";
    vectors = "dl-vectorize-elementwise" + width + ",dl-lower-vectors" + width +
              ",canonicalize,";
    loops = "dl-approximate-math,convert-linalg-to-parallel-loops,"
            "scf-forall-to-parallel,dl-parallelize,";
  }
  return tiling +
         "dl-untie-inits,eliminate-empty-tensors,"
         "one-shot-bufferize{bufferize-function-boundaries "
         "function-boundary-type-conversion=identity-layout-map},"
         "buffer-deallocation-pipeline,dl-lower-copies,dl-plan-memory," +
         vectors + loops +
         // The conversions that work inside a function run on the
         // functions in parallel (MLIR's threads): after dl-parallelize,
         // every loop of an entry is a function of its own.
         "func.func(convert-vector-to-scf{full-unroll=true},"
         "convert-scf-to-cf,expand-strided-metadata,lower-affine,"
         "convert-vector-to-llvm,convert-ub-to-llvm),"
         "finalize-memref-to-llvm,func.func(convert-math-to-llvm),"
         "convert-math-to-libm,func.func(convert-arith-to-llvm),"
         "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},"
         "convert-cf-to-llvm,reconcile-unrealized-casts";
}

void dlc::registerPipelinePasses() {
  static bool registered = [] {
    registerAllPasses();
    registerDLCPasses();
    return true;
  }();
  (void)registered;
}

LogicalResult dlc::runPipeline(ModuleOp module, StringRef pipeline,
                               bool timing) {
  registerPipelinePasses();
  PassManager pm(module->getContext());
  if (failed(parsePassPipeline(pipeline, pm)))
    return failure();
  DefaultTimingManager tm;
  TimingScope scope;
  if (timing) {
    tm.setEnabled(true);
    scope = tm.getRootScope();
    pm.enableTiming(scope);
  }
  return pm.run(module);
}
