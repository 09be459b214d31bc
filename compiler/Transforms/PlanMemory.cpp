//===- PlanMemory.cpp - the dl-plan-memory pass ---------------------------===//
//
// The static memory plan: the temporary buffers of every entry become views
// of a scratch region at the end of the instance arena; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/VariableLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace dlc {
#define GEN_PASS_DEF_DLPLANMEMORY
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

constexpr uint64_t kAlignment = 64;

/// The most bytes the slots of one buffer in parallel loops may take (a
/// slot per iteration); a larger one stays on malloc.
constexpr uint64_t kMaxSlotsBytes = uint64_t(64) << 20;

uint64_t alignUp(uint64_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

/// A buffer of the plan: alive from op `first` to op `last` (indices in
/// the function's body), placed at `offset` in the scratch region.
struct Buffer {
  memref::AllocOp alloc;
  memref::DeallocOp dealloc;
  size_t first, last;
  uint64_t bytes, offset = 0;
  /// Inside scf.forall loops: the bytes of one iteration's slot (the
  /// buffer has one per iteration of the loops), else 0.
  uint64_t slot = 0;
};

/// The scf.forall loops around `op`, outermost first, when each has
/// static bounds and steps and no other parallel loop is around it, and
/// their number of iterations; none otherwise.
std::optional<std::pair<SmallVector<scf::ForallOp>, uint64_t>>
parallelLoops(Operation *op) {
  if (op->getParentOfType<scf::ParallelOp>())
    return std::nullopt;
  SmallVector<scf::ForallOp> loops;
  uint64_t iterations = 1;
  for (auto loop = op->getParentOfType<scf::ForallOp>(); loop;
       loop = loop->getParentOfType<scf::ForallOp>()) {
    ArrayRef<int64_t> lbs = loop.getStaticLowerBound(),
                      ubs = loop.getStaticUpperBound(),
                      steps = loop.getStaticStep();
    if (llvm::any_of(llvm::concat<const int64_t>(lbs, ubs, steps),
                     ShapedType::isDynamic))
      return std::nullopt;
    for (auto [lb, ub, step] : llvm::zip(lbs, ubs, steps))
      iterations *= std::max<int64_t>(0, (ub - lb + step - 1) / step);
    loops.insert(loops.begin(), loop);
  }
  return std::pair{loops, iterations};
}

/// The index of the current iteration of `loops` (outermost first), in
/// row-major order of their normalized induction variables.
Value iterationIndex(OpBuilder &b, Location loc,
                     ArrayRef<scf::ForallOp> loops) {
  Value index = arith::ConstantIndexOp::create(b, loc, 0);
  for (scf::ForallOp loop : loops) {
    for (auto [iv, lb, ub, step] :
         llvm::zip(loop.getInductionVars(), loop.getStaticLowerBound(),
                   loop.getStaticUpperBound(), loop.getStaticStep())) {
      auto constant = [&](int64_t v) -> Value {
        return arith::ConstantIndexOp::create(b, loc, v);
      };
      Value i = arith::DivUIOp::create(
          b, loc, arith::SubIOp::create(b, loc, iv, constant(lb)),
          constant(step));
      index = arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(b, loc, index,
                                constant((ub - lb + step - 1) / step)),
          i);
    }
  }
  return index;
}

/// Places buffers first-fit by start order: a buffer reuses the lowest
/// space no live buffer occupies. Returns the scratch size.
uint64_t place(MutableArrayRef<Buffer> buffers) {
  uint64_t total = 0;
  std::vector<Buffer *> live;
  for (Buffer &b : buffers) {
    llvm::erase_if(live, [&](Buffer *o) { return o->last < b.first; });
    llvm::sort(live, [](Buffer *x, Buffer *y) { return x->offset < y->offset; });
    uint64_t at = 0;
    for (Buffer *o : live) {
      if (o->offset >= at + b.bytes)
        break;
      at = std::max(at, alignUp(o->offset + o->bytes));
    }
    b.offset = at;
    total = std::max(total, alignUp(at + b.bytes));
    live.push_back(&b);
  }
  return total;
}

struct DLPlanMemory : dlc::impl::DLPlanMemoryBase<DLPlanMemory> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto arenaAttr = module->getAttrOfType<IntegerAttr>("dl.arena_bytes");
    if (!arenaAttr)
      return; // not a model: nothing to plan against
    uint64_t variables = arenaAttr.getInt(), scratch = 0;
    std::vector<std::pair<func::FuncOp, std::vector<Buffer>>> plans;
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (fn.isExternal() || fn.getNumArguments() == 0 ||
          !isa<MemRefType>(fn.getArgument(0).getType()))
        continue;
      std::vector<Buffer> buffers = collect(fn);
      scratch = std::max(scratch, place(buffers));
      plans.push_back({fn, std::move(buffers)});
    }
    if (scratch == 0)
      return;
    uint64_t total = variables + scratch;
    auto arenaType = MemRefType::get({(int64_t)total},
                                     IntegerType::get(&getContext(), 8));
    for (auto &[fn, buffers] : plans) {
      BlockArgument arena = fn.getArgument(0);
      auto oldType = dyn_cast<MemRefType>(arena.getType());
      if (!oldType || oldType.getRank() != 1 ||
          !oldType.getElementType().isInteger(8))
        continue;
      arena.setType(arenaType);
      SmallVector<Type> inputs(fn.getBody().front().getArgumentTypes());
      fn.setType(FunctionType::get(&getContext(), inputs,
                                   fn.getResultTypes()));
      for (Buffer &b : buffers) {
        OpBuilder builder(b.alloc);
        Location loc = b.alloc.getLoc();
        Value shift = arith::ConstantIndexOp::create(
            builder, loc, (int64_t)(variables + b.offset));
        if (b.slot)
          shift = arith::AddIOp::create(
              builder, loc, shift,
              arith::MulIOp::create(
                  builder, loc,
                  iterationIndex(builder, loc, parallelLoops(b.alloc)->first),
                  arith::ConstantIndexOp::create(builder, loc,
                                                 (int64_t)b.slot)));
        Value view = memref::ViewOp::create(builder, b.alloc.getLoc(),
                                            b.alloc.getType(), arena, shift,
                                            ValueRange{});
        b.alloc.replaceAllUsesWith(view);
        b.alloc.erase();
        b.dealloc.erase();
      }
    }
    module->setAttr("dl.arena_bytes",
                    IntegerAttr::get(arenaAttr.getType(), total));
  }

  /// The index of the last op of `body` (or the op of `body` that holds
  /// it) that uses `alloc` or a view of it (any memref that an op using it
  /// returns), its deallocation aside: the deallocations all come at the
  /// end of the body, and the buffer's space is free after its last use.
  static size_t lastUse(Block &body, DenseMap<Operation *, size_t> &index,
                        memref::AllocOp alloc) {
    size_t last = index[alloc];
    SmallVector<Value> aliases = {alloc.getResult()};
    llvm::SmallPtrSet<Value, 8> seen(aliases.begin(), aliases.end());
    while (!aliases.empty()) {
      Value v = aliases.pop_back_val();
      for (Operation *user : v.getUsers()) {
        if (isa<memref::DeallocOp>(user))
          continue;
        if (Operation *at = body.findAncestorOpInBlock(*user))
          last = std::max(last, index[at]);
        for (Value result : user->getResults())
          if (isa<BaseMemRefType>(result.getType()) &&
              seen.insert(result).second)
            aliases.push_back(result);
      }
    }
    return last;
  }

  /// The statically shaped allocations of `fn` with their deallocation in
  /// the same block, by start. One in a loop or branch lives as long as
  /// the op of the body that holds it; one in scf.forall loops (whose
  /// iterations run at the same time on different threads) gets a slot
  /// per iteration, when the loops have static bounds and the slots take
  /// at most kMaxSlotsBytes (else, and in scf.parallel loops, it stays on
  /// malloc).
  std::vector<Buffer> collect(func::FuncOp fn) {
    std::vector<Buffer> buffers;
    Block &body = fn.getBody().front();
    DenseMap<Operation *, size_t> index;
    for (auto [i, op] : llvm::enumerate(body))
      index[&op] = i;
    fn.walk([&](memref::AllocOp alloc) {
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
          type.getMemorySpace() || !type.getElementType().isIntOrFloat())
        return;
      auto loops = parallelLoops(alloc);
      if (!loops)
        return;
      memref::DeallocOp dealloc;
      for (Operation *user : alloc->getUsers())
        if (auto d = dyn_cast<memref::DeallocOp>(user);
            d && d->getBlock() == alloc->getBlock())
          dealloc = d;
      if (!dealloc)
        return;
      uint64_t bytes =
          type.getNumElements() * dlc::elementBytes(type.getElementType());
      if (!loops->first.empty()) {
        uint64_t slot = alignUp(bytes);
        if (slot * loops->second > kMaxSlotsBytes)
          return;
        size_t holder = index[body.findAncestorOpInBlock(*alloc)];
        buffers.push_back(
            {alloc, dealloc, holder, holder, slot * loops->second, 0, slot});
        return;
      }
      if (alloc->getBlock() == &body) {
        buffers.push_back(
            {alloc, dealloc, index[alloc], lastUse(body, index, alloc), bytes});
        return;
      }
      size_t holder = index[body.findAncestorOpInBlock(*alloc)];
      buffers.push_back({alloc, dealloc, holder, holder, bytes});
    });
    llvm::sort(buffers, [](const Buffer &x, const Buffer &y) {
      return std::tie(x.first, x.last) < std::tie(y.first, y.last);
    });
    return buffers;
  }
};

} // namespace
