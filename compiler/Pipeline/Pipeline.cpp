//===- Pipeline.cpp - the named pipelines dlc runs ------------------------===//
//
// The lowering is upstream MLIR from linalg on, each entry in a module of
// its own and the entries in parallel: one-shot bufferization of
// whole functions (identity layouts at the boundaries, so entry arguments
// are plain pointers), ownership-based deallocation, loops, then the
// conversions to the LLVM dialect with the bare-pointer calling convention,
// those that work inside one function run on all functions in parallel.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipeline/Pipeline.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/Threading.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/Timing.h"

#include "llvm/Support/Format.h"

#include <chrono>

using namespace mlir;

std::string dlc::autodiffPipeline(bool fuse) {
  return std::string("dl-pool-early,dl-autodiff") +
         (fuse ? "" : "{fuse-step-limit=0}") + ",dl-simplify" +
         (fuse ? "" : "{transposed-products=false}");
}

/// Canonicalization of structured IR (no CFG until the last conversions):
/// no region simplification, as in dlc::structuredRewrites.
static const char kCanonicalize[] = "canonicalize{region-simplify=disabled},";

std::string dlc::toLinalgPipeline() {
  return std::string("convert-dl-to-linalg,dl-lower-variables,") +
         kCanonicalize + "cse";
}

std::string dlc::toLLVMPipeline(int64_t vectorWidth, bool fuse) {
  // At -O1 and above, loops become parallel where they can and the large
  // ones run on the runtime's threads (dl-parallelize).
  std::string tiling, vectors, loops = "convert-linalg-to-loops,";
  if (fuse)
    tiling = std::string("dl-fuse-elementwise,") + kCanonicalize + "cse,";
  if (vectorWidth > 0) {
    std::string lanes = "vector-width=" + std::to_string(vectorWidth);
    std::string width = "{" + lanes + "}";
    // (--no-fuse: no epilogues in the products either.)
    tiling += "dl-tile-and-vectorize{" + lanes +
              (fuse ? "" : " fuse-epilogues=false") + "}," + kCanonicalize +
              "cse,";
    vectors = "dl-vectorize-elementwise" + width + ",dl-lower-vectors" + width +
              "," + kCanonicalize;
    // (vectorWidth 16: AVX-512, whose divider takes about 10 cycles per
    // vector of 16 floats, and which scales by 2^k in one instruction.)
    loops = std::string("dl-approximate-math") +
            (vectorWidth == 16 ? "{avx512=true}" : "") +
            ",convert-linalg-to-parallel-loops,"
            "scf-forall-to-parallel,dl-parallelize,";
  }
  return tiling +
         "dl-untie-inits,dl-eliminate-empty-tensors,"
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

/// A pass manager for `pipeline` that verifies after every pass only when
/// asked; null when the pipeline does not parse.
static std::unique_ptr<PassManager>
makePassManager(MLIRContext *context, StringRef pipeline,
                const dlc::RunOptions &options) {
  auto pm = std::make_unique<PassManager>(context);
  pm->enableVerifier(options.verifyEach);
  if (failed(parsePassPipeline(pipeline, *pm)))
    return nullptr;
  return pm;
}

/// Runs `pm` on `module`, then verifies the result once unless every pass
/// was verified.
static LogicalResult runAndVerify(PassManager &pm, ModuleOp module,
                                  const dlc::RunOptions &options) {
  if (failed(pm.run(module)))
    return failure();
  return options.verifyEach ? success() : verify(module);
}

LogicalResult dlc::runPipeline(ModuleOp module, StringRef pipeline,
                               const RunOptions &options) {
  registerPipelinePasses();
  std::unique_ptr<PassManager> pm =
      makePassManager(module->getContext(), pipeline, options);
  if (!pm)
    return failure();
  DefaultTimingManager tm;
  TimingScope scope;
  if (options.timing) {
    tm.setEnabled(true);
    scope = tm.getRootScope();
    pm->enableTiming(scope);
  }
  return runAndVerify(*pm, module, options);
}

/// Whether no function of `module` refers to another function with a body
/// (the entries do not call each other: the glue calls them).
static bool functionsIndependent(ModuleOp module) {
  for (auto fn : module.getOps<func::FuncOp>()) {
    std::optional<SymbolTable::UseRange> uses = SymbolTable::getSymbolUses(fn);
    if (!uses)
      return false;
    for (const SymbolTable::SymbolUse &use : *uses) {
      auto callee = dyn_cast_or_null<func::FuncOp>(
          SymbolTable::lookupSymbolIn(module, use.getSymbolRef()));
      if (callee && !callee.isExternal())
        return false;
    }
  }
  return true;
}

FailureOr<SmallVector<OwningOpRef<ModuleOp>>>
dlc::runPipelineOnFunctions(ModuleOp module, StringRef pipeline,
                            const RunOptions &options) {
  registerPipelinePasses();
  MLIRContext *context = module->getContext();
  SmallVector<func::FuncOp> bodies;
  for (auto fn : module.getOps<func::FuncOp>())
    if (!fn.isExternal())
      bodies.push_back(fn);
  bool split = bodies.size() > 1 && functionsIndependent(module);
  SmallVector<OwningOpRef<ModuleOp>> parts;
  SmallVector<size_t> sizes;
  for (size_t i = 0, e = split ? bodies.size() : 1; i < e; ++i) {
    OwningOpRef<ModuleOp> part =
        ModuleOp::create(module.getLoc(), module.getName());
    (*part)->setAttrs(module->getAttrDictionary());
    OpBuilder builder = OpBuilder::atBlockEnd(part->getBody());
    size_t size = 0;
    for (Operation &op : module.getBody()->getOperations()) {
      auto fn = dyn_cast<func::FuncOp>(&op);
      if (split && fn && !fn.isExternal() && fn != bodies[i])
        continue;
      builder.clone(op);
      op.walk([&](Operation *) { ++size; });
    }
    parts.push_back(std::move(part));
    sizes.push_back(size);
  }
  SmallVector<std::unique_ptr<PassManager>> managers;
  for (size_t i = 0; i < parts.size(); ++i) {
    managers.push_back(makePassManager(context, pipeline, options));
    if (!managers.back())
      return failure();
  }
  // The dialects the passes create ops of are loaded here: no dialect may
  // be loaded while the parts run.
  DialectRegistry dialects;
  managers.front()->getDependentDialects(dialects);
  context->appendDialectRegistry(dialects);
  for (StringRef name : dialects.getDialectNames())
    context->getOrLoadDialect(name);
  // With timing, one report per part, in the order of the functions.
  SmallVector<std::unique_ptr<DefaultTimingManager>> timers(parts.size());
  SmallVector<TimingScope> scopes(parts.size());
  // The largest parts start first, so the threads finish together.
  SmallVector<size_t> order =
      llvm::to_vector(llvm::seq<size_t>(0, parts.size()));
  // (Equal sizes keep their order: a total order, where std::stable_sort
  // draws a deprecation warning from libstdc++ 12 under clang 22.)
  llvm::sort(order, [&](size_t a, size_t b) {
    return sizes[a] != sizes[b] ? sizes[a] > sizes[b] : a < b;
  });
  auto start = std::chrono::steady_clock::now();
  if (failed(failableParallelForEach(context, order, [&](size_t i) {
        if (options.timing) {
          timers[i] = std::make_unique<DefaultTimingManager>();
          timers[i]->setEnabled(true);
          scopes[i] = timers[i]->getRootScope();
          managers[i]->enableTiming(scopes[i]);
        }
        LogicalResult result = runAndVerify(*managers[i], *parts[i], options);
        scopes[i].stop();
        return result;
      })))
    return failure();
  if (options.timing) {
    for (size_t i = 0; i < parts.size(); ++i) {
      llvm::errs() << "dlc: lowering of "
                   << (parts.size() == bodies.size() ? bodies[i].getSymName()
                                                     : StringRef("the module"))
                   << ":\n";
      timers[i]->print();
      timers[i]->setEnabled(false);
    }
    std::string step = parts.size() == 1
                           ? "lowering"
                           : "lowering (" + std::to_string(parts.size()) +
                                 " parts in parallel)";
    llvm::errs() << llvm::format(
        "dlc: %-36s %.4f s\n", step.c_str(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count());
  }
  return parts;
}
