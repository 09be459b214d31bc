//===- Epilogues.cpp - products' epilogues, updates and splits ------------===//
//
// The elementwise ops a product's register blocks apply before writing
// (bias, activation, mask, an optimizer's update in place), the splits of
// products into main blocks and rests and along their reduction, and the
// clean-ups of the tiled loops that carry them.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Aliasing.h"
#include "compiler/Transforms/Vectorize.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

using namespace mlir;

namespace dlc::vectorize {

/// Whether dl-approximate-math expands `op` into a polynomial (a dozen
/// vector instructions or more, several values live).
bool isApproximated(Operation *op) {
  return isa<math::ExpOp, math::ExpM1Op, math::TanhOp, math::LogOp,
             math::Log1pOp, math::Log2Op, math::ErfOp>(op);
}

/// Collects into `defs` the ops that must move before `before` (in the
/// same block) for `value` to be defined there: its definition and those
/// of its operands, recursively, each free of side effects and regions, or
/// a load of a buffer that none of the ops from `before` on stores to.
/// False when some cannot move. (A linalg op has a region: so the updates
/// of RMSprop, Adam and AdamW, which read scalars computed in the step as
/// rank-0 generics, 1 - alpha and the bias corrections, are not epilogues
/// but passes of their own, right after their gradient. Letting rank-0
/// linalg ops move made them epilogues (in the register blocks, or in each
/// thread's share of a product blocked along its reduction), which
/// measured slower or the same: mnist_mlp2's Adam step 1.20x and the GAN's
/// discriminator step 1.07x as slow, the autoencoder's step the same. Such
/// an update streams the weight and both slots either way.)
static bool movableBefore(Value value, Operation *before,
                          DominanceInfo &dominance,
                          llvm::SetVector<Operation *> &defs) {
  if (dominance.properlyDominates(value, before))
    return true;
  Operation *def = value.getDefiningOp();
  if (!def || def->getBlock() != before->getBlock() ||
      def->getNumRegions() != 0)
    return false;
  if (defs.contains(def))
    return true;
  if (auto load = dyn_cast<bufferization::ToTensorOp>(def)) {
    // (Other loads do not change what it reads.)
    for (Operation *op = before; op != def; op = op->getNextNode())
      if (isa<bufferization::MaterializeInDestinationOp>(op)
              ? dlc::loadsOrStores(op, load.getBuffer())
              : !isa<bufferization::ToTensorOp>(op) && !isMemoryEffectFree(op))
        return false;
  } else if (!isMemoryEffectFree(def)) {
    return false;
  }
  for (Value operand : def->getOperands())
    if (!movableBefore(operand, before, dominance, defs))
      return false;
  defs.insert(def); // after its operands' definitions
  return true;
}

/// Moves the definitions of `values` before `before` when they all can
/// (movableBefore); whether they are defined there now.
static bool moveBefore(RewriterBase &rewriter, ValueRange values,
                       Operation *before, DominanceInfo &dominance) {
  llvm::SetVector<Operation *> defs;
  for (Value value : values)
    if (!movableBefore(value, before, dominance, defs))
      return false;
  for (Operation *def : defs)
    rewriter.moveOpBefore(def, before);
  return true;
}

/// The elementwise op a product's blocks can apply to their results (an
/// epilogue: a bias, an activation, a mask) before writing them: the
/// product's only user, a linalg.generic on tensors with every loop
/// parallel, reading the product once, at the identity, and no loop
/// index, and no op of the body expanded into a polynomial (a sigmoid's
/// exp on a 6 x 16 block would be 12 vectors of it, in the block loop:
/// more code for LLVM, and spills); the definitions of its other operands
/// move before the product (movableBefore). Null when there is none.
linalg::GenericOp epilogueOf(RewriterBase &rewriter, linalg::LinalgOp op,
                             DominanceInfo &dominance) {
  if (op->getNumResults() != 1 || !op->getResult(0).hasOneUse())
    return {};
  OpOperand &use = *op->getResult(0).getUses().begin();
  auto consumer = dyn_cast<linalg::GenericOp>(use.getOwner());
  if (!consumer || !op.getDpsInits()[0].getDefiningOp<linalg::FillOp>() ||
      !consumer.hasPureTensorSemantics() || !consumer.isDpsInput(&use) ||
      consumer.hasIndexSemantics() ||
      consumer.getNumParallelLoops() != consumer.getNumLoops() ||
      !consumer.getMatchingIndexingMap(&use).isIdentity() ||
      consumer->getBlock() != op->getBlock() ||
      consumer
          ->walk([](Operation *inner) {
            return isApproximated(inner) ? WalkResult::interrupt()
                                         : WalkResult::advance();
          })
          .wasInterrupted())
    return {};
  SmallVector<Value> others;
  for (OpOperand &operand : consumer->getOpOperands())
    if (&operand != &use)
      others.push_back(operand.get());
  if (!moveBefore(rewriter, others, op, dominance))
    return {};
  return consumer;
}

/// Whether `op` reads a buffer (a load of it) that one of its results is
/// stored into.
bool readsItsDestination(linalg::GenericOp op) {
  for (OpResult result : op->getResults())
    for (Operation *user : result.getUsers())
      if (auto store =
              dyn_cast<bufferization::MaterializeInDestinationOp>(user))
        for (Value input : op.getDpsInputs())
          if (auto load = input.getDefiningOp<bufferization::ToTensorOp>();
              load && dlc::loadsOrStores(load, store.getDest()))
            return true;
  return false;
}

/// An optimizer update that reads a parameter's (or a slot's) buffer at
/// the identity and whose result is stored back into it alone (w - lr g,
/// stored into w) reads and writes the buffer through its init instead: a
/// restrict, writable load of it. Fused into the blocks of the weight
/// gradient's product as an epilogue, it then updates each block of w in
/// place; with w an input that the blocks also write, bufferization would
/// copy all of w first (a memmove of every weight, every step). Only when
/// no other op of the block stores the buffer, and its other loads (the
/// forward pass's) are read before `op` alone, by ops whose results do not
/// alias them. The op reading its inits (itself when none qualifies).
linalg::GenericOp updateInPlace(RewriterBase &rewriter, linalg::GenericOp op) {
  SmallVector<Value> inputs(op.getDpsInputs()), inits(op.getDpsInits());
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  unsigned numInputs = inputs.size();
  Block &body = op.getRegion().front();
  // The inputs (loads) whose buffer a result is stored back into: input
  // -> result.
  llvm::SmallDenseMap<unsigned, unsigned> resultOf;
  for (OpResult result : op->getResults()) {
    unsigned r = result.getResultNumber();
    auto store = result.hasOneUse()
                     ? dyn_cast<bufferization::MaterializeInDestinationOp>(
                           *result.getUsers().begin())
                     : nullptr;
    if (!store || store->getBlock() != op->getBlock() ||
        !isa<MemRefType>(store.getDest().getType()) ||
        !inits[r].getDefiningOp<tensor::EmptyOp>() ||
        !body.getArgument(numInputs + r).use_empty())
      continue;
    Value buffer = store.getDest();
    for (unsigned j = 0; j < numInputs; ++j) {
      auto load = inputs[j].getDefiningOp<bufferization::ToTensorOp>();
      if (!load || load.getBuffer() != buffer || !load->hasOneUse() ||
          resultOf.count(j) || !maps[j].isIdentity() ||
          maps[numInputs + r] != maps[j])
        continue;
      // Another load of the buffer (the forward pass's) only read before
      // `op`: as the input of a product or an elementwise op, or inside a
      // loop whose results are its own (a tiled transpose's scf.forall).
      bool alone = llvm::all_of(*op->getBlock(), [&](Operation &other) {
        if (&other == load.getOperation() || &other == store.getOperation() ||
            !dlc::loadsOrStores(&other, buffer))
          return true;
        auto l = dyn_cast<bufferization::ToTensorOp>(other);
        return l && llvm::all_of(l->getUses(), [&](OpOperand &use) {
                 Operation *user = use.getOwner();
                 Operation *outer =
                     op->getBlock()->findAncestorOpInBlock(*user);
                 if (!outer || !outer->isBeforeInBlock(op))
                   return false;
                 if (auto forall = dyn_cast<scf::ForallOp>(outer))
                   return outer != user &&
                          !llvm::is_contained(forall.getOutputs(), use.get());
                 auto linalgUser = dyn_cast<linalg::LinalgOp>(user);
                 return linalgUser && linalgUser.isDpsInput(&use);
               });
      });
      if (alone)
        resultOf[j] = r;
      break;
    }
  }
  if (resultOf.empty())
    return op;
  SmallVector<Value> newInputs;
  SmallVector<AffineMap> newMaps;
  for (unsigned j = 0; j < numInputs; ++j) {
    if (resultOf.count(j)) {
      auto load = inputs[j].getDefiningOp<bufferization::ToTensorOp>();
      rewriter.setInsertionPoint(load);
      inits[resultOf[j]] = bufferization::ToTensorOp::create(
          rewriter, load.getLoc(), load.getType(), load.getBuffer(),
          /*restrict=*/true, /*writable=*/true);
      continue;
    }
    newInputs.push_back(inputs[j]);
    newMaps.push_back(maps[j]);
  }
  llvm::append_range(newMaps, ArrayRef(maps).drop_front(numInputs));
  rewriter.setInsertionPoint(op);
  auto updated = linalg::GenericOp::create(
      rewriter, op.getLoc(), op.getResultTypes(), newInputs, inits, newMaps,
      op.getIteratorTypesArray());
  rewriter.inlineRegionBefore(op.getRegion(), updated.getRegion(),
                              updated.getRegion().end());
  Block &block = updated.getRegion().front();
  for (auto [j, r] : resultOf)
    rewriter.replaceAllUsesWith(block.getArgument(j),
                                block.getArgument(numInputs + r));
  for (unsigned j = numInputs; j-- > 0;)
    if (resultOf.count(j))
      block.eraseArgument(j);
  SmallVector<Operation *> loads;
  for (auto [j, r] : resultOf)
    loads.push_back(inputs[j].getDefiningOp());
  rewriter.replaceOp(op, updated.getResults());
  for (Operation *load : loads)
    rewriter.eraseOp(load);
  return updated;
}

/// An epilogue split as its product was: the product's result dimension
/// `position` at `point`; each part reads operand `index` from its part
/// of the product directly.
static void splitEpilogue(IRRewriter &rewriter, linalg::GenericOp epilogue,
                          unsigned index, unsigned position, int64_t point,
                          linalg::LinalgOp first, linalg::LinalgOp rest,
                          Epilogues &epilogues) {
  rewriter.setInsertionPoint(epilogue);
  auto [head, tail] =
      linalg::splitOp(rewriter, cast<TilingInterface>(epilogue.getOperation()),
                      position, rewriter.getIndexAttr(point));
  if (!head || !tail)
    return;
  for (auto [part, product] : {std::make_pair(head.getOperation(), first),
                               std::make_pair(tail.getOperation(), rest)}) {
    Value read = product->getResult(0);
    Operation *reader = part;
    rewriter.modifyOpInPlace(reader, [&] { reader->setOperand(index, read); });
    epilogues[product] = cast<linalg::GenericOp>(part);
  }
  // The whole product (its parts inserted into the fill's destination)
  // and the slices the epilogue's parts read of it are no longer used
  // (backwards, users before what they use).
  Block *block = head->getBlock();
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*block)))
    if (isa<tensor::InsertSliceOp, tensor::ExtractSliceOp>(op) &&
        op.use_empty())
      rewriter.eraseOp(&op);
}

/// `op` split in two along loop `dim` at `point` (linalg::splitOp); the
/// parts, the second null when empty. Parts of a product from a zero
/// fill get a fill of their own, which is fused into their blocks
/// (tileFusingFills), and the whole fill is gone: the first part fills a
/// slice of the fill's destination, the rest a slice of the first part's
/// result.
static std::pair<linalg::LinalgOp, linalg::LinalgOp>
splitProduct(IRRewriter &rewriter, linalg::LinalgOp op, unsigned dim,
             int64_t point, Epilogues &epilogues) {
  Value init = op.getDpsInits()[0];
  linalg::GenericOp epilogue = epilogues.lookup(op);
  std::optional<unsigned> position =
      op.getMatchingIndexingMap(op.getDpsInitOperand(0))
          .getResultPosition(getAffineDimExpr(dim, op.getContext()));
  unsigned index = 0;
  if (epilogue) {
    epilogues.erase(op);
    index = op->getResult(0).getUses().begin()->getOperandNumber();
  }
  rewriter.setInsertionPoint(op);
  auto [first, rest] =
      linalg::splitOp(rewriter, cast<TilingInterface>(op.getOperation()), dim,
                      rewriter.getIndexAttr(point));
  auto parts =
      std::make_pair(cast_or_null<linalg::LinalgOp>(first.getOperation()),
                     cast_or_null<linalg::LinalgOp>(rest.getOperation()));
  // (A part of a streamed product's reduction stays one: splitStreams.)
  if (Attribute part = op->getAttr(kStreamPart))
    for (Operation *piece : {first.getOperation(), rest.getOperation()})
      if (piece)
        piece->setAttr(kStreamPart, part);
  auto fill = init.getDefiningOp<linalg::FillOp>();
  if (!rest && epilogue)
    epilogues[parts.first] = epilogue;
  if (!rest || !fill)
    return parts;
  for (linalg::LinalgOp part : {parts.first, parts.second}) {
    OpOperand *partInit = part.getDpsInitOperand(0);
    auto slice = partInit->get().getDefiningOp<tensor::ExtractSliceOp>();
    if (!slice)
      continue;
    rewriter.setInsertionPoint(slice);
    // (With an epilogue, the whole product is not needed: no part writes
    // into another's result.)
    Value zeros = slice;
    if (slice.getSource() == init || epilogue)
      zeros = tensor::ExtractSliceOp::create(
          rewriter, slice.getLoc(), fill.getOutputs()[0],
          slice.getMixedOffsets(), slice.getMixedSizes(),
          slice.getMixedStrides());
    else
      rewriter.setInsertionPointAfter(slice);
    zeros = linalg::FillOp::create(rewriter, fill.getLoc(), fill.getInputs()[0],
                                   zeros)
                .getResult(0);
    rewriter.modifyOpInPlace(part, [&] { partInit->set(zeros); });
  }
  for (Operation *user : first->getResult(0).getUsers())
    if (auto insert = dyn_cast<tensor::InsertSliceOp>(user);
        insert && insert.getDest() == init)
      rewriter.modifyOpInPlace(
          insert, [&] { insert.getDestMutable().set(fill.getOutputs()[0]); });
  if (epilogue && position)
    splitEpilogue(rewriter, epilogue, index, *position, point, parts.first,
                  parts.second, epilogues);
  return parts;
}

/// Contractions whose rows (mainRows), then columns (mainColumns), two
/// register blocks cover better become two ops, split along that
/// dimension.
void splitProducts(IRRewriter &rewriter, Operation *root, int64_t width,
                   Epilogues &epilogues,
                   DenseMap<Operation *, Operation *> &restOf) {
  SmallVector<linalg::LinalgOp> products;
  root->walk([&](linalg::LinalgOp op) {
    if (contractionTiles(op, width))
      products.push_back(op);
  });
  for (linalg::LinalgOp op : products) {
    FailureOr<linalg::ContractionDimensions> dims =
        linalg::inferContractionDims(op);
    unsigned m = dims->m.back(), n = dims->n.back();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    SmallVector<linalg::LinalgOp> parts = {op};
    int64_t depth = 1;
    for (unsigned k : dims->k)
      depth *= ranges[k];
    bool wideB = isWideB(op, *dims);
    // (The rows are weighed against the columns the main blocks will
    // cover: with all 500 columns, whose divisors allow 5-lane blocks at
    // most, 784 rows went 754 in 13-row blocks and 30, which with 496
    // columns are 13 x 8 blocks, more than AVX2's registers hold.)
    int64_t rows =
        mainRows(ranges[m], mainColumns(ranges[m], ranges[n], width, wideB),
                 depth, width, wideB, chunksReadB(op, *dims));
    if (rows < ranges[m]) {
      auto [first, rest] = splitProduct(rewriter, op, m, rows, epilogues);
      parts = {first};
      if (rest)
        parts.push_back(rest);
    }
    bool splitAgain = false;
    for (linalg::LinalgOp part : parts) {
      if (!part)
        continue;
      int64_t partRows = part.getStaticLoopRanges()[m];
      int64_t columns = mainColumns(partRows, ranges[n], width, wideB);
      if (columns < ranges[n]) {
        splitProduct(rewriter, part, n, columns, epilogues);
        splitAgain = true;
      }
    }
    if (parts.size() == 2 && parts[0] && parts[1] && !splitAgain)
      restOf[parts[1]] = parts[0];
  }
}

bool fuseDepthLoops(RewriterBase &rewriter, scf::ForOp main, scf::ForOp rest) {
  auto same = [](Value a, Value b) {
    return getConstantIntValue(a) &&
           getConstantIntValue(a) == getConstantIntValue(b);
  };
  if (main->getBlock() != rest->getBlock() || !main->isBeforeInBlock(rest) ||
      !same(main.getLowerBound(), rest.getLowerBound()) ||
      !same(main.getUpperBound(), rest.getUpperBound()) ||
      !same(main.getStep(), rest.getStep()))
    return false;
  // The rest's slice of the result, taken from the tensor the main part's
  // result was inserted into (splitProduct), is the same slice of the
  // tensor before: it no longer waits for the main part.
  for (Value init : rest.getInitArgs()) {
    Operation *def = init.getDefiningOp();
    if (auto fill = dyn_cast_or_null<linalg::FillOp>(def))
      def = fill.getOutputs()[0].getDefiningOp();
    auto slice = dyn_cast_or_null<tensor::ExtractSliceOp>(def);
    while (slice) {
      auto insert = slice.getSource().getDefiningOp<tensor::InsertSliceOp>();
      if (!insert)
        break;
      FailureOr<bool> overlap = ValueBoundsConstraintSet::areOverlappingSlices(
          rewriter.getContext(), HyperrectangularSlice(slice),
          HyperrectangularSlice(insert));
      if (failed(overlap) || *overlap)
        break;
      rewriter.modifyOpInPlace(
          slice, [&] { slice.getSourceMutable().set(insert.getDest()); });
    }
  }
  SetVector<Operation *> users;
  getForwardSlice(main.getOperation(), &users);
  if (llvm::any_of(users, [&](Operation *op) { return rest->isAncestor(op); }))
    return false;
  // What uses the main part's result before the rest moves after it, in
  // order; the fused loop comes before them.
  Operation *last = rest;
  for (Operation &op : llvm::make_early_inc_range(llvm::make_range(
           std::next(main->getIterator()), rest->getIterator())))
    if (users.contains(&op)) {
      rewriter.moveOpAfter(&op, last);
      last = &op;
    }
  fuseIndependentSiblingForLoops(main, rest, rewriter);
  return true;
}

/// Whether `read` reads back the +0.0 that a transfer_write of a splat
/// wrote where it reads (a zero fill fused into the tile).
static bool readsWrittenZeros(vector::TransferReadOp read) {
  auto write = read.getBase().getDefiningOp<vector::TransferWriteOp>();
  return write && vector::checkSameValueRAW(write, read) &&
         matchPattern(write.getVector(), m_PosZeroFloat());
}

/// A reduction loop that carries a block read from the product's result
/// (a gradient accumulated into its buffer, a product blocked along its
/// reduction) starts from zeros instead, and the block is read and added
/// after the loop: the loop's first FMAs waited for that read (from L3 or
/// memory, for a parameter's gradient), and the block took registers
/// during the loop. C + (a1 b1 + a2 b2 ...) instead of (C + a1 b1) + ...:
/// the same values when C is zero. Only for a carried vector that each
/// step adds one contraction to. When C is the +0.0 of a fused fill, the
/// addition is left out: a sum that starts from +0.0 is never -0.0 in
/// round-to-nearest, so adding +0.0 changes nothing, but LLVM cannot know
/// the loop's start and kept one addition per accumulator.
void addBlockAfterLoop(RewriterBase &rewriter, scf::ForOp loop) {
  for (unsigned index = 0; index < loop.getNumRegionIterArgs(); ++index) {
    BlockArgument arg = loop.getRegionIterArgs()[index];
    auto read =
        loop.getInitArgs()[index].getDefiningOp<vector::TransferReadOp>();
    auto type = dyn_cast<VectorType>(arg.getType());
    if (!read || !read->hasOneUse() || !type || !arg.hasOneUse())
      continue;
    auto contract = dyn_cast<vector::ContractionOp>(*arg.getUsers().begin());
    if (!contract || contract.getAcc() != arg ||
        contract.getKind() != vector::CombiningKind::ADD ||
        !contract->hasOneUse() ||
        *contract->getUsers().begin() != loop.getBody()->getTerminator() ||
        loop.getBody()->getTerminator()->getOperand(index) !=
            contract.getResult())
      continue;
    Location loc = read.getLoc();
    rewriter.setInsertionPoint(loop);
    Value zeros = arith::ConstantOp::create(rewriter, loc, type,
                                            rewriter.getZeroAttr(type));
    rewriter.modifyOpInPlace(
        loop, [&] { loop.getInitArgsMutable()[index].set(zeros); });
    Value result = loop.getResult(index);
    if (readsWrittenZeros(read)) {
      rewriter.eraseOp(read);
      continue;
    }
    rewriter.moveOpAfter(read, loop);
    rewriter.setInsertionPointAfter(read);
    auto sum = arith::AddFOp::create(rewriter, loc, read.getResult(), result);
    rewriter.replaceAllUsesExcept(result, sum.getResult(), sum);
  }
}

/// `epilogue`, which reads the result of the outermost loop of `nest`,
/// fused into each loop in turn (scf::tileAndFuseConsumer, which replaces
/// the loops); its tile in the innermost it joined, or null when it could
/// not join the outermost. The definitions of its operands move before
/// each loop.
Operation *fuseEpilogue(RewriterBase &rewriter, Operation *epilogue,
                        ArrayRef<LoopLikeOpInterface> nest) {
  Operation *tile = nullptr;
  SmallVector<SmallVector<LoopLikeOpInterface>> groups;
  for (LoopLikeOpInterface loop : nest) {
    if (groups.empty() || isa<scf::ForallOp>(loop) ||
        isa<scf::ForallOp>(groups.back().back()))
      groups.emplace_back();
    groups.back().push_back(loop);
  }
  for (SmallVector<LoopLikeOpInterface> &group : groups) {
    LoopLikeOpInterface loop = group.front();
    // The outermost loop moves down to the epilogue when nothing before
    // it reads the loop (it reads nothing defined after it), so that all
    // the epilogue reads is defined before it: the first part of a split
    // epilogue, fused, is the destination of the rest's. Not past a store
    // into a buffer the loop reads (in a fused training step, an input
    // gradient's product by a weight that is updated before the gradient
    // of the layer below, its relu mask, is computed: moved down, the
    // product read the new weight). Otherwise, and in the loops inside,
    // what the epilogue reads moves up.
    if (loop->getBlock() == epilogue->getBlock() &&
        llvm::all_of(loop->getUsers(),
                     [&](Operation *user) {
                       return user->getBlock() == epilogue->getBlock() &&
                              !user->isBeforeInBlock(epilogue);
                     }) &&
        !dlc::writtenBetween(loop, epilogue))
      rewriter.moveOpBefore(loop, epilogue);
    DominanceInfo dominance(loop->getParentOp());
    SmallVector<Value> operands;
    for (Value operand : epilogue->getOperands())
      if (operand.getDefiningOp() != loop.getOperation())
        operands.push_back(operand);
    if (!moveBefore(rewriter, operands, loop, dominance))
      break;
    // (Upstream's consumer fusion moves the loop down to the epilogue: an
    // epilogue past such a store moves up to the loop instead.)
    if (loop->getBlock() == epilogue->getBlock() &&
        loop->isBeforeInBlock(epilogue) && dlc::writtenBetween(loop, epilogue))
      rewriter.moveOpAfter(epilogue, loop);
    MutableArrayRef<LoopLikeOpInterface> loops = group;
    FailureOr<scf::SCFFuseConsumerOfSliceResult> fused =
        scf::tileAndFuseConsumer(rewriter, epilogue, loops);
    if (failed(fused))
      break;
    // (Its results replaced by the loops', the op left behind reads the
    // product still.)
    if (epilogue->use_empty())
      rewriter.eraseOp(epilogue);
    tile = fused->tiledOps.front();
    epilogue = tile;
  }
  return tile;
}

/// The results nothing uses of tiled loops (`nest` and the loops inside
/// it), such as a product's once its epilogue writes the result instead,
/// no longer written: the tiles an scf.forall inserts into them are
/// dropped, and an scf.for carries them unchanged (canonicalization then
/// removes them). Each iteration of a tiled loop writes its own tile, so
/// no iteration reads what another wrote.
void dropUnusedResults(RewriterBase &rewriter, LoopLikeOpInterface nest) {
  // (Consumer fusion leaves the slices it inserted to read the product's
  // tiles, dead now.)
  for (bool erased = true; erased;) {
    SmallVector<Operation *> dead;
    nest->walk([&](Operation *op) {
      if (op != nest.getOperation() && isOpTriviallyDead(op))
        dead.push_back(op);
    });
    for (Operation *op : dead)
      rewriter.eraseOp(op);
    erased = !dead.empty();
  }
  SmallVector<Operation *> loops; // outer loops first
  nest->walk<WalkOrder::PreOrder>(
      [&](LoopLikeOpInterface loop) { loops.push_back(loop); });
  for (Operation *op : loops) {
    if (auto forall = dyn_cast<scf::ForallOp>(op)) {
      for (auto [result, arg] :
           llvm::zip(forall.getResults(), forall.getRegionIterArgs()))
        if (result.use_empty())
          for (Operation *user : llvm::make_early_inc_range(arg.getUsers()))
            if (auto insert = dyn_cast<tensor::ParallelInsertSliceOp>(user);
                insert && insert.getDest() == arg)
              rewriter.eraseOp(insert);
    } else if (auto loop = dyn_cast<scf::ForOp>(op)) {
      Operation *yield = loop.getBody()->getTerminator();
      for (unsigned index = 0; index < loop.getNumResults(); ++index)
        if (loop.getResult(index).use_empty())
          rewriter.modifyOpInPlace(yield, [&] {
            yield->setOperand(index, loop.getRegionIterArgs()[index]);
          });
    }
  }
}

/// The slices in `block` that take or replace all of a tensor (those
/// linalg::splitOp leaves along a reduction), replaced by the tensor.
static void foldWholeSlices(RewriterBase &rewriter, Block &block) {
  for (Operation &op : llvm::make_early_inc_range(block)) {
    if (!isa<tensor::ExtractSliceOp, tensor::InsertSliceOp>(op))
      continue;
    SmallVector<OpFoldResult> folded;
    if (failed(op.fold(folded)) || folded.size() != 1)
      continue;
    auto value = dyn_cast<Value>(folded.front());
    if (value && value != op.getResult(0))
      rewriter.replaceOp(&op, value);
  }
}

/// `op` split along its reduction into its first and last blocks of
/// depthBlock's `tiles` and the blocks between (linalg::splitOp: each part
/// adds to the previous part's result). The first then starts from the
/// zero fill (its register blocks from zeros), the last ends with the
/// whole sum (its register blocks can apply an epilogue), in the same
/// order of the sums. None when `op` has no more than one block.
std::optional<DepthParts> splitDepth(RewriterBase &rewriter,
                                     linalg::LinalgOp op,
                                     ArrayRef<int64_t> tiles) {
  unsigned k = linalg::inferContractionDims(op)->k.front();
  int64_t block = tiles[k], depth = op.getStaticLoopRanges()[k];
  if (depth < 2 * block)
    return std::nullopt;
  Block *parent = op->getBlock();
  rewriter.setInsertionPoint(op);
  auto [first, rest] =
      linalg::splitOp(rewriter, cast<TilingInterface>(op.getOperation()), k,
                      rewriter.getIndexAttr(block));
  if (!first || !rest)
    return std::nullopt;
  DepthParts parts{cast<linalg::LinalgOp>(first.getOperation()), nullptr,
                   cast<linalg::LinalgOp>(rest.getOperation())};
  if (depth > 2 * block) {
    rewriter.setInsertionPoint(rest);
    auto [middle, last] = linalg::splitOp(
        rewriter, rest, k, rewriter.getIndexAttr(depth - 2 * block));
    if (!middle || !last) {
      // (All but the first block then stays one part, blocked in a loop.)
      parts.middle = parts.last;
      parts.last = nullptr;
    } else {
      parts.middle = cast<linalg::LinalgOp>(middle.getOperation());
      parts.last = cast<linalg::LinalgOp>(last.getOperation());
    }
  }
  foldWholeSlices(rewriter, *parent);
  return parts;
}

} // namespace dlc::vectorize
