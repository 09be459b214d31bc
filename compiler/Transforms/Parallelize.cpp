//===- Parallelize.cpp - the dl-parallelize pass --------------------------===//
//
// Large parallel loops of an entry become tasks for the runtime's thread
// pool: the loop moves into a function that runs a share [lo, hi) of its
// iterations, the values it reads are packed in a struct on the entry's
// stack, and the loop becomes a call to dlrt_parallel; see Passes.td.
//
// Outlining happens on memrefs, before the LLVM conversion: each captured
// value crosses the context struct as the LLVM type its conversion will
// have (a memref as its descriptor), joined to the memref world by
// unrealized casts that reconcile-unrealized-casts removes at the end.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace dlc {
#define GEN_PASS_DEF_DLPARALLELIZE
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

constexpr StringLiteral kRuntimeParallel = "dlrt_parallel";

/// Iterations of a loop from `lb` to `ub` by `step` when all are constants.
std::optional<int64_t> tripCount(Value lb, Value ub, Value step) {
  std::optional<int64_t> l = getConstantIntValue(lb), u = getConstantIntValue(ub),
                         s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return std::nullopt;
  return *u > *l ? (*u - *l + *s - 1) / *s : 0;
}

/// Static iterations of every dimension of `loop`, or none.
std::optional<SmallVector<int64_t>> tripCounts(scf::ParallelOp loop) {
  SmallVector<int64_t> trips;
  for (unsigned d = 0; d < loop.getNumLoops(); ++d) {
    std::optional<int64_t> n = tripCount(
        loop.getLowerBound()[d], loop.getUpperBound()[d], loop.getStep()[d]);
    if (!n)
      return std::nullopt;
    trips.push_back(*n);
  }
  return trips;
}

/// Estimated operations of one execution of `region`: one per op, a loop's
/// body times its static iterations (8 when they are not static).
int64_t work(Region &region) {
  int64_t total = 0;
  for (Operation &op : region.getOps()) {
    int64_t inner = 0;
    for (Region &r : op.getRegions())
      inner += work(r);
    int64_t times = 1;
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      times = tripCount(loop.getLowerBound(), loop.getUpperBound(),
                        loop.getStep())
                  .value_or(8);
    } else if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
      auto trips = tripCounts(loop);
      times = trips ? llvm::product_of(*trips) : 8;
    }
    total += 1 + times * inner;
  }
  return total;
}

/// What all the loops of one entry share, made by the first one outlined:
/// the arena pointer, and one stack slot for the contexts (the loops run
/// one after the other, so the largest context is all the frame needs).
struct EntryValues {
  Value arena;
  LLVM::AllocaOp context;
};

struct DLParallelize : dlc::impl::DLParallelizeBase<DLParallelize> {
  using DLParallelizeBase::DLParallelizeBase;

  /// The tasks outlined so far, in every entry.
  SmallVector<func::FuncOp> tasks;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    tasks.clear();
    if (!module->hasAttr("dl.arena_bytes")) {
      module.emitError("dl-parallelize needs the instance arena of "
                       "dl-lower-variables: the runtime finds the "
                       "instance's threads from it");
      return signalPassFailure();
    }
    SmallVector<func::FuncOp> entries;
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn->hasAttr("dl.entry") && !fn.isExternal() &&
          fn.getNumArguments() > 0 && isa<MemRefType>(fn.getArgumentTypes()[0]))
        entries.push_back(fn);
    for (func::FuncOp fn : entries) {
      SmallVector<scf::ParallelOp> loops;
      fn.walk([&](scf::ParallelOp loop) {
        if (!loop->getParentOfType<scf::ParallelOp>())
          loops.push_back(loop);
      });
      unsigned counter = 0;
      EntryValues shared;
      for (scf::ParallelOp loop : loops)
        if (std::optional<unsigned> dim = sharedDimension(loop))
          outline(fn, loop, *dim, counter++, shared);
    }
  }

  /// The dimension whose iterations threads share, when the loop is worth
  /// it: the first with two iterations or more (those before it have one).
  std::optional<unsigned> sharedDimension(scf::ParallelOp loop) {
    auto trips = tripCounts(loop);
    if (!trips || loop.getNumReductions() != 0 ||
        llvm::product_of(*trips) * work(loop.getRegion()) < minWork)
      return std::nullopt;
    for (unsigned d = 0; d < trips->size(); ++d)
      if ((*trips)[d] >= 2)
        return d;
    return std::nullopt;
  }

  /// The runtime's `void dlrt_parallel(void *arena, int64_t n,
  /// void (*task)(void *ctx, int64_t lo, int64_t hi), void *ctx)`.
  func::FuncOp runtimeParallel(FunctionType taskType) {
    ModuleOp module = getOperation();
    if (auto fn = module.lookupSymbol<func::FuncOp>(kRuntimeParallel))
      return fn;
    MLIRContext *ctx = &getContext();
    Type ptr = LLVM::LLVMPointerType::get(ctx), i64 = IntegerType::get(ctx, 64);
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto fn = func::FuncOp::create(
        b, module.getLoc(), kRuntimeParallel,
        FunctionType::get(ctx, {ptr, i64, taskType, ptr}, {}));
    fn.setPrivate();
    return fn;
  }

  /// Outlines `loop` into task number `index` of `fn`, with `shared` the
  /// values earlier loops of `fn` made.
  void outline(func::FuncOp fn, scf::ParallelOp loop, unsigned dim,
               unsigned index, EntryValues &shared) {
    MLIRContext *ctx = &getContext();
    Location loc = loop.getLoc();
    Type ptr = LLVM::LLVMPointerType::get(ctx), i64 = IntegerType::get(ctx, 64);
    LLVMTypeConverter converter(ctx);

    // What the loop reads from the entry: constants are cloned, the rest
    // travels in the context struct as its LLVM type.
    SetVector<Value> used;
    getUsedValuesDefinedAbove(loop->getRegions(), used);
    for (Value v : loop->getOperands())
      used.insert(v);
    SmallVector<Value> constants, packed;
    SmallVector<Type> fields;
    for (Value v : used) {
      Operation *def = v.getDefiningOp();
      if (def && def->hasTrait<OpTrait::ConstantLike>()) {
        constants.push_back(v);
        continue;
      }
      Type field = converter.convertType(v.getType());
      if (!field)
        return; // stays sequential
      packed.push_back(v);
      fields.push_back(field);
    }
    auto structType = LLVM::LLVMStructType::getLiteral(ctx, fields);

    // The task: void task(void *ctx, int64_t lo, int64_t hi).
    auto taskType = FunctionType::get(ctx, {ptr, i64, i64}, {});
    OpBuilder b(fn);
    std::string name =
        (fn.getSymName() + ".parallel" + Twine(index)).str();
    auto task = func::FuncOp::create(b, loc, name, taskType);
    task.setPrivate();
    Block *body = task.addEntryBlock();
    b.setInsertionPointToStart(body);
    IRMapping map;
    if (!packed.empty()) {
      Value all = LLVM::LoadOp::create(b, loc, structType, body->getArgument(0));
      for (auto [i, v] : llvm::enumerate(packed)) {
        Value field = LLVM::ExtractValueOp::create(b, loc, all, i);
        if (field.getType() != v.getType())
          field = UnrealizedConversionCastOp::create(b, loc, v.getType(), field)
                      .getResult(0);
        map.map(v, field);
      }
    }
    for (Value v : constants)
      b.clone(*v.getDefiningOp(), map);
    // The same loop over iterations [lo, hi) of `dim`.
    Value lo = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                          body->getArgument(1));
    Value hi = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                          body->getArgument(2));
    Value lb = map.lookup(loop.getLowerBound()[dim]),
          step = map.lookup(loop.getStep()[dim]);
    auto at = [&](Value i) -> Value {
      return arith::AddIOp::create(b, loc, lb,
                                   arith::MulIOp::create(b, loc, i, step));
    };
    Value first = at(lo), end = at(hi);
    auto share = cast<scf::ParallelOp>(b.clone(*loop, map));
    share.getLowerBoundMutable()[dim].set(first);
    share.getUpperBoundMutable()[dim].set(end);
    func::ReturnOp::create(b, loc);
    // A task the same as an earlier one (the same forward loop in infer,
    // eval and a training entry) is that one: compiled once.
    auto same = llvm::find_if(tasks, [&](func::FuncOp earlier) {
      return OperationEquivalence::isRegionEquivalentTo(
          &earlier.getBody(), &task.getBody(),
          OperationEquivalence::IgnoreLocations);
    });
    if (same != tasks.end()) {
      task.erase();
      task = *same;
    } else {
      tasks.push_back(task);
    }

    // The call: pack the context and hand the loop to the runtime.
    func::FuncOp runtime = runtimeParallel(taskType);
    b.setInsertionPointToStart(&fn.front());
    if (!shared.arena) {
      Value address = memref::ExtractAlignedPointerAsIndexOp::create(
          b, loc, fn.getArgument(0));
      address = arith::IndexCastOp::create(b, loc, i64, address);
      shared.arena = LLVM::IntToPtrOp::create(b, loc, ptr, address);
    }
    Value context;
    if (packed.empty()) {
      context = LLVM::ZeroOp::create(b, loc, ptr);
    } else if (!shared.context) {
      Value one = LLVM::ConstantOp::create(b, loc, i64, 1);
      shared.context = LLVM::AllocaOp::create(b, loc, ptr, structType, one,
                                              /*alignment=*/64);
      context = shared.context;
    } else {
      // The slot grows to the largest context of the entry.
      DataLayout layout = DataLayout::closest(fn);
      if (layout.getTypeSize(structType) >
          layout.getTypeSize(shared.context.getElemType()))
        shared.context.setElemType(structType);
      context = shared.context;
    }
    b.setInsertionPoint(loop);
    if (!packed.empty()) {
      Value all = LLVM::UndefOp::create(b, loc, structType);
      for (auto [i, v] : llvm::enumerate(packed)) {
        Value field = v;
        if (fields[i] != v.getType())
          field = UnrealizedConversionCastOp::create(b, loc, fields[i], v)
                      .getResult(0);
        all = LLVM::InsertValueOp::create(b, loc, all, field, i);
      }
      LLVM::StoreOp::create(b, loc, all, context);
    }
    Value taskRef = func::ConstantOp::create(b, loc, taskType,
                                             SymbolRefAttr::get(task));
    int64_t iterations = (*tripCounts(loop))[dim];
    Value n = arith::ConstantIntOp::create(b, loc, i64, iterations);
    func::CallOp::create(b, loc, runtime,
                         ValueRange{shared.arena, n, taskRef, context});
    loop.erase();
  }
};

} // namespace
