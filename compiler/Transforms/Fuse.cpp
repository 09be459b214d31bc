//===- Fuse.cpp - the dl-fuse-elementwise pass ----------------------------===//
//
// Elementwise fusion on tensors without recomputation; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Aliasing.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"

namespace dlc {
#define GEN_PASS_DEF_DLFUSEELEMENTWISE
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using dlc::mayAlias;

namespace {

/// Fuses a producer whose results are also stored into buffers (an
/// optimizer's new momentum, stored into its variable and read by the
/// parameter's update) into its consumer: the fused op computes the
/// producer's values too, the stores take them from it and move after it,
/// and the producer goes. Upstream's fusion would keep the producer for
/// the stores and compute its values again in the consumer, there after
/// the store into a buffer the producer reads: wrong values.
///
/// Only when the producer and consumer are in one block and nothing
/// between them writes memory but stores, none into a buffer the producer
/// reads, and nothing between them loads a buffer a moved store writes.
struct FuseIntoStores : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp consumer,
                                PatternRewriter &rewriter) const override {
    for (OpOperand *operand : consumer.getDpsInputOperands()) {
      if (!linalg::areElementwiseOpsFusable(operand))
        continue;
      auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
      SmallVector<bufferization::MaterializeInDestinationOp> stores;
      if (!storedAndConsumed(producer, consumer, stores))
        continue;
      FailureOr<linalg::ElementwiseOpFusionResult> fused =
          linalg::fuseElementwiseOps(rewriter, operand);
      if (failed(fused))
        return failure();
      for (auto [original, replacement] : fused->replacements)
        rewriter.replaceAllUsesWith(original, replacement);
      for (bufferization::MaterializeInDestinationOp store :
           llvm::reverse(stores))
        rewriter.moveOpAfter(store, fused->fusedOp);
      rewriter.eraseOp(consumer);
      rewriter.eraseOp(producer);
      return success();
    }
    return failure();
  }

  /// Whether every use of `producer` is in `consumer` or a store into a
  /// buffer (`stores`, at least one), in one block, with nothing between
  /// the two ops that prevents moving the stores after `consumer`.
  static bool
  storedAndConsumed(linalg::GenericOp producer, linalg::GenericOp consumer,
                    SmallVectorImpl<bufferization::MaterializeInDestinationOp>
                        &stores) {
    Block *block = consumer->getBlock();
    if (producer->getBlock() != block || !producer->isBeforeInBlock(consumer))
      return false;
    // (Read once by the consumer: the fusion replaces that one operand.)
    if (llvm::count_if(consumer->getOperands(), [&](Value v) {
          return v.getDefiningOp() == producer.getOperation();
        }) != 1)
      return false;
    for (Operation *user : producer->getUsers()) {
      if (user == consumer)
        continue;
      auto store = dyn_cast<bufferization::MaterializeInDestinationOp>(user);
      if (!store || store->getBlock() != block ||
          !isa<MemRefType>(store.getDest().getType()))
        return false;
      // (A store after the consumer stays where it is.)
      if (store->isBeforeInBlock(consumer) && !llvm::is_contained(stores, store))
        stores.push_back(store);
    }
    if (stores.empty())
      return false;
    llvm::sort(stores, [](auto a, auto b) {
      return a->isBeforeInBlock(b.getOperation());
    });
    // The buffers the producer's operands live in: variables it reads, and
    // buffers its operands are stored into.
    SmallVector<Value> read;
    for (Value operand : producer->getOperands()) {
      if (auto load = operand.getDefiningOp<bufferization::ToTensorOp>())
        read.push_back(load.getBuffer());
      for (Operation *user : operand.getUsers())
        if (auto store = dyn_cast<bufferization::MaterializeInDestinationOp>(user))
          read.push_back(store.getDest());
    }
    for (Operation *op = producer->getNextNode(); op != consumer;
         op = op->getNextNode()) {
      if (auto store = dyn_cast<bufferization::MaterializeInDestinationOp>(op)) {
        // The producer's own stores move; another store stays, and must not
        // write what the producer reads (it then reads it later).
        if (llvm::is_contained(stores, store))
          continue;
        if (!isa<MemRefType>(store.getDest().getType()) ||
            llvm::any_of(read, [&](Value buffer) {
              return mayAlias(buffer, store.getDest());
            }))
          return false;
        continue;
      }
      if (auto load = dyn_cast<bufferization::ToTensorOp>(op)) {
        if (llvm::any_of(stores, [&](auto store) {
              return mayAlias(load.getBuffer(), store.getDest());
            }))
          return false;
        continue;
      }
      if (!isMemoryEffectFree(op))
        return false;
    }
    return true;
  }
};

/// Whether `consumer` reads `operand` at several points of one of its
/// parallel loops (one whose extent is not 1 and that the operand's map
/// does not use).
bool broadcastAlongParallelLoop(linalg::LinalgOp consumer, OpOperand *operand) {
  AffineMap map = consumer.getMatchingIndexingMap(operand);
  SmallVector<int64_t> ranges = consumer.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = consumer.getIteratorTypesArray();
  for (unsigned loop = 0; loop < ranges.size(); ++loop)
    if (iterators[loop] == utils::IteratorType::parallel && ranges[loop] != 1 &&
        !map.isFunctionOfDim(loop))
      return true;
  return false;
}

/// Whether `op` only copies its input (a broadcast: the gradient of a sum
/// spread back over the summed axes): one input and init, all loops
/// parallel, a body that yields the input's element. (Upstream's
/// isaBroadcastOpInterface takes no input read at 0 in a unit dimension,
/// as dO [.., N, 1] spread over [.., N, K] is.)
bool isCopy(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 1 ||
      op.getNumDpsInits() != 1 || op.getNumParallelLoops() != op.getNumLoops())
    return false;
  Block &body = op.getRegion().front();
  return &body.front() == body.getTerminator() &&
         body.getTerminator()->getOperand(0) == body.getArgument(0);
}

/// Each use but the first of a copy that several elementwise ops or
/// reductions read (isCopy) reads a clone of it instead, so that each
/// fuses its own: they read the copy's input through its map, and the
/// copy is never written out. (The gradients of sum(q * k, axis = 3)
/// with q [32, 64, 1, 64] and k [32, 1, 64, 64] both read dO broadcast to
/// [32, 64, 64, 64], 32 MB written and read twice: 8.5x the step of
/// q @ transpose(k).)
void cloneSharedCopies(RewriterBase &rewriter, Operation *root) {
  SmallVector<linalg::GenericOp> copies;
  root->walk([&](linalg::GenericOp op) {
    if (isCopy(op) && !op->hasOneUse() &&
        llvm::all_of(op->getUses(), [](OpOperand &use) {
          return linalg::areElementwiseOpsFusable(&use);
        }))
      copies.push_back(op);
  });
  for (linalg::GenericOp op : copies) {
    SmallVector<OpOperand *> uses;
    for (OpOperand &use : op->getUses())
      uses.push_back(&use);
    rewriter.setInsertionPointAfter(op);
    for (OpOperand *use : llvm::drop_begin(uses)) {
      Operation *clone = rewriter.clone(*op);
      rewriter.modifyOpInPlace(use->getOwner(),
                               [&] { use->set(clone->getResult(0)); });
    }
  }
}

/// Consumers that would fuse a producer with one use but for a store
/// between the two into a buffer the producer reads move up to just after
/// the producer, where they can: every value they use is defined before
/// it, and nothing between the two writes a buffer they read. In a fused
/// step, the input gradient sum(dY * w, axis = 1) of a product written
/// as a broadcast product summed over an axis has its sum after w's update
/// (the update follows the last op that reads w: the multiply); fused
/// there, it reads w's old values and computes as accumulate does (one
/// FMA per element, where the multiply written out and summed rounds
/// twice: the fused step differed from accumulate + apply in the last
/// bits).
void hoistBlockedConsumers(RewriterBase &rewriter, Operation *root) {
  // The producer `consumer` moves up to, or null. (Checked as the moves are
  // made: a move changes what is defined before the next one's producer.)
  auto blockedBy = [](linalg::GenericOp consumer) -> Operation * {
    for (OpOperand *operand : consumer.getDpsInputOperands()) {
      Operation *producer = operand->get().getDefiningOp();
      if (!producer || !producer->hasOneUse() ||
          producer->getBlock() != consumer->getBlock() ||
          !linalg::areElementwiseOpsFusable(operand) ||
          !dlc::writtenBetween(producer, consumer))
        continue;
      llvm::SetVector<Value> used;
      used.insert(consumer->operand_begin(), consumer->operand_end());
      getUsedValuesDefinedAbove(consumer->getRegions(), used);
      // (A value defined outside the block dominates all of it.)
      bool available = llvm::all_of(used, [&](Value v) {
        Operation *def = v.getDefiningOp();
        return !def || def->getBlock() != producer->getBlock() ||
               def == producer || def->isBeforeInBlock(producer);
      });
      if (available && !dlc::writtenBetween(consumer, consumer, producer))
        return producer;
    }
    return nullptr;
  };
  SmallVector<linalg::GenericOp> consumers;
  root->walk([&](linalg::GenericOp op) { consumers.push_back(op); });
  for (linalg::GenericOp consumer : consumers)
    if (Operation *producer = blockedBy(consumer))
      rewriter.moveOpAfter(consumer, producer);
}

/// Whether `op` adds its two inputs element by element: identity maps, all
/// loops parallel, and a body that yields the sum of its two arguments.
bool isPlainAdd(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return false;
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getValues()[0].getDefiningOp<arith::AddFOp>();
  return add && &body.front() == add.getOperation() &&
         llvm::is_contained(add->getOperands(), body.getArgument(0)) &&
         llvm::is_contained(add->getOperands(), body.getArgument(1));
}

/// The gradient of a parameter added to its buffer (`g = g + A B`, the
/// product into a zero fill, the sum stored back into g) becomes the
/// product into g itself: its register blocks start from g's values
/// instead of zeros, and the separate pass over both (a read of each, a
/// write of g) goes. g + (A B) becomes (g + a1 b1) + a2 b2 ...: the same
/// values when g is zero, as it is at the start of every step.
///
/// Only when the buffer is loaded for the sum alone, the product's result
/// is used by the sum alone, the sum is stored into that buffer alone, all
/// in one block, the block reads and writes the buffer nowhere else, and
/// nothing between the product and the store has other memory effects:
/// the product now reads and writes the buffer where it stands.
struct AccumulateIntoProduct : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp sum,
                                PatternRewriter &rewriter) const override {
    if (!isPlainAdd(sum) || !sum->hasOneUse())
      return failure();
    auto store = dyn_cast<bufferization::MaterializeInDestinationOp>(
        *sum->getUsers().begin());
    if (!store || store->getBlock() != sum->getBlock())
      return failure();
    for (unsigned i = 0; i < 2; ++i) {
      auto product = sum.getDpsInputs()[i].getDefiningOp<linalg::LinalgOp>();
      auto load =
          sum.getDpsInputs()[1 - i].getDefiningOp<bufferization::ToTensorOp>();
      if (!product || !load || !zeroFilled(product) || !product->hasOneUse() ||
          !load->hasOneUse() || load.getBuffer() != store.getDest() ||
          product->getBlock() != sum->getBlock() ||
          !untouchedBetween(product, store, load))
        continue;
      Value buffer = load.getBuffer();
      if (auto arg = dyn_cast<BlockArgument>(buffer)) {
        if (arg.getOwner() != product->getBlock())
          continue;
      } else if (!buffer.getDefiningOp()->isBeforeInBlock(product)) {
        continue;
      }
      rewriter.setInsertionPoint(product);
      auto init = bufferization::ToTensorOp::create(
          rewriter, load.getLoc(), load.getType(), buffer, /*restrict=*/true,
          /*writable=*/true);
      rewriter.modifyOpInPlace(
          product, [&] { product.getDpsInitsMutable()[0].set(init); });
      rewriter.replaceOp(sum, product->getResult(0));
      rewriter.eraseOp(load);
      return success();
    }
    return failure();
  }

  /// Whether `op` is a contraction into a fill of zero.
  static bool zeroFilled(linalg::LinalgOp op) {
    if (!linalg::isaContractionOpInterface(op) || op->getNumResults() != 1 ||
        !op.hasPureTensorSemantics())
      return false;
    auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
    return fill && matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  }

  /// Whether `load` and `store` are the only ops of their block that read
  /// or write the buffer `store` writes, and the ops from `product` to
  /// `store` have no memory effects but loads and stores of other buffers.
  static bool untouchedBetween(Operation *product, Operation *store,
                               bufferization::ToTensorOp load) {
    Value buffer = load.getBuffer();
    for (Operation &op : *store->getBlock())
      if (&op != load.getOperation() && &op != store &&
          dlc::loadsOrStores(&op, buffer))
        return false;
    for (Operation *op = product->getNextNode(); op != store;
         op = op->getNextNode())
      if (!isa<bufferization::ToTensorOp,
               bufferization::MaterializeInDestinationOp>(op) &&
          !isMemoryEffectFree(op))
        return false;
    return true;
  }
};

/// A buffer filled with a constant after an elementwise op read it (a
/// gradient cleared after the optimizer's update read it) is filled by
/// that op instead: an extra result, the constant, stored into the buffer,
/// so each element is cleared in the same pass that reads it (it was a
/// second pass over the buffer, a memset).
///
/// Only when the fill's result is stored into that buffer alone, the op
/// is all parallel, reads the buffer's load with an identity map and
/// writes results of the fill's shape, and nothing between the op and the
/// store reads or writes the buffer.
struct FillIntoReader : OpRewritePattern<linalg::FillOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::FillOp fill,
                                PatternRewriter &rewriter) const override {
    if (!fill.hasPureTensorSemantics() || !fill->hasOneUse())
      return failure();
    auto store = dyn_cast<bufferization::MaterializeInDestinationOp>(
        *fill->getUsers().begin());
    if (!store || store->getBlock() != fill->getBlock() ||
        !isa<MemRefType>(store.getDest().getType()))
      return failure();
    Value buffer = store.getDest();
    auto type = cast<RankedTensorType>(fill.getResult(0).getType());
    // The last op before the store that reads the buffer.
    linalg::GenericOp reader;
    for (Operation *op = store->getPrevNode(); op && !reader;
         op = op->getPrevNode()) {
      if (isa<bufferization::ToTensorOp,
              bufferization::MaterializeInDestinationOp>(op)) {
        if (dlc::loadsOrStores(op, buffer))
          return failure(); // (read or written after the reader)
        continue;
      }
      if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
        if (reads(generic, buffer, /*identity=*/false))
          reader = generic;
        continue;
      }
      if (!isMemoryEffectFree(op))
        return failure();
    }
    if (!reader || !reads(reader, buffer) || !reader.hasPureTensorSemantics() ||
        reader.getNumParallelLoops() != reader.getNumLoops() ||
        llvm::any_of(reader->getResultTypes(),
                     [&](Type t) { return t != type; }) ||
        !llvm::all_of(reader.getDpsInitsMutable(), [&](OpOperand &init) {
          return reader.getMatchingIndexingMap(&init).isIdentity();
        }))
      return failure();
    // The fill's value must be defined before the reader.
    Value value = fill.getInputs()[0];
    if (auto def = value.getDefiningOp();
        def && def->getBlock() == reader->getBlock() &&
        !def->isBeforeInBlock(reader))
      return failure();
    SmallVector<Value> inits(reader.getDpsInits());
    inits.push_back(fill.getOutputs()[0]);
    if (auto def = inits.back().getDefiningOp();
        def && def->getBlock() == reader->getBlock() &&
        !def->isBeforeInBlock(reader))
      return failure();
    SmallVector<AffineMap> maps = reader.getIndexingMapsArray();
    maps.push_back(rewriter.getMultiDimIdentityMap(type.getRank()));
    SmallVector<Type> results(reader->getResultTypes());
    results.push_back(type);
    rewriter.setInsertionPoint(reader);
    auto fused = linalg::GenericOp::create(rewriter, reader.getLoc(), results,
                                           reader.getDpsInputs(), inits, maps,
                                           reader.getIteratorTypesArray());
    rewriter.inlineRegionBefore(reader.getRegion(), fused.getRegion(),
                                fused.getRegion().end());
    Block &body = fused.getRegion().front();
    body.addArgument(type.getElementType(), fill.getLoc());
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    rewriter.modifyOpInPlace(yield,
                             [&] { yield.getValuesMutable().append(value); });
    rewriter.replaceOp(reader, fused->getResults().drop_back());
    rewriter.modifyOpInPlace(store, [&] {
      store.getSourceMutable().set(fused->getResults().back());
    });
    rewriter.eraseOp(fill);
    return success();
  }

  /// Whether `op` reads `buffer`'s load (with an identity map).
  static bool reads(linalg::GenericOp op, Value buffer, bool identity = true) {
    return llvm::any_of(op.getDpsInputOperands(), [&](OpOperand *in) {
      auto load = in->get().getDefiningOp<bufferization::ToTensorOp>();
      return load && load.getBuffer() == buffer &&
             (!identity || op.getMatchingIndexingMap(in).isIdentity());
    });
  }
};

struct DLFuseElementwise
    : dlc::impl::DLFuseElementwiseBase<DLFuseElementwise> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    cloneSharedCopies(rewriter, getOperation());
    hoistBlockedConsumers(rewriter, getOperation());
    RewritePatternSet patterns(&getContext());
    // Only a producer whose result has this one use is fused: fusing one
    // with other uses would compute it again in every consumer, which along
    // a recurrence (an LSTM's cell state feeds the next step and the
    // output) multiplies the work with every step. (Nor one read several
    // times by its consumer, such as the window positions of a pooling,
    // which then runs it as scalar code.) Stores into buffers are the
    // exception (FuseIntoStores). Nor is a scalar (a producer without
    // loops) fused into an op with loops: it would be computed again for
    // every element (Adam's bias corrections, two powf calls per element
    // of every param, 3 % of the autoencoder's step); nor any producer
    // into a reduction that reads it broadcast along one of its parallel
    // loops: it would be computed again for every output (a layer's
    // activations in the row reductions of the next layer's product at
    // one row, dl-simplify's x @ transpose(w): relu(h + b) again for each
    // of w's rows). (Refusing every broadcast consumer measured mixed:
    // LeNet's step 0.97x, a ResNet-like step 1.06x.) Nor one that reads a
    // buffer something between it and its consumer stores into
    // (dlc::writtenBetween: in a fused step, a parameter's update). A copy
    // (isCopy) computes nothing: it fuses into any consumer.
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *operand) {
          Operation *producer = operand->get().getDefiningOp();
          if (!producer || !producer->hasOneUse() ||
              dlc::writtenBetween(producer, operand->getOwner()))
            return false;
          auto produced = dyn_cast<linalg::LinalgOp>(producer);
          auto consumer = dyn_cast<linalg::LinalgOp>(operand->getOwner());
          if (!produced || !consumer)
            return true;
          if (produced.getNumLoops() == 0)
            return consumer.getNumLoops() == 0;
          auto generic = dyn_cast<linalg::GenericOp>(producer);
          return (generic && isCopy(generic)) ||
                 consumer.getNumReductionLoops() == 0 ||
                 !broadcastAlongParallelLoop(consumer, operand);
        });
    // An elementwise op reading an elementwise op's result through a
    // collapse_shape (the input gradient of a pooling, computed as cells
    // of window rows, read by the activation's gradient) runs over the
    // expanded shape instead, so the two fuse above.
    linalg::populateFoldReshapeOpsByExpansionPatterns(
        patterns, [](OpOperand *operand) {
          auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
          auto collapse =
              operand->get().getDefiningOp<tensor::CollapseShapeOp>();
          if (!consumer || !collapse || !collapse->hasOneUse() ||
              consumer.getNumParallelLoops() != consumer.getNumLoops())
            return false;
          auto producer =
              collapse.getSrc().getDefiningOp<linalg::GenericOp>();
          return producer && producer->hasOneUse() &&
                 producer.getNumParallelLoops() == producer.getNumLoops();
        });
    patterns.add<FuseIntoStores, AccumulateIntoProduct>(&getContext());
    linalg::FillOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     dlc::structuredRewrites())))
      return signalPassFailure();
    // Then fills join the fused ops that read their buffers last.
    RewritePatternSet fills(&getContext());
    fills.add<FillIntoReader>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(fills),
                                     dlc::structuredRewrites())))
      signalPassFailure();
  }
};

} // namespace
