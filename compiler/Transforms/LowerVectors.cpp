//===- LowerVectors.cpp - the dl-lower-vectors pass -----------------------===//
//
// See Passes.td: on buffers, the reads and writes of a product's
// accumulator block are hoisted out of its reduction loop and the
// contraction becomes MR broadcast-FMAs per step (outer products); the
// accumulators are carried as rows, unrolled over more registers where
// the FMA latency needs it, and strided rows of B are prefetched.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/VariableLayout.h"
#include "compiler/Transforms/Vectorize.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlc {
#define GEN_PASS_DEF_DLLOWERVECTORS
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace dlc::vectorize {

/// An n-D vector a loop can carry as its 1-D rows.
static VectorType splittable(Type type) {
  auto v = dyn_cast<VectorType>(type);
  return v && v.getRank() >= 2 && v.hasStaticShape() && !v.isScalable()
             ? v
             : VectorType();
}

/// The positions of the rows (all but the last dimension) of `type`, in
/// row-major order.
static SmallVector<SmallVector<int64_t>> rowPositions(VectorType type) {
  ArrayRef<int64_t> outer = type.getShape().drop_back();
  SmallVector<SmallVector<int64_t>> rows;
  for (int64_t i = 0, n = llvm::product_of(outer); i < n; ++i) {
    SmallVector<int64_t> position(outer.size());
    for (int64_t d = outer.size() - 1, rest = i; d >= 0; --d) {
      position[d] = rest % outer[d];
      rest /= outer[d];
    }
    rows.push_back(position);
  }
  return rows;
}

/// `rows` inserted into an n-D vector of `type`.
static Value assembleRows(OpBuilder &b, Location loc, VectorType type,
                          ValueRange rows) {
  Value v = ub::PoisonOp::create(b, loc, type);
  for (auto [row, position] : llvm::zip(rows, rowPositions(type)))
    v = vector::InsertOp::create(b, loc, row, v, position);
  return v;
}

/// Values of `values` with every splittable vector replaced by its rows.
static SmallVector<Value> splitRows(OpBuilder &b, Location loc,
                                    ValueRange values) {
  SmallVector<Value> out;
  for (Value v : values) {
    VectorType type = splittable(v.getType());
    if (!type) {
      out.push_back(v);
      continue;
    }
    for (ArrayRef<int64_t> position : rowPositions(type))
      out.push_back(vector::ExtractOp::create(b, loc, v, position));
  }
  return out;
}

/// The loop carries each n-D vector (an accumulator block) as its 1-D rows:
/// after the contraction became per-row FMAs, the block is then plain
/// registers rather than an aggregate taken apart and rebuilt every step
/// (which the canonicalizer turns into element-wise to/from_elements).
static void splitCarriedVectors(IRRewriter &rewriter, scf::ForOp loop) {
  if (llvm::none_of(loop.getInitArgs(),
                    [](Value v) { return splittable(v.getType()); }))
    return;
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  auto split = scf::ForOp::create(rewriter, loc, loop.getLowerBound(),
                                  loop.getUpperBound(), loop.getStep(),
                                  splitRows(rewriter, loc, loop.getInitArgs()));
  Block *body = split.getBody();
  rewriter.setInsertionPointToStart(body);
  SmallVector<Value> args = {split.getInductionVar()};
  unsigned next = 0;
  auto take = [&](ValueRange from, Type type) -> Value {
    VectorType v = splittable(type);
    if (!v)
      return from[next++];
    unsigned rows = rowPositions(v).size();
    Value whole = assembleRows(rewriter, loc, v, from.slice(next, rows));
    next += rows;
    return whole;
  };
  for (Value arg : loop.getRegionIterArgs())
    args.push_back(take(split.getRegionIterArgs(), arg.getType()));
  rewriter.mergeBlocks(loop.getBody(), body, args);
  auto yield = cast<scf::YieldOp>(body->getTerminator());
  rewriter.setInsertionPoint(yield);
  rewriter.replaceOpWithNewOp<scf::YieldOp>(
      yield, splitRows(rewriter, loc, yield.getOperands()));
  rewriter.setInsertionPointAfter(split);
  next = 0;
  SmallVector<Value> results;
  for (Value result : loop.getResults())
    results.push_back(take(split.getResults(), result.getType()));
  rewriter.replaceOp(loop, results);
}

/// The indices of row `position` of an in-bounds minor-identity transfer
/// at `indices`: the leading vector dimensions are the memref's last ones.
static SmallVector<Value> rowIndices(OpBuilder &b, Location loc,
                                     ValueRange indices,
                                     ArrayRef<int64_t> position) {
  SmallVector<Value> at(indices);
  size_t first = at.size() - position.size() - 1;
  for (auto [d, p] : llvm::enumerate(position))
    if (p != 0)
      at[first + d] = arith::AddIOp::create(
          b, loc, at[first + d], arith::ConstantIndexOp::create(b, loc, p));
  return at;
}

/// Whether a transfer of buffer memory can become one 1-D transfer per row.
static bool rowwise(VectorTransferOpInterface op) {
  return splittable(op.getVectorType()) && !op.getMask() &&
         isa<MemRefType>(op.getShapedType()) &&
         op.getPermutationMap().isMinorIdentity() &&
         llvm::all_of(op.getInBoundsValues(), [](bool b) { return b; });
}

/// n-D reads and writes of buffers become 1-D ones per row, so a block
/// that is rows in registers (splitCarriedVectors) is never assembled.
static void splitTransfers(IRRewriter &rewriter, Operation *root) {
  SmallVector<VectorTransferOpInterface> transfers;
  root->walk([&](VectorTransferOpInterface op) {
    if (rowwise(op))
      transfers.push_back(op);
  });
  for (VectorTransferOpInterface op : transfers) {
    Location loc = op.getLoc();
    VectorType type = op.getVectorType();
    auto rowType =
        VectorType::get(type.getShape().back(), type.getElementType());
    rewriter.setInsertionPoint(op);
    if (auto read = dyn_cast<vector::TransferReadOp>(op.getOperation())) {
      SmallVector<Value> rows;
      for (ArrayRef<int64_t> position : rowPositions(type))
        rows.push_back(vector::TransferReadOp::create(
            rewriter, loc, rowType, read.getBase(),
            rowIndices(rewriter, loc, read.getIndices(), position),
            read.getPadding(), ArrayRef<bool>{true}));
      rewriter.replaceOp(read, assembleRows(rewriter, loc, type, rows));
      continue;
    }
    auto write = cast<vector::TransferWriteOp>(op.getOperation());
    for (ArrayRef<int64_t> position : rowPositions(type))
      vector::TransferWriteOp::create(
          rewriter, loc,
          vector::ExtractOp::create(rewriter, loc, write.getVector(), position),
          write.getBase(),
          rowIndices(rewriter, loc, write.getIndices(), position),
          ArrayRef<bool>{true});
    rewriter.eraseOp(write);
  }
}

/// Whether `v` (a loop-carried vector) is only added to: used once, as
/// the addend of an FMA or an operand of an addition, whose result is
/// `next` (what the loop yields for it).
static bool onlyAccumulates(Value v, Value next) {
  if (!v.hasOneUse() || !isa<VectorType>(v.getType()))
    return false;
  OpOperand &use = *v.use_begin();
  Operation *user = use.getOwner();
  bool adds = (isa<vector::FMAOp>(user) && use.getOperandNumber() == 2) ||
              isa<arith::AddFOp>(user);
  return adds && user->getResult(0) == next;
}

/// An innermost reduction loop whose few accumulators are only added to
/// (an FMA or an addition per step) waits on the latency of that add
/// every step: with fewer than 10 accumulators (kFmasInFlight) the FMA
/// units idle. Such a loop is unrolled U times (the smallest U that
/// divides the trip count and gives 10 accumulators, at most 4) with U
/// sets of accumulators, the copies beyond the first starting from zero,
/// and the sets are added after the loop. This reassociates the sums in a
/// fixed order: results stay the same on any number of threads.
static void unrollAccumulators(IRRewriter &rewriter, scf::ForOp loop,
                               int64_t width) {
  unsigned accs = loop.getNumRegionIterArgs();
  // Registers the accumulators take, and the widest of them (a row of B).
  int64_t registers = 0, widest = 0;
  for (Value arg : loop.getRegionIterArgs()) {
    auto type = dyn_cast<VectorType>(arg.getType());
    if (!type || type.getRank() != 1)
      return;
    int64_t ops = (type.getNumElements() + width - 1) / width;
    registers += ops;
    widest = std::max(widest, ops);
  }
  if (accs == 0 || registers >= kFmasInFlight)
    return;
  if (loop.getBody()
          ->walk([](LoopLikeOpInterface) { return WalkResult::interrupt(); })
          .wasInterrupted())
    return;
  std::optional<APInt> tripCount = loop.getStaticTripCount();
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!tripCount || !step)
    return;
  int64_t trips = tripCount->getSExtValue();
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  for (auto [arg, next] :
       llvm::zip(loop.getRegionIterArgs(), yield.getOperands()))
    if (!onlyAccumulates(arg, next))
      return;
  // The fewest copies that cover the latency, else more, else fewer.
  int64_t want =
      std::min<int64_t>(4, (kFmasInFlight + registers - 1) / registers);
  SmallVector<int64_t> candidates;
  for (int64_t u = want; u <= 4; ++u)
    candidates.push_back(u);
  for (int64_t u = want - 1; u >= 2; --u)
    candidates.push_back(u);
  int64_t copies = 0;
  for (int64_t u : candidates)
    if (trips % u == 0 && trips >= 2 * u && u * registers + widest + 1 <= 16) {
      copies = u;
      break;
    }
  if (copies < 2)
    return;
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  SmallVector<Value> inits(loop.getInitArgs());
  for (int64_t c = 1; c < copies; ++c)
    for (Value init : loop.getInitArgs())
      inits.push_back(arith::ConstantOp::create(
          rewriter, loc, rewriter.getZeroAttr(init.getType())));
  Value wide = arith::ConstantIndexOp::create(rewriter, loc, *step * copies);
  auto unrolled = scf::ForOp::create(rewriter, loc, loop.getLowerBound(),
                                     loop.getUpperBound(), wide, inits);
  rewriter.setInsertionPointToStart(unrolled.getBody());
  SmallVector<Value> yields;
  for (int64_t c = 0; c < copies; ++c) {
    IRMapping map;
    Value iv = unrolled.getInductionVar();
    if (c)
      iv = arith::AddIOp::create(
          rewriter, loc, iv,
          arith::ConstantIndexOp::create(rewriter, loc, *step * c));
    map.map(loop.getInductionVar(), iv);
    map.map(loop.getRegionIterArgs(),
            unrolled.getRegionIterArgs().slice(c * accs, accs));
    for (Operation &op : loop.getBody()->without_terminator())
      rewriter.clone(op, map);
    for (Value v : yield.getOperands())
      yields.push_back(map.lookup(v));
  }
  scf::YieldOp::create(rewriter, loc, yields);
  rewriter.setInsertionPointAfter(unrolled);
  SmallVector<Value> sums;
  for (unsigned i = 0; i < accs; ++i) {
    SmallVector<Value> parts;
    for (int64_t c = 0; c < copies; ++c)
      parts.push_back(unrolled.getResult(c * accs + i));
    while (parts.size() > 1) { // pairwise: (a0 + a1) + (a2 + a3)
      SmallVector<Value> next;
      for (size_t j = 0; j + 1 < parts.size(); j += 2)
        next.push_back(
            arith::AddFOp::create(rewriter, loc, parts[j], parts[j + 1]));
      if (parts.size() % 2)
        next.push_back(parts.back());
      parts = next;
    }
    sums.push_back(parts.front());
  }
  rewriter.replaceOp(loop, sums);
}

/// The indices of a read of a buffer: a vector.load, a vector.transfer_read
/// or a memref.load.
static ValueRange readIndices(Operation *read) {
  if (auto load = dyn_cast<vector::LoadOp>(read))
    return load.getIndices();
  if (auto load = dyn_cast<memref::LoadOp>(read))
    return load.getIndices();
  return cast<vector::TransferReadOp>(read).getIndices();
}

/// A vector read from a buffer only for its elements one by one (the
/// elements of A that a product's block broadcasts, contiguous when A is
/// read transposed) becomes one scalar load per element: LLVM then
/// broadcasts each straight from memory (a load), where it had loaded the
/// vector in pieces and broadcast its lanes with shuffles, which compete
/// with the FMAs (the LSTM's recurrent weight gradient ran at 64 % of the
/// FMA peak).
static void scalarizeExtractedReads(RewriterBase &rewriter, Operation *root) {
  // (vector.load, or an in-bounds transfer along the buffer's last
  // dimension.)
  SmallVector<Operation *> reads;
  root->walk([&](Operation *op) {
    auto type = op->getNumResults() == 1
                    ? dyn_cast<VectorType>(op->getResult(0).getType())
                    : VectorType();
    if (!type || type.getRank() != 1 || type.getNumElements() < 2)
      return;
    if (auto read = dyn_cast<vector::TransferReadOp>(op)) {
      if (read.getMask() || !isa<MemRefType>(read.getBase().getType()) ||
          !read.getPermutationMap().isMinorIdentity() ||
          !read.getInBoundsValues()[0])
        return;
    } else if (!isa<vector::LoadOp>(op)) {
      return;
    }
    if (llvm::all_of(op->getUsers(), [](Operation *user) {
          auto extract = dyn_cast<vector::ExtractOp>(user);
          return extract && extract.getDynamicPosition().empty() &&
                 !isa<VectorType>(extract.getType());
        }))
      reads.push_back(op);
  });
  for (Operation *read : reads) {
    Value base = read->getOperand(0);
    for (Operation *user : llvm::make_early_inc_range(read->getUsers())) {
      auto extract = cast<vector::ExtractOp>(user);
      rewriter.setInsertionPoint(extract);
      SmallVector<Value> indices(readIndices(read));
      int64_t position = extract.getStaticPosition()[0];
      if (position != 0)
        indices.back() = arith::AddIOp::create(
            rewriter, read->getLoc(), indices.back(),
            arith::ConstantIndexOp::create(rewriter, read->getLoc(), position));
      rewriter.replaceOpWithNewOp<memref::LoadOp>(extract, base, indices);
    }
    rewriter.eraseOp(read);
  }
}

/// A contraction whose reduction dimensions all have size 1 and whose
/// operands both span every dimension of the result, in its order, is
/// acc + lhs * rhs element by element: one FMA per register. (A piece of
/// a total of products, such as an L2 term's sum of squares, vectorizes
/// to one: x * x summed over a row of 1. The contraction lowerings took
/// it for a dot product per result element, scalar loads and a multiply
/// each: the L2 term of examples/mnist_mlp.dl was 16 % of its step.)
struct UnitReductionContract : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    auto accType = dyn_cast<VectorType>(op.getAccType());
    if (!accType || accType.isScalable() ||
        isa<vector::MaskOp>(op->getParentOp()) ||
        op.getKind() != vector::CombiningKind::ADD ||
        !isa<FloatType>(accType.getElementType()) ||
        op.getLhsType().getElementType() != accType.getElementType() ||
        op.getRhsType().getElementType() != accType.getElementType())
      return failure();
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<vector::IteratorType> iterators = op.getIteratorTypesArray();
    // The loops of the result's dimensions, in its order.
    SmallVector<unsigned> resultDims;
    for (AffineExpr e : maps[2].getResults()) {
      auto dim = dyn_cast<AffineDimExpr>(e);
      if (!dim)
        return failure();
      resultDims.push_back(dim.getPosition());
    }
    SmallVector<Value> operands = {op.getLhs(), op.getRhs()};
    for (auto [operand, map] :
         llvm::zip(operands, ArrayRef(maps).take_front(2))) {
      auto type = cast<VectorType>(operand.getType());
      SmallVector<unsigned> kept;
      for (auto [i, e] : llvm::enumerate(map.getResults())) {
        auto dim = dyn_cast<AffineDimExpr>(e);
        if (!dim)
          return failure();
        if (iterators[dim.getPosition()] == vector::IteratorType::parallel)
          kept.push_back(dim.getPosition());
        else if (type.getDimSize(i) != 1)
          return failure();
      }
      if (kept != resultDims)
        return failure();
    }
    Location loc = op.getLoc();
    Value lhs =
        vector::ShapeCastOp::create(rewriter, loc, accType, op.getLhs());
    Value rhs =
        vector::ShapeCastOp::create(rewriter, loc, accType, op.getRhs());
    rewriter.replaceOpWithNewOp<vector::FMAOp>(op, lhs, rhs, op.getAcc());
    return success();
  }
};

/// A contraction over unit reductions (a product whose reduction is one
/// step long, such as a weight gradient at batch 1, left without its loop)
/// from a block C that is neither zeros nor carried by a loop (the
/// gradient's buffer, or an L2 term the product was accumulated onto)
/// starts from zeros, and C is added after it: C + round(a b), rounded
/// twice, as the fused step computes it (its product from zeros, C added
/// by the update), and as a longer reduction does (addBlockAfterLoop).
/// One FMA from C, rounded once, made ENTRY_accumulate + ENTRY_apply differ
/// from ENTRY in the last bits. (Here, after canonicalization: upstream's
/// folds the addition of a contraction from zeros back into it.)
static void addBlockAfterUnitStep(RewriterBase &rewriter,
                                  vector::ContractionOp contract) {
  auto type = dyn_cast<VectorType>(contract.getAccType());
  Value acc = contract.getAcc();
  if (!type || type.isScalable() ||
      contract.getKind() != vector::CombiningKind::ADD ||
      !isa<FloatType>(type.getElementType()) ||
      isa<vector::MaskOp>(contract->getParentOp()) ||
      matchPattern(acc, m_AnyZeroFloat()))
    return;
  if (auto arg = dyn_cast<BlockArgument>(acc);
      arg && isa<scf::ForOp>(arg.getOwner()->getParentOp()))
    return;
  SmallVector<vector::IteratorType> iterators =
      contract.getIteratorTypesArray();
  AffineMap lhsMap = contract.getIndexingMapsArray()[0];
  for (auto [i, e] : llvm::enumerate(lhsMap.getResults())) {
    auto dim = dyn_cast<AffineDimExpr>(e);
    if (!dim ||
        (iterators[dim.getPosition()] == vector::IteratorType::reduction &&
         contract.getLhsType().getDimSize(i) != 1))
      return;
  }
  Location loc = contract.getLoc();
  rewriter.setInsertionPoint(contract);
  Value zeros = arith::ConstantOp::create(rewriter, loc, type,
                                          rewriter.getZeroAttr(type));
  rewriter.modifyOpInPlace(contract,
                           [&] { contract.getAccMutable().set(zeros); });
  rewriter.setInsertionPointAfter(contract);
  auto sum = arith::AddFOp::create(rewriter, loc, acc, contract.getResult());
  rewriter.replaceAllUsesExcept(contract.getResult(), sum.getResult(), sum);
}

/// A reduction of a vector to one element (a row's total or maximum, after
/// the loop that accumulated it lane by lane) as a tree: halves combined
/// until one lane is left, about log2(n) dependent steps. (MLIR's lowering
/// combines the lanes one after the other, a chain of n: a softmax over
/// rows of 64, whose maxima and totals are vectors of 32, spent 106 us of
/// 188 in these chains at batch 32 x 64 rows.)
struct ReductionTree : OpRewritePattern<vector::MultiDimReductionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::MultiDimReductionOp op,
                                PatternRewriter &rewriter) const override {
    VectorType source = op.getSourceVectorType();
    int64_t n = source.getNumElements();
    auto result = dyn_cast<VectorType>(op.getDestType());
    // (Up to 3 lanes, the chain is as short as a tree.)
    if (source.isScalable() || n < 4 ||
        isa<vector::MaskOp>(op->getParentOp()) ||
        (result && result.getNumElements() != 1))
      return failure();
    Location loc = op.getLoc();
    vector::CombiningKind kind = op.getKind();
    Value lanes = vector::ShapeCastOp::create(
        rewriter, loc, VectorType::get({n}, source.getElementType()),
        op.getSource());
    // The last lane of an odd count waits beside the tree.
    Value odd;
    for (; n > 1; n /= 2) {
      int64_t half = n / 2;
      if (n % 2) {
        Value last = vector::ExtractOp::create(rewriter, loc, lanes, n - 1);
        odd = odd ? vector::makeArithReduction(rewriter, loc, kind, last, odd)
                  : last;
      }
      Value low = vector::ExtractStridedSliceOp::create(
          rewriter, loc, lanes, /*offsets=*/{0}, /*sizes=*/{half},
          /*strides=*/{1});
      Value high = vector::ExtractStridedSliceOp::create(
          rewriter, loc, lanes, /*offsets=*/{half}, /*sizes=*/{half},
          /*strides=*/{1});
      lanes = vector::makeArithReduction(rewriter, loc, kind, low, high);
    }
    Value total = vector::ExtractOp::create(rewriter, loc, lanes, 0);
    if (odd)
      total = vector::makeArithReduction(rewriter, loc, kind, total, odd);
    Value acc = op.getAcc();
    if (result)
      acc = vector::ExtractOp::create(
          rewriter, loc, acc, SmallVector<int64_t>(result.getRank(), 0));
    total = vector::makeArithReduction(rewriter, loc, kind, total, acc);
    if (result)
      total = vector::BroadcastOp::create(rewriter, loc, result, total);
    rewriter.replaceOp(op, total);
    return success();
  }
};

/// The distance between the rows of B from which a register block's
/// reduction loop prefetches them, and the bytes one prefetch brings (a
/// cache line).
constexpr int64_t kPrefetchStrideBytes = 1024, kCacheLineBytes = 64;

/// Steps ahead that a register block's reduction loop prefetches the rows
/// it reads, for `width` f32 lanes per vector register. Each machine's
/// best, in interleaved A/Bs of the MLP: 8 with AVX-512 on a Sapphire
/// Rapids Xeon (inference at batch 64: 4 rows 1.041 of its time, 6 rows
/// 1.025, 16 rows 1.074); 4 with AVX2 on a Zen 4 EPYC (its 32 KB L1 has 8
/// ways to the Xeon's 12; 8 rows took 1.09-1.11 of the time of 4 for the
/// MLP's steps and the LSTM's, 1.04 for the MLP's inference; 2, 3 and 6
/// rows 1.01-1.03).
static int64_t prefetchRows(int64_t width) { return width >= 16 ? 8 : 4; }

/// The index of `indices` that changes in `loop` when it is the only one
/// and not the last (a read of a row of a buffer, the row chosen by the
/// loop), else none.
static std::optional<unsigned> loopRow(scf::ForOp loop, ValueRange indices) {
  std::optional<unsigned> row;
  for (auto [i, index] : llvm::enumerate(indices)) {
    if (loop.isDefinedOutsideOfLoop(index))
      continue;
    if (row || i + 1 == indices.size())
      return std::nullopt;
    row = i;
  }
  return row;
}

/// A scalar load's last index as a value and a constant added to it (the
/// elements of a row that scalarizeExtractedReads loads: base + position;
/// a constant: a null value and the constant).
static std::pair<Value, int64_t> baseAndOffset(Value index) {
  if (std::optional<int64_t> c = getConstantIntValue(index))
    return {Value(), *c};
  if (auto add = index.getDefiningOp<arith::AddIOp>())
    if (std::optional<int64_t> c = getConstantIntValue(add.getRhs()))
      return {add.getLhs(), *c};
  return {index, 0};
}

/// In the reduction loop of a register block (the loops whose body has the
/// FMAs), a vector read of a row of B whose rows lie kPrefetchStrideBytes or
/// more apart (a row-major weight matrix [K, N] with N of 256 floats or
/// more) is preceded by prefetches of the row prefetchRows steps ahead (the
/// last row at most), one per cache line of the read; so are the scalar
/// loads of each such row (the elements of A a block broadcasts, read
/// down the columns of a row-major X in a weight gradient X^T dY): one
/// prefetch for their first element, and one for their last when they
/// span more than half a line (14 elements, 56 bytes, lie across two lines
/// at most offsets; 8 at the 32-byte offsets of 8-row blocks never do).
/// The hardware's prefetchers follow such a stride poorly (a new 4 KB page
/// every other row): in C, an 8 x 32 block over the MLP's [784, 512]
/// weights ran 4-7 % faster with them, within 1-4 % of reading B packed in
/// panels. The last element's line, per-loop minima over 8 alternated
/// rounds: the MLP's X^T dH1 at batch 256 (14 x 32 blocks) 0.979 of the
/// time, H2^T dY (13 rows) 0.910.
static void prefetchStridedRows(RewriterBase &rewriter, Operation *root,
                                int64_t width) {
  SmallVector<std::pair<Operation *, scf::ForOp>> reads;
  root->walk([&](scf::ForOp loop) {
    if (llvm::none_of(loop.getBody()->getOperations(),
                      [](Operation &op) { return isa<vector::FMAOp>(op); }))
      return;
    for (Operation &op : loop.getBody()->getOperations()) {
      auto read = dyn_cast<vector::TransferReadOp>(op);
      if (isa<vector::LoadOp, memref::LoadOp>(op) ||
          (read && read.getPermutationMap().isMinorIdentity() &&
           llvm::all_of(read.getInBoundsValues(), [](bool b) { return b; })))
        reads.push_back({&op, loop});
    }
  });
  // The scalar loads of a row (the elements of A a block broadcasts, at
  // base + offset in its last dimension): the offsets each row spans.
  using RowKey = std::tuple<Value, Value, Value>; // source, row, base
  llvm::DenseMap<RowKey, std::pair<int64_t, int64_t>> spans;
  for (auto [op, loop] : reads) {
    if (!isa<memref::LoadOp>(op))
      continue;
    SmallVector<Value> indices(readIndices(op));
    auto [base, offset] = baseAndOffset(indices.back());
    if (base) // (base + offset is computed in the loop)
      indices.back() = base;
    std::optional<unsigned> row = loopRow(loop, indices);
    if (!row)
      continue;
    RowKey key{op->getOperand(0), indices[*row], base};
    auto &[low, high] = spans.try_emplace(key, offset, offset).first->second;
    low = std::min(low, offset);
    high = std::max(high, offset);
  }
  llvm::DenseSet<RowKey> prefetched;
  for (auto [op, loop] : reads) {
    Value source = op->getOperand(0);
    ValueRange indices = readIndices(op);
    auto type = dyn_cast<MemRefType>(source.getType());
    auto vector = dyn_cast<VectorType>(op->getResult(0).getType());
    int64_t lanes = vector ? vector.getNumElements() : 1;
    std::optional<unsigned> row = loopRow(loop, indices);
    if (!type || !type.hasStaticShape() || (vector && vector.getRank() != 1) ||
        !row)
      continue;
    std::optional<RowKey> scalarRow;
    if (!vector) {
      scalarRow = {source, indices[*row], baseAndOffset(indices.back()).first};
      if (!prefetched.insert(*scalarRow).second)
        continue;
    }
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(type.getStridesAndOffset(strides, offset)) ||
        strides.back() != 1 || ShapedType::isDynamic(strides[*row]))
      continue;
    int64_t bytes = dlc::elementBytes(type.getElementType());
    if (strides[*row] * bytes < kPrefetchStrideBytes)
      continue;
    Location loc = op->getLoc();
    rewriter.setInsertionPoint(op);
    auto index = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(rewriter, loc, v);
    };
    Value ahead = arith::AddIOp::create(rewriter, loc, indices[*row],
                                        index(prefetchRows(width)));
    SmallVector<Value> at(indices);
    at[*row] = arith::MinUIOp::create(rewriter, loc, ahead,
                                      index(type.getDimSize(*row) - 1));
    int64_t lineElements = kCacheLineBytes / bytes;
    // The elements to prefetch, from `first`: one per line of a vector; a
    // row's first scalar and, past half a line, its last.
    Value first = at.back();
    SmallVector<int64_t> elements;
    for (int64_t e = 0; e < lanes; e += lineElements)
      elements.push_back(e);
    if (scalarRow) {
      auto [low, high] = spans.lookup(*scalarRow);
      first = std::get<2>(*scalarRow);
      elements = {low};
      if (2 * (high - low + 1) > lineElements)
        elements.push_back(high);
    }
    for (int64_t e : elements) {
      if (!first)
        at.back() = index(e);
      else
        at.back() =
            e ? arith::AddIOp::create(rewriter, loc, first, index(e)) : first;
      memref::PrefetchOp::create(rewriter, loc, source, at, /*isWrite=*/false,
                                 /*localityHint=*/3, /*isDataCache=*/true);
    }
  }
}

struct DLLowerVectors : dlc::impl::DLLowerVectorsBase<DLLowerVectors> {
  using DLLowerVectorsBase::DLLowerVectorsBase;

  void runOnOperation() override {
    // The accumulator block stays in registers across the reduction loop.
    getOperation().walk(
        [](func::FuncOp fn) { linalg::hoistRedundantVectorTransfers(fn); });
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);
    SmallVector<vector::ContractionOp> contracts;
    getOperation().walk(
        [&](vector::ContractionOp op) { contracts.push_back(op); });
    for (vector::ContractionOp contract : contracts)
      addBlockAfterUnitStep(rewriter, contract);
    RewritePatternSet patterns(ctx);
    patterns.add<UnitReductionContract, ReductionTree>(ctx, /*benefit=*/2);
    vector::populateVectorContractLoweringPatterns(
        patterns, vector::VectorContractLowering::OuterProduct);
    vector::populateVectorOuterProductLoweringPatterns(patterns);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateVectorMultiReductionLoweringPatterns(
        patterns, vector::VectorMultiReductionLowering::InnerParallel);
    vector::populateVectorBroadcastLoweringPatterns(patterns);
    vector::populateVectorShapeCastLoweringPatterns(patterns);
    vector::populateVectorTransposeLoweringPatterns(
        patterns, vector::VectorTransposeLowering::EltWise);
    vector::populateVectorTransferLoweringPatterns(patterns,
                                                   /*maxTransferRank=*/1);
    vector::populateVectorMaskOpLoweringPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     dlc::structuredRewrites())))
      return signalPassFailure();
    // Accumulators as rows; the extracts of the rebuilt blocks then fold
    // away (innermost loops first).
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops)
      splitCarriedVectors(rewriter, loop);
    splitTransfers(rewriter, getOperation());
    (void)applyPatternsGreedily(getOperation(), RewritePatternSet(ctx),
                                dlc::structuredRewrites());
    loops.clear();
    getOperation().walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops)
      unrollAccumulators(rewriter, loop, vectorWidth);
    scalarizeExtractedReads(rewriter, getOperation());
    prefetchStridedRows(rewriter, getOperation(), vectorWidth);
  }
};

} // namespace dlc::vectorize
