//===- TileAndVectorize.cpp - the dl-tile-and-vectorize pass --------------===//
//
// See Passes.td. Matrix products are tiled into register blocks of MR
// rows by NR columns with a reduction step of 1, inside cache blocks and
// the loop threads share (ProductTiling.cpp), and each block becomes a
// vector.contract; their epilogues join the blocks. Reductions, transposes
// and convolutions are handled by the files Vectorize.h names.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/Vectorize.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace dlc {
#define GEN_PASS_DEF_DLTILEANDVECTORIZE
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace dlc::vectorize {

struct DLTileAndVectorize
    : dlc::impl::DLTileAndVectorizeBase<DLTileAndVectorize> {
  using DLTileAndVectorizeBase::DLTileAndVectorizeBase;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // A reduction that reads an operand through a unit dimension at index
    // 0 (sum(reshape(x, [B, 1, K]) * w, axis = 2)) reads it without that
    // dimension: a product or a sum like any other, not scalar loops.
    SmallVector<linalg::GenericOp> unitReads;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op.hasPureTensorSemantics() && op.getNumReductionLoops() > 0)
        unitReads.push_back(op);
    });
    for (linalg::GenericOp op : unitReads)
      (void)dropZeroIndices(rewriter, op);
    // Such a contraction that reads an operand transposed becomes a product
    // of transposes (dot products of a few rows stay, summed with the
    // reductions below).
    transposesOutOfProducts(rewriter, getOperation(), vectorWidth);
    // Convolutions become an im2col copy and a batched matrix product
    // ([F, C KH KW] x [C KH KW, OH OW] per image), tiled below.
    SmallVector<linalg::Conv2DNchwFchwOp> convs;
    getOperation().walk([&](linalg::Conv2DNchwFchwOp op) {
      if (op.hasPureTensorSemantics() &&
          llvm::none_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
        convs.push_back(op);
    });
    for (linalg::Conv2DNchwFchwOp conv : convs) {
      rewriter.setInsertionPoint(conv);
      std::optional<Value> shifted =
          shiftedProduct(rewriter, conv, vectorWidth);
      if (!shifted)
        shifted = shiftedCorrelation(rewriter, conv, vectorWidth);
      rewriter.replaceOp(conv,
                         shifted ? *shifted
                                 : im2colProduct(rewriter, conv, vectorWidth));
    }
    poolBeforeTranspose(rewriter, getOperation());
    foldTransposedLhs(rewriter, getOperation());
    tileTransposes(rewriter, getOperation());
    splitStreams(rewriter, getOperation(), vectorWidth);
    Epilogues epilogues;
    if (fuseEpilogues) {
      DominanceInfo dominance(getOperation());
      getOperation().walk([&](linalg::LinalgOp op) {
        if (!contractionTiles(op, vectorWidth))
          return;
        if (linalg::GenericOp epilogue = epilogueOf(rewriter, op, dominance))
          epilogues[op] = epilogue;
      });
      // (After the walk: this replaces ops it has yet to visit.) An update
      // that still reads the buffer it is stored into stays an op of its
      // own: in the product's blocks, that read would make bufferization
      // copy the buffer.
      SmallVector<Operation *> keep;
      for (auto &entry : epilogues) {
        entry.second = updateInPlace(rewriter, entry.second);
        if (readsItsDestination(entry.second))
          keep.push_back(entry.first);
      }
      for (Operation *product : keep)
        epilogues.erase(product);
    }
    DenseMap<Operation *, Operation *> restOf;
    splitProducts(rewriter, getOperation(), vectorWidth, epilogues, restOf);
    // The reduction blocks of each deep product tiled below (depthBlock,
    // outside its shared loop), and that loop.
    DenseMap<Operation *, SmallVector<int64_t>> depthOf;
    DenseMap<Operation *, scf::ForOp> depthLoopOf;
    vectorizeReductions(rewriter, getOperation(), vectorWidth);
    SmallVector<std::pair<linalg::LinalgOp, Tiling>> targets;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (auto tiling = productTiles(op, vectorWidth))
        targets.push_back({op, *tiling});
    });
    for (auto &target : targets) {
      Operation *original = target.first;
      linalg::LinalgOp op = target.first;
      Tiling tiling = target.second;
      // After an outer loop tiled `op`: the product inside and its tiling
      // (false when it has none).
      auto inside = [&](FailureOr<linalg::LinalgOp> tiled) {
        if (failed(tiled))
          return true;
        op = *tiled;
        std::optional<Tiling> inner = productTiles(op, vectorWidth);
        if (inner)
          tiling = *inner;
        return inner.has_value();
      };
      // The shared loop first (an scf.forall the runtime's threads split
      // once it is on buffers), then register blocks inside one share,
      // then the reduction steps of one block.
      // The fills fused into a share are fused again into its blocks.
      SmallVector<Operation *> shareFills, blockFills;
      SmallVector<LoopLikeOpInterface> nest;
      linalg::GenericOp epilogue = epilogues.lookup(op);
      ProductKind kind = tiling.kind;
      std::optional<SmallVector<int64_t>> shared;
      std::optional<RowStream> stream;
      if (kind == ProductKind::Contraction)
        stream = rowStream(op, vectorWidth);
      // (Every call reads all of B: its entry's loops alternate their
      // direction, so that the part of B the last call read last, still
      // in L2, is read first.)
      if (auto fn = op->getParentOfType<func::FuncOp>(); fn && stream)
        fn->setAttr(dlc::kAlternateLoops, rewriter.getUnitAttr());
      switch (kind) {
      case ProductKind::Contraction:
        shared = stream ? stream->shared : sharedTiles(op, tiling);
        break;
      case ProductKind::Shifted:
        shared = firstSharedLoop(op, tiling, {0, 2, 1});
        break;
      case ProductKind::Direct:
        shared = firstSharedLoop(op, tiling, {0, 1, 3, 2});
        break;
      case ProductKind::Correlation:
        shared = firstSharedLoop(op, tiling, correlationShares(op));
        break;
      }
      // An scf.for over the K blocks, carrying the result (its fill stays
      // outside: the loop cannot carry it): inside the shared loop, between
      // the first and the last block (below), or around it for a deep A
      // (depthBlock), where the blocks are not
      // sized for L1 panels: B's rows, 1 KB apart or more, would not stay
      // in L1 anyway, and each block is a parallel loop of its own (the
      // LSTM's recurrent weight gradient with AVX-512 blocks, K blocks of
      // 256 against 128: 1.14x on two threads, the same on one).
      bool blocked = kind == ProductKind::Contraction && !stream;
      std::optional<SmallVector<int64_t>> depth =
          blocked                       ? depthBlock(op, nullptr)
          : kind == ProductKind::Direct ? directDepthBlock(op)
                                        : std::nullopt;
      // The rest of a deep product's rows is blocked as its main part, so
      // that the two loops over the blocks become one (fuseDepthLoops).
      if (auto it = depthOf.find(restOf.lookup(original));
          blocked && !depth && it != depthOf.end())
        depth = it->second;
      bool depthOutside = depth.has_value();
      if (depthOutside)
        depthOf[original] = *depth;
      auto tileDepth = [&] {
        return !depth ||
               inside(tileFusingFills(rewriter, op, *depth, {},
                                      scf::SCFTilingOptions::LoopType::ForOp,
                                      blockFills, /*fuse=*/false));
      };
      if (depthOutside && !tileDepth())
        continue;
      if (depthOutside)
        if (auto loop = op->getParentOfType<scf::ForOp>())
          depthLoopOf[original] = loop;
      if (shared && !inside(tileFusingFills(
                        rewriter, op, *shared, {},
                        scf::SCFTilingOptions::LoopType::ForallOp, shareFills,
                        /*fuse=*/!depthOutside, &nest)))
        continue;
      SmallVector<int64_t> blocks = tiling.tiles, steps(blocks.size(), 0),
                           interchange = tiling.interchange;
      for (auto [i, iterator] : llvm::enumerate(op.getIteratorTypesArray()))
        if (iterator == utils::IteratorType::reduction)
          std::swap(blocks[i], steps[i]);
      if (stream) {
        // (Its loop over the rows of B cannot carry the fill.)
        blocks = stream->blocks;
        steps = stream->steps;
        interchange = stream->interchange;
      }
      // K blocks inside the share: the first block, the blocks between
      // (a loop) and the last block become products of their own
      // (splitDepth), so that the first's register blocks start from zeros
      // (no memset of the result, no read of it) and the last's apply the
      // epilogue.
      std::optional<DepthParts> parts;
      if (blocked && !depthOutside) {
        depth = depthBlock(op, &tiling);
        if (depth)
          parts = splitDepth(rewriter, op, *depth);
        if (!parts && !tileDepth())
          continue;
      }
      Operation *epilogueTile = nullptr;
      // `part` in register blocks (their zero fill fused when `fuse`), then
      // reduction steps, vectorized. The epilogue joins the share's loop
      // when `join`, and the blocks' when `nested` too (not when a reduction
      // loop encloses the blocks: its tile would be all the rows of a
      // column block, a vector of as many registers; a row stream's tile is
      // a chunk of its row, up to 128 elements). The loop of the steps, or
      // null.
      auto registerBlocks = [&](linalg::LinalgOp part, bool fuse, bool join,
                                bool nested) -> scf::ForOp {
        FailureOr<linalg::LinalgOp> block =
            tileFusingFills(rewriter, part, blocks, interchange,
                            scf::SCFTilingOptions::LoopType::ForOp, blockFills,
                            fuse, nested ? &nest : nullptr);
        if (failed(block))
          return {};
        Block *top = nest.empty() ? nullptr : nest.front()->getBlock();
        if (join && epilogue && top)
          epilogueTile = fuseEpilogue(rewriter, epilogue, nest);
        if (epilogueTile) {
          Operation *outer = epilogueTile;
          while (outer->getBlock() != top)
            outer = outer->getParentOp();
          dropUnusedResults(rewriter, cast<LoopLikeOpInterface>(outer));
        }
        Operation *step = tileOp(rewriter, *block, steps);
        if (!step)
          return {};
        auto stepOp = cast<linalg::LinalgOp>(step);
        auto stepLoop = step->getParentOfType<scf::ForOp>();
        if (kind == ProductKind::Correlation)
          correlationStep(rewriter, stepOp);
        else
          vectorizeInPlace(rewriter, kind == ProductKind::Shifted
                                         ? shiftedStep(rewriter, stepOp)
                                     : kind == ProductKind::Direct
                                         ? directStep(rewriter, stepOp)
                                         : step);
        return stepLoop;
      };
      scf::ForOp stepLoop;
      if (parts) {
        registerBlocks(parts->first, /*fuse=*/true, /*join=*/false,
                       /*nested=*/false);
        // (The share's fill, fused into the first part's blocks, is gone.)
        for (Operation *fill : shareFills)
          if (fill->use_empty())
            rewriter.eraseOp(fill);
        shareFills.clear();
        if (parts->middle) {
          FailureOr<linalg::LinalgOp> middle = tileFusingFills(
              rewriter, parts->middle, *depth, {},
              scf::SCFTilingOptions::LoopType::ForOp, blockFills,
              /*fuse=*/false);
          if (succeeded(middle))
            registerBlocks(*middle, /*fuse=*/false, /*join=*/false,
                           /*nested=*/false);
        }
        if (parts->last)
          registerBlocks(parts->last, /*fuse=*/false, /*join=*/true,
                         /*nested=*/true);
      } else {
        stepLoop = registerBlocks(op, !stream, !depth, !stream && !depth);
        if (!stepLoop)
          continue;
      }
      for (Operation *fill : blockFills)
        vectorizeInPlace(rewriter, fill);
      if (epilogueTile)
        vectorizeInPlace(rewriter, epilogueTile);
      if (stream || depth)
        for (Operation *fill : shareFills)
          vectorizeInPlace(rewriter, fill);
      if (stream) {
        // The KR steps of a row-streamed block are unrolled, so that their
        // elements of A are read once per KR rows of B, outside the loop
        // over the result's vectors (LLVM cannot move them: the result's
        // writes might alias A for all it knows).
        auto columns = stepLoop->getParentOfType<scf::ForOp>();
        if (succeeded(loopUnrollFull(stepLoop)))
          moveLoopInvariantCode(
              cast<LoopLikeOpInterface>(columns.getOperation()));
      }
    }
    // A deep product's rest and main part: one loop over their blocks.
    for (auto &target : targets)
      if (Operation *main = restOf.lookup(target.first))
        if (scf::ForOp a = depthLoopOf.lookup(main),
            b = depthLoopOf.lookup(target.first);
            a && b)
          fuseDepthLoops(rewriter, a, b);
    // Fold the slices of the tiles into the vector reads and writes.
    RewritePatternSet patterns(&getContext());
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::TransferReadOp::getCanonicalizationPatterns(patterns,
                                                        &getContext());
    vector::TransferWriteOp::getCanonicalizationPatterns(patterns,
                                                         &getContext());
    tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(patterns);
    // Products summed by a reduction (the vectorized generic contractions,
    // such as a convolution's im2col product) become vector.contract too.
    vector::populateVectorReductionToContractPatterns(patterns);
    (void)applyPatternsGreedily(getOperation(), std::move(patterns),
                                dlc::structuredRewrites());
    // The accumulator block of each reduction loop is read and written at
    // the same place every step: it becomes the loop's carried vector, in
    // registers (innermost loops first, so blocks move out step by step).
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops)
      hoistLoopInvariantSubsets(rewriter, loop);
    // (Hoisting replaced the loops.)
    loops.clear();
    getOperation().walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops)
      addBlockAfterLoop(rewriter, loop);
  }
};

} // namespace dlc::vectorize
