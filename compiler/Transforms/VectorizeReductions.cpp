//===- VectorizeReductions.cpp - totals and sums as vector code -----------===//
//
// Sums over some dimensions of a tensor (totals of losses, bias
// gradients) as vector code in registers; large ones in chunks that
// threads share, in an order that depends on the shape alone.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/Utils.h"
#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/Vectorize.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
namespace lowering = dlc::lowering;

namespace dlc::vectorize {

/// A block of `extent` elements for a vector: the most lanes per
/// instruction (up to four registers), then the longest.
static int64_t vectorBlock(int64_t extent, int64_t width) {
  int64_t lanes = 1;
  for (int64_t v = std::min(extent, 4 * width); v >= 1; --v)
    if (extent % v == 0 && vectorOps(v, width) &&
        double(v) / vectorOps(v, width) >
            double(lanes) / vectorOps(lanes, width))
      lanes = v;
  return lanes;
}

/// A total (a loss over a whole batch) is summed in chunks that threads
/// share when it has at least two chunks of kTotalChunkElements elements;
/// at most kTotalChunks of them. The chunks follow from the shape alone,
/// so the sum's order, and its bits, do not depend on the threads.
constexpr int64_t kTotalChunkElements = 4096;
constexpr int64_t kTotalChunks = 64;

/// Rows at least of a chunk of a matrix's column sums (vectorizeReductions),
/// which also has kTotalChunkElements elements at least.
constexpr int64_t kSumChunkRows = 64;

/// Rows of at least kBlockedRowLength elements summed along them (the row
/// reductions of a product at one row, dl-simplify's sum(x * w, axis = 1))
/// are summed up to kBlockedRows at a time (a divisor of the rows), in
/// pieces of two vectors when those divide the row: a piece of x is read
/// once for all of them, and their independent sums hide the additions'
/// latency; a product is added in a fused multiply-add (fuseMultiplyAdd).
/// One row at a time in pieces of 28, the PyTorch-layout MLP's 512 x 784
/// at one row took 40.7 us on a Zen 4 with AVX2, 24.0 us so (dense()'s
/// layout: 26.0 us), and that MLP's inference 0.94x the time again with
/// the fused multiply-adds; the step of a layer norm over rows of 512 and
/// softmaxes over rows of 256 and more are unchanged.
constexpr int64_t kBlockedRowLength = 256;
constexpr int64_t kBlockedRows = 4;

/// Products of at most dlc::kDotRows rows by a matrix read as rows of its
/// transpose, [M, K] x [N, K]^T with K at least dlc::kDotDepth and
/// divisible by the vector width (dense layers in PyTorch's [out, in]
/// layout at a few rows, as dl-simplify writes them: sum(reshape(x, [M, 1,
/// K]) * w, axis = 2)), are summed as dot products along K, all M rows by
/// kDotAccumulators / M of w's at a time, one vector of sums each, in
/// fused multiply-adds: a product with so few rows fills its vectors
/// poorly either way it is tiled. (A [4, 512] x [256, 512]^T in L2: 0.61x
/// the time as dot products, 0.87x that with fused multiply-adds, 1.10x
/// dense()'s [4, 512] x [512, 256].)
constexpr int64_t kDotAccumulators = 8;

bool isDotProducts(linalg::LinalgOp op, int64_t width) {
  std::optional<linalg::ContractionDimensions> dims = plainProduct(op);
  if (!dims || !op.hasPureTensorSemantics() || dims->m[0] != 0 ||
      dims->n[0] != 1 || dims->k[0] != 2)
    return false;
  MLIRContext *ctx = op.getContext();
  AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
             k = getAffineDimExpr(2, ctx);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  return maps[0] == AffineMap::get(3, 0, {m, k}, ctx) &&
         maps[1] == AffineMap::get(3, 0, {n, k}, ctx) &&
         maps[2] == AffineMap::get(3, 0, {m, n}, ctx) &&
         ranges[0] <= kDotRows && ranges[2] >= kDotDepth &&
         ranges[2] % width == 0 && !ShapedType::isDynamic(ranges[1]);
}

/// `op`'s body, out + a * b (the multiply used there alone), as
/// math.fma(a, b, out): one rounding, as in a product's register blocks.
static void fuseMultiplyAdd(RewriterBase &rewriter, linalg::GenericOp op) {
  Block *body = op.getBody();
  auto add =
      body->getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  Value out = body->getArguments().back();
  if (!add || !add->hasOneUse() || (add.getLhs() != out && add.getRhs() != out))
    return;
  auto mul = (add.getLhs() == out ? add.getRhs() : add.getLhs())
                 .getDefiningOp<arith::MulFOp>();
  if (!mul || !mul->hasOneUse())
    return;
  rewriter.setInsertionPoint(add);
  rewriter.replaceOpWithNewOp<math::FmaOp>(add, mul.getLhs(), mul.getRhs(),
                                           out);
  rewriter.eraseOp(mul);
}

/// The chunks a total over `elements` splits into, a divisor of `groups`
/// (the whole pieces a chunk must be made of); 1: not split.
static int64_t totalChunks(int64_t groups, int64_t elements) {
  return divisorUpTo(groups,
                     std::min(kTotalChunks, elements / kTotalChunkElements));
}

/// Whether the body of `op` adds a term that does not read the output to
/// the output (out + term, or term + out): a sum.
static bool addsToOutput(linalg::GenericOp op) {
  Block *body = op.getBody();
  Value out = body->getArguments().back();
  auto add =
      body->getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  return add && out.hasOneUse() && (add.getLhs() == out || add.getRhs() == out);
}

/// `op`, a sum (addsToOutput) whose first loop is summed (a total over
/// all its loops into a rank-0 tensor, or the sums of the columns of a
/// matrix), as `chunks` partial sums from zero (its first loop, split
/// into the chunks, parallel, and the rest of that loop; a partial sum
/// per chunk and element of the result) and their sum into its init,
/// which replaces it; the partial sums' op, or null (nothing changed)
/// when an operand reads its loops other than as its dimensions (a map
/// that is not a projected permutation).
static linalg::GenericOp chunkSum(IRRewriter &rewriter, linalg::GenericOp op,
                                  int64_t chunks) {
  MLIRContext *ctx = rewriter.getContext();
  Location loc = op.getLoc();
  int64_t loops = op.getNumLoops(), rest = op.getStaticLoopRanges()[0] / chunks;
  // The loops: the chunk, the rest of the first loop, then the others.
  auto shifted = [&](AffineExpr e) {
    return getAffineDimExpr(cast<AffineDimExpr>(e).getPosition() + 1, ctx);
  };
  if (llvm::any_of(op.getIndexingMapsArray(), [](AffineMap map) {
        return !map.isProjectedPermutation(/*allowZeroInResults=*/false);
      }))
    return {};
  rewriter.setInsertionPoint(op);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    auto type = cast<RankedTensorType>(in->get().getType());
    SmallVector<AffineExpr> results;
    SmallVector<int64_t> shape;
    SmallVector<ReassociationIndices> groups;
    for (auto [i, e] : llvm::enumerate(map.getResults())) {
      if (cast<AffineDimExpr>(e).getPosition() == 0) {
        results.append({getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)});
        shape.append({chunks, rest});
        groups.push_back(
            {int64_t(shape.size()) - 2, int64_t(shape.size()) - 1});
      } else {
        results.push_back(shifted(e));
        shape.push_back(type.getDimSize(i));
        groups.push_back({int64_t(shape.size()) - 1});
      }
    }
    Value input = in->get();
    if (int64_t(shape.size()) != type.getRank())
      input = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
          input, groups);
    inputs.push_back(input);
    maps.push_back(AffineMap::get(loops + 1, 0, results, ctx));
  }
  Value init = op.getDpsInits()[0];
  auto initType = cast<RankedTensorType>(init.getType());
  Type elem = initType.getElementType();
  // The partial sums: a chunk's row of the result's shape.
  SmallVector<int64_t> shape{chunks};
  llvm::append_range(shape, initType.getShape());
  Value zeros = linalg::FillOp::create(
                    rewriter, loc, lowering::scalar(rewriter, loc, elem, 0),
                    lowering::emptyTensor(rewriter, loc,
                                          RankedTensorType::get(shape, elem)))
                    .getResult(0);
  SmallVector<AffineExpr> kept{getAffineDimExpr(0, ctx)};
  for (AffineExpr e :
       op.getMatchingIndexingMap(op.getDpsInitOperand(0)).getResults())
    kept.push_back(shifted(e));
  maps.push_back(AffineMap::get(loops + 1, 0, kept, ctx));
  SmallVector<utils::IteratorType> iterators{utils::IteratorType::parallel};
  llvm::append_range(iterators, op.getIteratorTypesArray());
  auto partial = linalg::GenericOp::create(rewriter, loc, zeros.getType(),
                                           inputs, zeros, maps, iterators);
  rewriter.inlineRegionBefore(op.getRegion(), partial.getRegion(),
                              partial.getRegion().end());
  // Their sum, chunk after chunk, into the init.
  int64_t rank = initType.getRank();
  SmallVector<utils::IteratorType> sumIterators(rank + 1,
                                                utils::IteratorType::parallel);
  sumIterators[0] = utils::IteratorType::reduction;
  auto total = linalg::GenericOp::create(
      rewriter, loc, init.getType(), partial.getResult(0), init,
      ArrayRef<AffineMap>{
          AffineMap::getMultiDimIdentityMap(rank + 1, ctx),
          AffineMap::getMultiDimIdentityMap(rank + 1, ctx).dropResult(0)},
      sumIterators, [](OpBuilder &b, Location l, ValueRange args) {
        linalg::YieldOp::create(b, l, lowering::add(b, l, args[1], args[0]));
      });
  rewriter.replaceOp(op, total.getResults());
  return partial;
}

/// Whether `op` (with the maps of its inputs `maps`) sums terms of a
/// tensor read by all its loops, element by element with other such
/// tensors and with tensors broadcast along some loops, into a result
/// that keeps some loops: batch norm's variance, sum((x - mean)^2) over
/// all but the channels, and its backward sums of dy and dy (x - mean).
/// (A product, whose inputs each miss a loop, is not one.) Such a sum was
/// a loop over the images around a parallel loop over the channels, each
/// element a scalar load, add and store: 17 us per image for 16 channels
/// of 32 x 32.
static bool summedWithBroadcasts(linalg::GenericOp op, ArrayRef<AffineMap> maps,
                                 int64_t width) {
  return op.getNumParallelLoops() > 0 && addsToOutput(op) &&
         !op.hasIndexSemantics() &&
         llvm::any_of(maps, [](AffineMap map) { return map.isIdentity(); }) &&
         llvm::all_of(maps,
                      [](AffineMap map) {
                        return map.isProjectedPermutation(
                            /*allowZeroInResults=*/true);
                      }) &&
         !productTiles(op, width);
}

/// Sums of a tensor over some of its dimensions (the bias gradients:
/// over the batch, and the pixels of a convolution) become vector code.
/// The loop nest of such a reduction keeps the sum in memory, and LLVM
/// cannot keep it in a register because it cannot tell the arena's
/// buffers apart: every element was a load, an add and a store in one
/// dependency chain. The kept dimensions are an scf.forall (threads share
/// it); then, when the innermost dimension is kept, each step adds a
/// vector of it (a block of up to four registers) to a vector of sums;
/// when it is summed, each step adds one of its rows (or a piece of up to
/// 32 elements of a longer row) to a vector of partial sums
/// (scf::tileReductionUsingScf), summed once after the loops. The sums
/// are carried in registers across the loops over the summed dimensions.
/// A total over every dimension is first split into a vector of partial
/// sums (linalg::splitReduction) and their sum; one that broadcasts an
/// input is summed a row at a time, in pieces of a vector block of the
/// row, into a vector of partial sums.
void vectorizeReductions(IRRewriter &rewriter, Operation *root, int64_t width) {
  SmallVector<linalg::GenericOp> sums, totals, broadcastTotals;
  root->walk([&](linalg::GenericOp op) {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() == 0 ||
        op.getNumDpsInits() != 1 || op.getNumReductionLoops() == 0 ||
        llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
      return;
    if (isDotProducts(op, width)) {
      sums.push_back(op);
      return;
    }
    SmallVector<AffineMap> maps;
    for (OpOperand *in : op.getDpsInputOperands())
      maps.push_back(op.getMatchingIndexingMap(in));
    bool identity =
        llvm::all_of(maps, [](AffineMap map) { return map.isIdentity(); });
    // Sums keep some dimensions (of one input); a total (a loss) may
    // combine several inputs element by element, or also broadcast ones
    // (a fused loss that adds the last layer's bias).
    if (op.getNumParallelLoops() == 0 && identity)
      totals.push_back(op);
    else if (op.getNumParallelLoops() == 0 &&
             llvm::all_of(maps, [](AffineMap map) {
               return map.isProjectedPermutation(/*allowZeroInResults=*/true);
             }))
      broadcastTotals.push_back(op);
    // (Sums keep dimensions of the loops as they are: the tiling of their
    // partial sums crashes on a kept dimension of size 1 written at 0.)
    else if (!op.getMatchingIndexingMap(op.getDpsInitOperand(0))
                  .isProjectedPermutation())
      return;
    else if (identity && op.getNumDpsInputs() == 1)
      sums.push_back(op);
    else if (summedWithBroadcasts(op, maps, width))
      sums.push_back(op);
  });
  size_t walked = sums.size(); // (the sums the walk found)
  // The pieces of the summed rows of `op` (tiles `steps` of its summed
  // loops; 0: untiled) add up in a vector of partial sums (one piece
  // long, carried in registers), summed once at the end: summing each
  // piece into the total would chain every element's addition to the
  // previous one.
  // (`fma`: a piece that adds a product to its partial sums does so in one
  // fused multiply-add, as a product's register blocks do.)
  auto sumInPieces = [&](Operation *op, ArrayRef<int64_t> steps,
                         bool fma = false) {
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> partial = scf::tileReductionUsingScf(
        rewriter, cast<PartialReductionOpInterface>(op),
        getAsIndexOpFoldResult(rewriter.getContext(), steps));
    if (failed(partial))
      return;
    rewriter.replaceOp(op, partial->replacements);
    for (Value init : partial->initialValues)
      if (Operation *fill = init.getDefiningOp<linalg::FillOp>())
        vectorizeInPlace(rewriter, fill);
    if (fma)
      for (Operation *part : partial->tiledOps)
        if (auto generic = dyn_cast<linalg::GenericOp>(part))
          fuseMultiplyAdd(rewriter, generic);
    for (Operation *part :
         llvm::concat<Operation *>(partial->tiledOps, partial->mergeOps))
      vectorizeInPlace(rewriter, part);
  };
  // A total that broadcasts an input cannot be read as one flat
  // dimension: it is summed in pieces of a vector block of its innermost
  // dimension, one row at a time (the autoencoder's evaluation, whose
  // fused loss adds the output bias, applies the sigmoid and sums the
  // squared errors, was a scalar loop of exp calls: 58 % of its time).
  // Large ones are summed in chunks of rows that threads share
  // (chunkSum), each chunk so.
  for (linalg::GenericOp op : broadcastTotals) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges(),
                         steps(op.getNumLoops(), 1);
    steps.back() = vectorBlock(ranges.back(), width);
    if (steps.back() < 2 || op.hasIndexSemantics())
      continue;
    int64_t chunks = ranges.size() > 1 && addsToOutput(op)
                         ? totalChunks(ranges[0], llvm::product_of(ranges))
                         : 1;
    linalg::GenericOp partial =
        chunks > 1 ? chunkSum(rewriter, op, chunks) : linalg::GenericOp();
    if (!partial) {
      sumInPieces(op, steps);
      continue;
    }
    SmallVector<int64_t> shared(partial.getNumLoops(), 0);
    shared[0] = 1;
    steps.insert(steps.begin(), 0);
    if (Operation *inner = tileOp(rewriter, partial, shared,
                                  scf::SCFTilingOptions::LoopType::ForallOp))
      sumInPieces(inner, steps);
  }
  // A total over every dimension (a loss) is first split into partial
  // sums along a vector block, kept (the block of sums stays in
  // registers), then the sum of that block.
  for (linalg::GenericOp op : totals) {
    // A large one (in chunks that threads share: chunkSum) in a block of
    // the whole, each chunk so; a small one in a block of the innermost
    // dimension.
    int64_t elements = llvm::product_of(op.getStaticLoopRanges()),
            lanes = vectorBlock(elements, width);
    int64_t chunks =
        addsToOutput(op) ? totalChunks(elements / lanes, elements) : 1;
    if (chunks == 1)
      lanes = vectorBlock(op.getStaticLoopRanges().back(), width);
    // (Not with linalg.index in the body: flattening and splitting change
    // what the loop indices are.)
    if (lanes < 2 || op.getNumLoops() < 1 || op.hasIndexSemantics() ||
        cast<RankedTensorType>(op.getDpsInits()[0].getType()).getRank() != 0)
      continue;
    rewriter.setInsertionPoint(op);
    if (op.getNumLoops() > 1) {
      // Over the elements in order: one dimension (splitReduction splits a
      // single reduction).
      MLIRContext *ctx = rewriter.getContext();
      SmallVector<Value> flat;
      SmallVector<AffineMap> maps;
      for (Value input : op.getDpsInputs()) {
        auto type = cast<RankedTensorType>(input.getType());
        flat.push_back(
            lowering::reshape(rewriter, op.getLoc(), input,
                              RankedTensorType::get({type.getNumElements()},
                                                    type.getElementType())));
        maps.push_back(AffineMap::getMultiDimIdentityMap(1, ctx));
      }
      maps.push_back(AffineMap::get(1, 0, {}, ctx));
      auto flatOp = linalg::GenericOp::create(
          rewriter, op.getLoc(), op.getResultTypes(), flat, op.getDpsInits(),
          maps, ArrayRef<utils::IteratorType>{utils::IteratorType::reduction});
      rewriter.inlineRegionBefore(op.getRegion(), flatOp.getRegion(),
                                  flatOp.getRegion().end());
      rewriter.replaceOp(op, flatOp.getResults());
      op = flatOp;
      rewriter.setInsertionPoint(op);
    }
    linalg::GenericOp partial =
        chunks > 1 ? chunkSum(rewriter, op, chunks) : linalg::GenericOp();
    if (partial) {
      op = partial;
      rewriter.setInsertionPoint(op);
    }
    FailureOr<linalg::SplitReductionResult> split =
        linalg::splitReduction(rewriter, op, [&](linalg::LinalgOp) {
          return linalg::SplitReductionOptions{lanes, partial ? 1u : 0u,
                                               /*innerParallel=*/true};
        });
    if (failed(split))
      continue;
    sums.push_back(
        cast<linalg::GenericOp>(split->splitLinalgOp.getOperation()));
    if (partial) // (the chunks' vectors of sums)
      sums.push_back(cast<linalg::GenericOp>(
          split->resultCombiningLinalgOp.getOperation()));
  }
  // Sums of a matrix's columns over many rows (a bias gradient over a
  // batch of 256) in chunks of rows, each a partial sum per column, then
  // the chunks' sum: threads share the chunks, so each sums rows its own
  // core wrote where the matrix's producer split its rows among them
  // (they shared the columns, and read the other core's rows at twice
  // the cost of their own: the autoencoder's bias gradient took 2x as
  // long on two threads as on one). The chunks follow from the shape.
  for (size_t i = 0; i < walked; ++i) {
    linalg::GenericOp op = sums[i];
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t chunks =
        ranges.size() == 2 && addsToOutput(op) && !op.hasIndexSemantics()
            ? divisorUpTo(ranges[0], std::min(ranges[0] / kSumChunkRows,
                                              llvm::product_of(ranges) /
                                                  kTotalChunkElements))
            : 1;
    if (chunks < 2 ||
        op.getIteratorTypesArray()[0] != utils::IteratorType::reduction)
      continue;
    linalg::GenericOp partial = chunkSum(rewriter, op, chunks);
    if (!partial)
      continue;
    sums[i] = partial;
    sums.push_back(
        cast<linalg::GenericOp>(*partial->getResult(0).getUsers().begin()));
  }
  for (linalg::GenericOp op : sums) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    size_t last = ranges.size() - 1;
    bool keepsLast = iterators[last] == utils::IteratorType::parallel;
    int64_t lanes = keepsLast ? vectorBlock(ranges[last], width) : 1;
    SmallVector<int64_t> shared(ranges.size(), 0), steps(ranges.size(), 0);
    for (size_t d = 0; d < ranges.size(); ++d) {
      if (iterators[d] == utils::IteratorType::parallel)
        shared[d] = d == last ? lanes : 1;
      else if (d != last)
        steps[d] = 1;
    }
    // A long summed row is summed in pieces of up to 32 elements (one
    // vector of it would be split into dozens of instructions by LLVM);
    // rows of kBlockedRowLength or more several at a time.
    if (!keepsLast)
      steps[last] = divisorUpTo(ranges[last], 32);
    bool blocked = true;
    if (isDotProducts(op, width)) {
      shared[0] = ranges[0];
      shared[1] = divisorUpTo(
          ranges[1], std::max<int64_t>(1, kDotAccumulators / ranges[0]));
      steps[last] = width;
    } else if (!keepsLast && ranges[last] >= kBlockedRowLength && last >= 1 &&
               iterators[last - 1] == utils::IteratorType::parallel &&
               ranges[last] % (2 * width) == 0) {
      shared[last - 1] = divisorUpTo(ranges[last - 1], kBlockedRows);
      steps[last] = 2 * width;
    } else {
      blocked = false;
    }
    Operation *inner =
        tileOp(rewriter, op, shared, scf::SCFTilingOptions::LoopType::ForallOp);
    if (!inner)
      continue;
    if (keepsLast) {
      // (A chunk's share of its sums, 1 x rows x lanes, as rows x lanes:
      // its vector of sums is then carried as one, not as a 1 x lanes
      // block that the accumulators' unrolling does not see.)
      auto chunk = dyn_cast<linalg::GenericOp>(inner);
      if (chunk && iterators[0] == utils::IteratorType::parallel &&
          ranges[0] != 1 &&
          chunk.getStaticLoopRanges() ==
              ArrayRef<int64_t>{1, ranges[1], lanes} &&
          ranges[1] != 1 && lanes != 1) {
        rewriter.setInsertionPoint(chunk);
        FailureOr<linalg::DropUnitDimsResult> dropped = linalg::dropUnitDims(
            rewriter, chunk, linalg::ControlDropUnitDims());
        if (failed(dropped))
          continue;
        rewriter.replaceOp(chunk, dropped->replacements);
        inner = dropped->resultOp;
        steps.erase(steps.begin());
      }
      if ((inner = tileOp(rewriter, inner, steps)))
        vectorizeInPlace(rewriter, inner);
      continue;
    }
    sumInPieces(inner, steps, blocked);
  }
}

} // namespace dlc::vectorize
