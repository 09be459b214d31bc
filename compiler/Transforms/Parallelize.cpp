//===- Parallelize.cpp - the dl-parallelize pass --------------------------===//
//
// Large parallel loops of an entry become tasks for the runtime's thread
// pool: the loop moves into a function that runs a share [lo, hi) of its
// iterations, the values it reads are packed in a struct on the entry's
// stack, and the loop becomes a call to dlrt_parallel; see Passes.td.
//
// Outlining happens on memrefs, before the LLVM conversion: each captured
// value crosses the context struct as the LLVM type its conversion will
// have (a memref as its descriptor; a memref of static shape and layout as
// its pointer only, the task rebuilding the descriptor from constants),
// joined to the memref world by unrealized casts that
// reconcile-unrealized-casts removes at the end.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Conversion/LLVMCommon/MemRefBuilder.h"
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
/// The same, run last-first on every other call of the instance's entries:
/// the loops of entries marked kAlternateLoops (dl-tile-and-vectorize: a
/// row vector times a matrix that outgrows L2, read by every call).
constexpr StringLiteral kRuntimeParallelAlternating =
    "dlrt_parallel_alternating";

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

/// Elements an op works on: those of its widest vector result or operand,
/// else one.
int64_t elements(Operation &op) {
  int64_t n = 1;
  for (Value v : llvm::concat<Value>(op.getResults(), op.getOperands()))
    if (auto vector = dyn_cast<VectorType>(v.getType()))
      n = std::max(n, vector.getNumElements());
  return n;
}

/// Estimated work of one execution of `region`, in element operations:
/// one per element of each op (a vector op counts its lanes), a loop's
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
    total += elements(op) + times * inner;
  }
  return total;
}

/// Whether `type` is a memref whose shape, offset and strides are all
/// static: only its pointer crosses a task's context, and the task
/// rebuilds the descriptor from constants.
bool packsPointer(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref || !memref.hasStaticShape() || memref.getMemorySpace())
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(memref.getStridesAndOffset(strides, offset)) &&
         !ShapedType::isDynamic(offset) &&
         llvm::none_of(strides, ShapedType::isDynamic);
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
    auto arena =
        dyn_cast_or_null<IntegerAttr>(module->getAttr("dl.arena_bytes"));
    if (!arena) {
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
      SmallVector<std::pair<scf::ParallelOp, unsigned>> large;
      int64_t total = 0;
      for (scf::ParallelOp loop : loops)
        if (auto shared = sharedDimension(loop)) {
          large.push_back({loop, shared->first});
          total += shared->second;
        }
      // An entry of small loops with a small arena runs on the calling
      // thread alone: handing each loop to another core (with its data,
      // which the previous loop left in this core's cache) costs more
      // than its shares save (LeNet's training step at batch 1 took 3.4
      // times as long on two threads as on one, at batch 16 1.15 times;
      // a GRU's at batch 1 1.6 times).
      if (!large.empty() && total / (int64_t)large.size() < minAverageWork &&
          arena.getInt() < spreadBytes)
        large.clear();
      unsigned counter = 0;
      EntryValues shared;
      for (auto [loop, dim] : large)
        outlineParallel(fn, loop, dim, counter++, shared);
      if (!outlineSequential)
        continue;
      // Then every other outermost loop of the entry's body (a parallel
      // task's call may be inside it) becomes a call of its own function.
      SmallVector<Operation *> rest;
      for (Operation &op : fn.getBody().getOps())
        if (isa<scf::ParallelOp, scf::ForOp>(op) && op.getNumResults() == 0)
          rest.push_back(&op);
      counter = 0;
      for (Operation *loop : rest)
        outlineLoop(fn, loop, counter++, shared);
    }
  }

  /// The dimension whose iterations threads share, when the loop is worth
  /// it (the first with two iterations or more: those before it have one),
  /// with the estimated work of all its iterations.
  std::optional<std::pair<unsigned, int64_t>>
  sharedDimension(scf::ParallelOp loop) {
    auto trips = tripCounts(loop);
    if (!trips || loop.getNumReductions() != 0)
      return std::nullopt;
    int64_t total = llvm::product_of(*trips) * work(loop.getRegion());
    if (total < minWork)
      return std::nullopt;
    for (unsigned d = 0; d < trips->size(); ++d)
      if ((*trips)[d] >= 2)
        return std::make_pair(d, total);
    return std::nullopt;
  }

  /// The runtime's `void dlrt_parallel(void *arena, int64_t n,
  /// void (*task)(void *ctx, int64_t lo, int64_t hi), void *ctx)`, or
  /// dlrt_parallel_alternating.
  func::FuncOp runtimeParallel(FunctionType taskType, bool alternating) {
    ModuleOp module = getOperation();
    StringRef name =
        alternating ? kRuntimeParallelAlternating : kRuntimeParallel;
    if (auto fn = module.lookupSymbol<func::FuncOp>(name))
      return fn;
    MLIRContext *ctx = &getContext();
    Type ptr = LLVM::LLVMPointerType::get(ctx), i64 = IntegerType::get(ctx, 64);
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto fn = func::FuncOp::create(
        b, module.getLoc(), name,
        FunctionType::get(ctx, {ptr, i64, taskType, ptr}, {}));
    fn.setPrivate();
    return fn;
  }

  /// A loop of an entry moved into a function of its own: the task, and
  /// the values of the entry it reads, to pack in its context.
  struct Task {
    func::FuncOp fn;
    SmallVector<Value> packed;
    LLVM::LLVMStructType context;
  };

  /// Moves `loop` (of entry `fn`) into a new private function `name` of
  /// type `(!llvm.ptr ctx, extra...)`. The values the loop reads from the
  /// entry travel in the context struct as their LLVM types (constants
  /// and global buffers are cloned, so that LLVM still sees which loads
  /// read a constant); `clone` clones the loop into the task's body with the
  /// values mapped. A task the same as an earlier one (the same forward
  /// loop in infer, eval and a training entry) is that one: compiled once.
  std::optional<Task>
  makeTask(func::FuncOp fn, Operation *loop, StringRef name,
           TypeRange extra,
           function_ref<void(OpBuilder &, IRMapping &, Block *)> clone) {
    MLIRContext *ctx = &getContext();
    Location loc = loop->getLoc();
    Type ptr = LLVM::LLVMPointerType::get(ctx);
    LLVMTypeConverter converter(ctx);
    SetVector<Value> used;
    getUsedValuesDefinedAbove(loop->getRegions(), used);
    for (Value v : loop->getOperands())
      used.insert(v);
    Task task;
    SmallVector<Value> constants;
    SmallVector<Type> fields;
    for (Value v : used) {
      Operation *def = v.getDefiningOp();
      if (def && (def->hasTrait<OpTrait::ConstantLike>() ||
                  isa<memref::GetGlobalOp>(def))) {
        constants.push_back(v);
        continue;
      }
      Type field =
          packsPointer(v.getType()) ? ptr : converter.convertType(v.getType());
      if (!field)
        return std::nullopt; // stays in the entry
      task.packed.push_back(v);
      fields.push_back(field);
    }
    task.context = LLVM::LLVMStructType::getLiteral(ctx, fields);
    SmallVector<Type> inputs = {ptr};
    llvm::append_range(inputs, extra);
    OpBuilder b(fn);
    task.fn = func::FuncOp::create(b, loc, name,
                                   FunctionType::get(ctx, inputs, {}));
    task.fn.setPrivate();
    Block *body = task.fn.addEntryBlock();
    b.setInsertionPointToStart(body);
    IRMapping map;
    if (!task.packed.empty()) {
      Value all =
          LLVM::LoadOp::create(b, loc, task.context, body->getArgument(0));
      for (auto [i, v] : llvm::enumerate(task.packed)) {
        Value field = LLVM::ExtractValueOp::create(b, loc, all, i);
        if (packsPointer(v.getType()))
          field = MemRefDescriptor::fromStaticShape(
              b, loc, converter, cast<MemRefType>(v.getType()), field, field);
        if (field.getType() != v.getType())
          field = UnrealizedConversionCastOp::create(b, loc, v.getType(), field)
                      .getResult(0);
        map.map(v, field);
      }
    }
    for (Value v : constants)
      b.clone(*v.getDefiningOp(), map);
    clone(b, map, body);
    func::ReturnOp::create(b, loc);
    auto same = llvm::find_if(tasks, [&](func::FuncOp earlier) {
      return earlier.getFunctionType() == task.fn.getFunctionType() &&
             OperationEquivalence::isRegionEquivalentTo(
                 &earlier.getBody(), &task.fn.getBody(),
                 OperationEquivalence::IgnoreLocations);
    });
    if (same != tasks.end()) {
      task.fn.erase();
      task.fn = *same;
    } else {
      tasks.push_back(task.fn);
    }
    return task;
  }

  /// Packs the context of `task` before `loop` and returns its address
  /// (null when nothing crosses), with `shared` the values earlier loops of
  /// `fn` made: the one stack slot all the contexts share (the loops run one after the other, so the slot is as large as
  /// the largest).
  Value packContext(func::FuncOp fn, Operation *loop, const Task &task,
                    EntryValues &shared) {
    Location loc = loop->getLoc();
    MLIRContext *ctx = &getContext();
    Type ptr = LLVM::LLVMPointerType::get(ctx), i64 = IntegerType::get(ctx, 64);
    OpBuilder b(ctx);
    b.setInsertionPointToStart(&fn.front());
    if (task.packed.empty()) {
      b.setInsertionPoint(loop);
      return LLVM::ZeroOp::create(b, loc, ptr);
    }
    if (!shared.context) {
      Value one = LLVM::ConstantOp::create(b, loc, i64, 1);
      shared.context = LLVM::AllocaOp::create(b, loc, ptr, task.context, one,
                                              /*alignment=*/64);
    } else {
      DataLayout layout = DataLayout::closest(fn);
      if (layout.getTypeSize(task.context) >
          layout.getTypeSize(shared.context.getElemType()))
        shared.context.setElemType(task.context);
    }
    b.setInsertionPoint(loop);
    Value all = LLVM::UndefOp::create(b, loc, task.context);
    LLVMTypeConverter converter(ctx);
    for (auto [i, v] : llvm::enumerate(task.packed)) {
      Type field = task.context.getBody()[i];
      Value value = v;
      if (packsPointer(v.getType())) {
        Value descriptor = UnrealizedConversionCastOp::create(
                               b, loc, converter.convertType(v.getType()), v)
                               .getResult(0);
        value = MemRefDescriptor(descriptor).alignedPtr(b, loc);
      }
      if (field != value.getType())
        value = UnrealizedConversionCastOp::create(b, loc, field, v)
                    .getResult(0);
      all = LLVM::InsertValueOp::create(b, loc, all, value, i);
    }
    LLVM::StoreOp::create(b, loc, all, shared.context);
    return shared.context;
  }

  /// Outlines `loop` into task number `index` of `fn`, which runs a share
  /// [lo, hi) of the iterations of dimension `dim`, and hands it to the
  /// runtime.
  void outlineParallel(func::FuncOp fn, scf::ParallelOp loop, unsigned dim,
                       unsigned index, EntryValues &shared) {
    MLIRContext *ctx = &getContext();
    Location loc = loop.getLoc();
    Type ptr = LLVM::LLVMPointerType::get(ctx), i64 = IntegerType::get(ctx, 64);
    // The same loop over iterations [lo, hi) of `dim`.
    auto clone = [&](OpBuilder &b, IRMapping &map, Block *body) {
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
    };
    std::string name = (fn.getSymName() + ".parallel" + Twine(index)).str();
    std::optional<Task> task = makeTask(fn, loop, name, {i64, i64}, clone);
    if (!task)
      return; // stays sequential
    Value context = packContext(fn, loop, *task, shared);
    OpBuilder b = OpBuilder::atBlockBegin(&fn.front());
    if (!shared.arena) {
      Value address = memref::ExtractAlignedPointerAsIndexOp::create(
          b, loc, fn.getArgument(0));
      address = arith::IndexCastOp::create(b, loc, i64, address);
      shared.arena = LLVM::IntToPtrOp::create(b, loc, ptr, address);
    }
    b.setInsertionPoint(loop);
    func::FuncOp runtime =
        runtimeParallel(FunctionType::get(ctx, {ptr, i64, i64}, {}),
                        fn->hasAttr(dlc::kAlternateLoops));
    Value taskRef = func::ConstantOp::create(
        b, loc, task->fn.getFunctionType(), SymbolRefAttr::get(task->fn));
    int64_t iterations = (*tripCounts(loop))[dim];
    Value n = arith::ConstantIntOp::create(b, loc, i64, iterations);
    func::CallOp::create(b, loc, runtime,
                         ValueRange{shared.arena, n, taskRef, context});
    loop.erase();
  }

  /// Outlines the sequential `loop` into function number `index` of `fn`
  /// (`void loop(void *ctx)`, never inlined), called in its place.
  void outlineLoop(func::FuncOp fn, Operation *loop, unsigned index,
                   EntryValues &shared) {
    auto clone = [&](OpBuilder &b, IRMapping &map, Block *) {
      b.clone(*loop, map);
    };
    std::string name = (fn.getSymName() + ".loop" + Twine(index)).str();
    std::optional<Task> task = makeTask(fn, loop, name, {}, clone);
    if (!task)
      return;
    OpBuilder b(loop);
    task->fn->setAttr("passthrough",
                      b.getArrayAttr({b.getStringAttr("noinline")}));
    Value context = packContext(fn, loop, *task, shared);
    b.setInsertionPoint(loop);
    func::CallOp::create(b, loop->getLoc(), task->fn, ValueRange{context});
    loop->erase();
  }
};

} // namespace
