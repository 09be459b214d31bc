//===- Vectorize.cpp - register tiling and vectorization for the CPU ------===//
//
// dl-tile-and-vectorize (on tensors, before bufferization) and
// dl-lower-vectors (on buffers); see Passes.td. Matrix products are tiled
// into register blocks of MR rows by NR columns (chosen by a small model of
// FMA and load throughput and FMA latency) with a reduction step of 1, and
// each block becomes a vector.contract; once the buffers exist, the reads
// and writes of the accumulator block are hoisted out of the reduction loop
// and the contraction becomes MR broadcast-FMAs per step (outer products).
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/Utils.h"
#include "compiler/Transforms/Aliasing.h"
#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/VariableLayout.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/X86Vector/Transforms.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace dlc {
#define GEN_PASS_DEF_DLTILEANDVECTORIZE
#define GEN_PASS_DEF_DLLOWERVECTORS
#define GEN_PASS_DEF_DLVECTORIZEELEMENTWISE
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
namespace lowering = dlc::lowering;

namespace {

/// Vector instructions for `lanes` f32 lanes at `width` lanes per
/// register, or 0 when such vectors are slow: LLVM widens a vector whose
/// length is not a power of two to the next one, so a vector<20xf32> costs
/// four AVX2 registers and its loads and stores are split up. Up to one
/// register any length is one instruction.
int64_t vectorOps(int64_t lanes, int64_t width) {
  if (lanes <= width)
    return 1;
  return llvm::isPowerOf2_64(lanes) ? lanes / width : 0;
}

/// The register block MR x NR of an M x N product (MR dividing M, NR
/// dividing N, so no block needs masking) that does the most useful work
/// per cycle: each reduction step costs MR * ops(NR) FMAs and MR + ops(NR)
/// loads (two of either per cycle), a partial register counting as a whole
/// one, and each accumulator waits for its previous FMA (about 5 cycles on
/// two FMA units: fewer than 10 accumulators leave the units idle); the
/// accumulators, a row of B and two broadcast elements of A must fit in
/// the vector registers, 16 with AVX2 (with one, LLVM spilled 14 x 8
/// blocks' accumulators to the stack every step) and 32 with AVX-512 (the
/// MLP's 64 x 512 products: 8 x 32 blocks, not 6 x 32 and 5 x 32; its
/// inference at batch 64 1.16x on a Xeon with AVX-512); NR is at most 4
/// registers.
///
/// When B is wide (`wideB`, isWideB: its rows lie 512 bytes or more apart
/// and it outgrows L1), a column block of B falls into an eighth of L1's sets
/// or fewer and comes from L2 again for every row block (with prefetches where
/// they lie 1 KB or more apart); its loads then cost beside the FMAs:
/// half a step for each broadcast of A and a whole one for each vector of
/// B, so that of the blocks that keep the FMA units busy, the one with the
/// fewest loads per FMA wins (6 x 64 over 8 x 32, 14 x 32 and 12 x 32).
/// In C, the MLP's 256 x 784 x 512 on the Xeon with AVX-512, one thread,
/// best of 300 calls (GFLOP/s; loads per FMA): 6 x 64 163-166 (0.58), 12 x
/// 32 160-162 (0.67), 14 x 32 160-161 (0.64), 8 x 32 152-159 (0.75); under
/// a neighbour's load, medians 119 for 6 x 64 against 101 for 8 x 32.
struct RegisterBlock {
  int64_t mr, nr;
  double score; // useful FMA lanes per half cycle
};

constexpr int64_t kFmasInFlight = 10;

/// The vector registers of the target: AVX-512 (16 lanes) has 32, AVX and
/// SSE 16.
int64_t vectorRegisters(int64_t width) { return width >= 16 ? 32 : 16; }

double blockScore(int64_t mr, int64_t nr, int64_t width, bool wideB) {
  int64_t ops = vectorOps(nr, width);
  if (ops == 0 || mr * ops + ops + 2 > vectorRegisters(width))
    return 0.0;
  double cost = double(std::max({mr * ops, mr + ops, kFmasInFlight}));
  if (wideB)
    cost += double(mr + 2 * ops) / 2;
  double score = double(mr * nr) / cost;
  return std::round(score * 1000) / 1000;
}

RegisterBlock registerBlock(int64_t M, int64_t N, int64_t width,
                            bool wideB = false) {
  // Score, then block size, then rows (fewer passes over B).
  std::tuple<double, int64_t, int64_t> best = {0.0, 1, 1};
  for (int64_t nr = std::min(N, 4 * width); nr >= 1; --nr) {
    if (N % nr)
      continue;
    for (int64_t mr = std::min<int64_t>(M, 14); mr >= 1; --mr) {
      if (M % mr == 0)
        best = std::max(best, {blockScore(mr, nr, width, wideB), mr * nr, mr});
    }
  }
  int64_t mr = std::get<2>(best);
  return {mr, std::get<1>(best) / mr, std::get<0>(best)};
}

/// The part of `total` rows or columns that the main register blocks of a
/// product cover: all, or a multiple `head` of some `step` whose two parts
/// cost at least 5 % less, the cheapest such split (the cost of a part:
/// its size over `score(size)`, its register block's score). The head is
/// the largest multiple, or, where `fewer` allows it for the rest, up to
/// two steps fewer: a larger rest may take a better block.
int64_t mainPart(int64_t total, ArrayRef<int64_t> steps,
                 function_ref<double(int64_t)> score,
                 function_ref<bool(int64_t)> fewer = nullptr,
                 double restCost = 0.0) {
  double whole = double(total) / score(total), best = 0.95 * whole;
  int64_t main = total;
  for (int64_t step : steps) {
    for (int64_t less = 0; less <= 2; ++less) {
      int64_t head = total - total % step - less * step, rest = total - head;
      if (head <= 0 || rest == 0 || (less && !(fewer && fewer(rest))))
        continue;
      double cost =
          double(head) / score(head) + double(rest) / score(rest) + restCost;
      if (cost < best) {
        best = cost;
        main = head;
      }
    }
  }
  return main;
}

/// The rows of an M x N product that its main register blocks cover: M,
/// or fewer when the divisors of M only allow small blocks and a split
/// pays (64 rows: 54 in 6 x 16 blocks, 12 FMAs per step, and 10 in 5 x 16
/// blocks, instead of 64 in 4 x 16 blocks whose 8 accumulators leave the
/// FMA units waiting, or 60 and a rest of 4 in such blocks). A rest of
/// more rows than the largest multiple leaves is at most two blocks, unless
/// B's column blocks (K x 16 lanes) fit in 16 KB of L1: each row block
/// reads its column block of B again, over all of K (an LSTM's 128 rows as
/// 108 and 20, four blocks of 5 over K = 1792: the 20 rows took twice the
/// time per row of the 108; an autoencoder's 128 x 784 over K = 256 is
/// faster as 108 and 20 than as 115 and 13). With a wide B (isWideB), the
/// rest, a product of its own, reads all of B once more, which costs about
/// kWideRestCost (in mainPart's units): the MLP's and the autoencoder's 256
/// rows as 252 in 6 x 64 blocks and 4 in 4 x 64, but the MLP's 64 rows
/// still in 8 x 32 blocks (60 and 4 made its inference at batch 64 4 %
/// slower).
constexpr double kWideRestCost = 0.1;

int64_t mainRows(int64_t M, int64_t N, int64_t K, int64_t width, bool wideB) {
  SmallVector<int64_t> blockRows;
  for (int64_t mr = 2; mr <= std::min<int64_t>(M - 1, 14); ++mr)
    blockRows.push_back(mr);
  constexpr int64_t kL1ColumnBlock = 16 * 1024, kColumnBlockLanes = 16;
  bool inL1 = K * kColumnBlockLanes * 4 <= kL1ColumnBlock;
  return mainPart(
      M, blockRows,
      [&](int64_t rows) { return registerBlock(rows, N, width, wideB).score; },
      [&](int64_t rest) {
        return inL1 || rest <= 2 * registerBlock(rest, N, width, wideB).mr;
      },
      wideB ? kWideRestCost : 0.0);
}

/// The columns of an M x N product that its main register blocks cover:
/// N, or a multiple of 1, 2 or 4 whole registers when the divisors of N
/// only allow partial or short vectors and a split pays (100 columns: 96
/// in 6 x 16 blocks and 4 in 10 x 4 blocks, instead of 100 in 10 x 5
/// blocks of a partial register).
int64_t mainColumns(int64_t M, int64_t N, int64_t width, bool wideB) {
  return mainPart(N, {width, 2 * width, 4 * width}, [&](int64_t columns) {
    return registerBlock(M, columns, width, wideB).score;
  });
}

/// Register-block tile sizes of a contraction: MR x NR accumulators over
/// its (innermost) m and n loops, 1 for batch, reduction and other m/n
/// loops. None when the op is not a contraction with static loops.
/// The kinds of register-tiled products: how threads share one and how
/// one reduction step becomes vector code.
enum class ProductKind { Contraction, Shifted, Direct, Correlation };

struct Tiling {
  SmallVector<int64_t> tiles, interchange;
  ProductKind kind = ProductKind::Contraction;
};

/// Bytes of B up to which, and of C from which, a product's row blocks
/// are its outer loop (rowsOutside).
constexpr int64_t kSmallB = 512 * 1024, kLargeC = 512 * 1024;

/// Whether the row blocks of a plain product (no batch) go outside its
/// column blocks: when all of B stays in L2 (K x N up to kSmallB) while C
/// does not (M x N from kLargeC). Each row block then reads B again, from
/// L2, and writes whole rows of C; column blocks outside would write C a
/// strip at a time (a new line of a new row at every store, which the
/// hardware's prefetchers follow poorly) and read all of A again for each.
/// In C, 8 x 32 blocks, rows outside against columns outside: 1792 x 28 x
/// 512 (the LSTM's input projection) 1.23-1.34x, 1792 x 128 x 512
/// 1.18-1.20x, 256 x 64 x 512 1.16-1.18x, 256 x 128 x 768 1.07-1.10x; 64 x
/// 128 x 512 (C of 128 KB) the same either way, 64 x 512 x 512 (B of 1 MB)
/// 0.96-0.97x.
bool rowsOutside(linalg::LinalgOp op,
                 const linalg::ContractionDimensions &dims) {
  if (!dims.batch.empty() || dims.m.size() != 1 || dims.n.size() != 1)
    return false;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t M = ranges[dims.m[0]], N = ranges[dims.n[0]], K = 1;
  for (unsigned k : dims.k)
    K *= ranges[k];
  return K * N * 4 <= kSmallB && M * N * 4 >= kLargeC;
}

/// The type of the tensor a contraction's B (the input indexed by its last
/// n dimension) is read from: B's own, or that of the tensor a tile of B
/// was sliced from (so that a tiled op decides as the whole op did); null
/// when it is not statically shaped.
ShapedType sourceOfB(linalg::LinalgOp op,
                     const linalg::ContractionDimensions &dims) {
  AffineExpr n = getAffineDimExpr(dims.n.back(), op.getContext());
  for (OpOperand *input : op.getDpsInputOperands()) {
    if (!op.getMatchingIndexingMap(input).getResultPosition(n))
      continue;
    Value b = input->get();
    while (auto slice = b.getDefiningOp<tensor::ExtractSliceOp>())
      b = slice.getSource();
    auto type = dyn_cast<ShapedType>(b.getType());
    if (!type || !type.hasStaticShape() || type.getRank() == 0)
      return nullptr;
    return type;
  }
  return nullptr;
}

/// Whether a contraction's B is wide, blockScore's `wideB`: its rows lie
/// 512 bytes or more apart (the innermost dimension of sourceOfB holds 128
/// floats or more) and it outgrows 32 KB, so that it does not stay in L1
/// anyway. `source` is sourceOfB.
constexpr int64_t kWideRowBytes = 512, kWideBBytes = 32 * 1024;

bool isWide(ShapedType source) {
  if (!source)
    return false;
  int64_t bytes = dlc::elementBytes(source.getElementType());
  return source.getShape().back() * bytes >= kWideRowBytes &&
         source.getNumElements() * bytes > kWideBBytes;
}

bool isWideB(linalg::LinalgOp op, const linalg::ContractionDimensions &dims) {
  return isWide(sourceOfB(op, dims));
}

std::optional<Tiling> contractionTiles(linalg::LinalgOp op, int64_t width) {
  if (!op.hasPureTensorSemantics() || !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty())
    return std::nullopt;
  SmallVector<int64_t> tiles(ranges.size(), 1);
  unsigned m = dims->m.back(), n = dims->n.back();
  RegisterBlock block =
      registerBlock(ranges[m], ranges[n], width, isWideB(op, *dims));
  tiles[m] = block.mr;
  tiles[n] = block.nr;
  // Column blocks outside row blocks: a block column of B (K x NR) stays
  // in cache while every row block of A passes by it, instead of all of B
  // streaming through once per row block; unless B stays in L2 anyway
  // (rowsOutside).
  SmallVector<int64_t> order = llvm::to_vector(llvm::seq<int64_t>(0, ranges.size()));
  std::swap(order[m], order[n]);
  if ((m < n) == rowsOutside(op, *dims))
    return Tiling{tiles, {}}; // already in that order
  return Tiling{tiles, order};
}

/// The largest divisor of `n` up to `limit`.
int64_t divisorUpTo(int64_t n, int64_t limit) {
  for (int64_t d = std::min(n, limit); d > 1; --d)
    if (n % d == 0)
      return d;
  return 1;
}

/// `op` tiled by `tiles` (0: not tiled) in loops of `type` and replaced by
/// them; the tiled op inside, or null when tiling fails.
Operation *tileOp(IRRewriter &rewriter, Operation *op, ArrayRef<int64_t> tiles,
                  scf::SCFTilingOptions::LoopType type =
                      scf::SCFTilingOptions::LoopType::ForOp) {
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), tiles));
  options.setLoopType(type);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op), options);
  if (failed(tiled))
    return nullptr;
  rewriter.replaceOp(op, tiled->replacements);
  return tiled->tiledOps.front();
}

/// `op` vectorized in place (linalg::vectorize; contractions become
/// vector.contract); left as it is when it cannot be.
void vectorizeInPlace(IRRewriter &rewriter, Operation *op) {
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::VectorizationResult> vec = linalg::vectorize(
      rewriter, op, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
      /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
      /*assumeDynamicDimsMatchVecSizes=*/false,
      /*createNamedContraction=*/true);
  if (succeeded(vec))
    rewriter.replaceOp(op, vec->replacements);
}

/// A block of `extent` elements for a vector: the most lanes per
/// instruction (up to four registers), then the longest.
int64_t vectorBlock(int64_t extent, int64_t width) {
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

/// The chunks a total over `elements` splits into, a divisor of `groups`
/// (the whole pieces a chunk must be made of); 1: not split.
int64_t totalChunks(int64_t groups, int64_t elements) {
  return divisorUpTo(groups,
                     std::min(kTotalChunks, elements / kTotalChunkElements));
}

/// Whether the body of `op` adds a term that does not read the output to
/// the output (out + term, or term + out): a sum.
bool addsToOutput(linalg::GenericOp op) {
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
linalg::GenericOp chunkSum(IRRewriter &rewriter, linalg::GenericOp op,
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
void vectorizeReductions(IRRewriter &rewriter, Operation *root,
                         int64_t width) {
  SmallVector<linalg::GenericOp> sums, totals, broadcastTotals;
  root->walk([&](linalg::GenericOp op) {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() == 0 ||
        op.getNumDpsInits() != 1 || op.getNumReductionLoops() == 0 ||
        llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
      return;
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
    else if (identity && op.getNumDpsInputs() == 1)
      sums.push_back(op);
  });
  size_t walked = sums.size(); // (the sums the walk found)
  // The pieces of the summed rows of `op` (tiles `steps` of its summed
  // loops; 0: untiled) add up in a vector of partial sums (one piece
  // long, carried in registers), summed once at the end: summing each
  // piece into the total would chain every element's addition to the
  // previous one.
  auto sumInPieces = [&](Operation *op, ArrayRef<int64_t> steps) {
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
        flat.push_back(lowering::reshape(
            rewriter, op.getLoc(), input,
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
    // vector of it would be split into dozens of instructions by LLVM).
    if (!keepsLast)
      steps[last] = divisorUpTo(ranges[last], 32);
    Operation *inner = tileOp(rewriter, op, shared,
                              scf::SCFTilingOptions::LoopType::ForallOp);
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
    sumInPieces(inner, steps);
  }
}

/// Marks a part of a row-streamed product (splitStreams): streamed whatever
/// its size, with no shared loop of its own.
constexpr StringLiteral kStreamPart = "dl.stream_part";

/// Products (the parts a split leaves of them, then) and the elementwise
/// op their blocks apply before writing (epilogueOf).
using Epilogues = llvm::DenseMap<Operation *, linalg::GenericOp>;

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
bool movableBefore(Value value, Operation *before, DominanceInfo &dominance,
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
bool moveBefore(RewriterBase &rewriter, ValueRange values, Operation *before,
                DominanceInfo &dominance) {
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
void splitEpilogue(IRRewriter &rewriter, linalg::GenericOp epilogue,
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
std::pair<linalg::LinalgOp, linalg::LinalgOp>
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
  auto parts = std::make_pair(
      cast_or_null<linalg::LinalgOp>(first.getOperation()),
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
    zeros = linalg::FillOp::create(rewriter, fill.getLoc(),
                                   fill.getInputs()[0], zeros)
                .getResult(0);
    rewriter.modifyOpInPlace(part, [&] { partInit->set(zeros); });
  }
  for (Operation *user : first->getResult(0).getUsers())
    if (auto insert = dyn_cast<tensor::InsertSliceOp>(user);
        insert && insert.getDest() == init)
      rewriter.modifyOpInPlace(insert, [&] {
        insert.getDestMutable().set(fill.getOutputs()[0]);
      });
  if (epilogue && position)
    splitEpilogue(rewriter, epilogue, index, *position, point, parts.first,
                  parts.second, epilogues);
  return parts;
}

/// Contractions whose rows (mainRows), then columns (mainColumns), two
/// register blocks cover better become two ops, split along that
/// dimension.
void splitProducts(IRRewriter &rewriter, Operation *root, int64_t width,
                   Epilogues &epilogues) {
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
    int64_t rows = mainRows(ranges[m], ranges[n], depth, width, wideB);
    if (rows < ranges[m]) {
      auto [first, rest] = splitProduct(rewriter, op, m, rows, epilogues);
      parts = {first};
      if (rest)
        parts.push_back(rest);
    }
    for (linalg::LinalgOp part : parts) {
      if (!part)
        continue;
      int64_t partRows = part.getStaticLoopRanges()[m];
      int64_t columns = mainColumns(partRows, ranges[n], width, wideB);
      if (columns < ranges[n])
        splitProduct(rewriter, part, n, columns, epilogues);
    }
  }
}

/// Whether `op` is on buffers with static loops, all parallel, and a body
/// that reads no loop index: what both elementwise and window loops need.
bool staticParallel(linalg::GenericOp op) {
  return op.hasPureBufferSemantics() && op.getNumDpsInits() != 0 &&
         op.getNumLoops() != 0 &&
         op.getNumParallelLoops() == op.getNumLoops() &&
         !op.hasIndexSemantics() &&
         llvm::none_of(op.getStaticLoopRanges(), ShapedType::isDynamic);
}

/// Whether `op` is element by element: every loop parallel, static, and
/// each operand indexed by some of the loops, or at 0 (an operand may be
/// broadcast along the others), the innermost loop, where an operand reads
/// it, as its last index (the outer loops may be permuted: a transpose of
/// whole rows), 32-bit elements, and a body that reads no loop index and
/// no other tensor.
bool elementwise(linalg::GenericOp op) {
  if (!staticParallel(op))
    return false;
  unsigned innermost = op.getNumLoops() - 1;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/true))
      return false;
    // (Past the results at 0, which dropZeroIndices drops: a bias of
    // shape [C, 1, 1] added along the channels of an NHWC tensor.)
    ArrayRef<AffineExpr> results = map.getResults();
    while (!results.empty() && isa<AffineConstantExpr>(results.back()))
      results = results.drop_back();
    if (map.isFunctionOfDim(innermost) &&
        results.back() != getAffineDimExpr(innermost, op.getContext()))
      return false;
    Type elem = getElementTypeOrSelf(operand.get().getType());
    if (!elem.isIntOrFloat() || elem.getIntOrFloatBitWidth() != 32)
      return false;
  }
  return !op.getBody()
              ->walk([](Operation *inner) {
                return inner->getNumRegions() ||
                               isa<tensor::ExtractOp>(inner)
                           ? WalkResult::interrupt()
                           : WalkResult::advance();
              })
              .wasInterrupted();
}

/// `op` with each operand indexed at 0 in some of its dimensions (a bias
/// of shape [C, 1, 1] added to every pixel) read through a view without
/// those dimensions instead, so that its map names loops only. False (and
/// `op` unchanged) when such a dimension is not a plain unit dimension.
bool dropZeroIndices(IRRewriter &rewriter, linalg::GenericOp op) {
  // For each operand to view anew: its dimension groups and kept results.
  struct View {
    OpOperand *operand;
    SmallVector<ReassociationIndices> groups;
    SmallVector<AffineExpr> kept;
  };
  SmallVector<View> views;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    auto type = cast<MemRefType>(operand.get().getType());
    if (llvm::all_of(map.getResults(), llvm::IsaPred<AffineDimExpr>))
      continue;
    if (!type.getLayout().isIdentity())
      return false;
    // Each zero index joins the group of the dimension before it (or, at
    // the front, the first one indexed by a loop).
    View &view = views.emplace_back(View{&operand, {}, {}});
    ReassociationIndices pending;
    for (auto [d, e] : llvm::enumerate(map.getResults())) {
      if (isa<AffineDimExpr>(e)) {
        view.kept.push_back(e);
        view.groups.push_back(pending);
        view.groups.back().push_back(d);
        pending.clear();
        continue;
      }
      if (type.getDimSize(d) != 1)
        return false;
      if (view.groups.empty())
        pending.push_back(d);
      else
        view.groups.back().push_back(d);
    }
  }
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  rewriter.setInsertionPoint(op);
  for (View &view : views) {
    Value collapsed = memref::CollapseShapeOp::create(
        rewriter, op.getLoc(), view.operand->get(), view.groups);
    unsigned n = view.operand->getOperandNumber();
    maps[n] = AffineMap::get(maps[n].getNumDims(), 0, view.kept,
                             op.getContext());
    rewriter.modifyOpInPlace(op, [&] { view.operand->set(collapsed); });
  }
  rewriter.modifyOpInPlace(
      op, [&] { op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps)); });
  return true;
}

/// Which element of an input row each lane of a window loop's output row
/// of `row` lanes reads: the map's last result at the lane's index, when
/// that result reads the innermost loop d and no other loop, and no other
/// result reads d (a window position of a pooling reads `s * d + k`, the
/// cells of its input gradient the window's gradient at `d floordiv s`).
std::optional<SmallVector<int64_t>> lanesOfLast(AffineMap map, int64_t row) {
  unsigned last = map.getNumDims() - 1;
  if (map.getNumResults() == 0)
    return std::nullopt;
  for (AffineExpr e : map.getResults().drop_back())
    if (e.isFunctionOfDim(last))
      return std::nullopt;
  AffineExpr e = map.getResults().back();
  for (unsigned d = 0; d < last; ++d)
    if (e.isFunctionOfDim(d))
      return std::nullopt;
  SmallVector<int64_t> lanes;
  for (int64_t i = 0; i < row; ++i) {
    auto at = dyn_cast<AffineConstantExpr>(
        e.replace(getAffineDimExpr(last, map.getContext()),
                  getAffineConstantExpr(i, map.getContext())));
    if (!at || at.getValue() < 0)
      return std::nullopt;
    lanes.push_back(at.getValue());
  }
  return lanes;
}

/// Window loops (a pooling: each input is one window position, read at
/// `s * ow + k` along the rows; the cells of a pooling's input gradient,
/// reading their window's gradient at `x floordiv s`) run on vectors of
/// whole output rows: each input row is read once as one contiguous
/// vector, and each input takes its lanes of it (lanesOfLast, a shuffle);
/// the body then runs on vectors. For static, all-parallel generics on
/// buffers whose output is indexed by the loops, whose inputs end in such
/// a result, with 32-bit elements and a body of elementwise ops; rows of
/// up to 32 outputs. True when `op` was replaced.
bool vectorizeWindows(IRRewriter &rewriter, linalg::GenericOp op,
                      SmallVectorImpl<Operation *> &loops) {
  if (!staticParallel(op) || op.getNumDpsInits() != 1 || op.getNumLoops() < 2)
    return false;
  auto word = [](MemRefType type) {
    Type elem = type.getElementType();
    return (elem.isF32() || elem.isInteger(32)) && type.hasStaticShape() &&
           type.isLastDimUnitStride();
  };
  OpOperand *out = op.getDpsInitOperand(0);
  auto outType = cast<MemRefType>(out->get().getType());
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t row = ranges.back();
  if (!op.getMatchingIndexingMap(out).isIdentity() || row > 32 ||
      !word(outType) || !op.getMatchingBlockArgument(out).use_empty())
    return false;
  // The inputs that share a row (the same buffer, indexed alike but for
  // the last index) share one read, of the longest length they need.
  using Row = std::pair<Value, AffineMap>;
  auto rowOf = [&](OpOperand *in) {
    AffineMap m = op.getMatchingIndexingMap(in);
    return Row{in->get(), m.dropResult(m.getNumResults() - 1)};
  };
  SmallVector<SmallVector<int64_t>> picks;
  DenseMap<Row, int64_t> lengths;
  bool windows = false;
  for (OpOperand *in : op.getDpsInputOperands()) {
    auto type = dyn_cast<MemRefType>(in->get().getType());
    std::optional<SmallVector<int64_t>> lanes =
        lanesOfLast(op.getMatchingIndexingMap(in), row);
    if (!type || !word(type) || !lanes)
      return false;
    windows |= !llvm::equal(*lanes, llvm::seq<int64_t>(0, row));
    int64_t &length = lengths[rowOf(in)];
    length = std::max(length, llvm::max_element(*lanes)[0] + 1);
    picks.push_back(std::move(*lanes));
  }
  if (!windows)
    return false;
  // (A read longer than four rows of 32 would not stay in registers.)
  for (auto [r, length] : lengths)
    if (cast<MemRefType>(r.first.getType()).getShape().back() < length ||
        length > 4 * 32)
      return false;
  Block *body = op.getBody();
  for (Operation &inner : body->without_terminator()) {
    if (!OpTrait::hasElementwiseMappableTraits(&inner) ||
        inner.getNumRegions() != 0)
      return false;
    for (Value v : inner.getOperands())
      if (v.getParentBlock() != body && !v.getType().isIntOrFloat())
        return false;
  }
  Value yielded = body->getTerminator()->getOperand(0);
  if (yielded.getParentBlock() != body || yielded.getType() != outType.getElementType())
    return false;

  // One step per output row: an scf.forall over the other loops.
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  SmallVector<OpFoldResult> counts;
  for (int64_t r : ArrayRef<int64_t>(ranges).drop_back())
    counts.push_back(rewriter.getIndexAttr(r));
  auto forall = scf::ForallOp::create(rewriter, loc, counts, ValueRange{},
                                      std::nullopt);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointToStart(forall.getBody());
  SmallVector<Value> ivs(forall.getInductionVars());
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  ivs.push_back(zero); // the row starts at its first output
  IRMapping map;
  DenseMap<Row, Value> rows;
  for (auto [in, lanes] : llvm::zip(op.getDpsInputOperands(), picks)) {
    Row key = rowOf(in);
    Value &whole = rows[key];
    if (!whole) {
      SmallVector<Value> at;
      for (AffineExpr e : key.second.getResults())
        at.push_back(affine::AffineApplyOp::create(
            rewriter, loc, AffineMap::get(key.second.getNumDims(), 0, e),
            ivs));
      at.push_back(zero);
      whole = vector::LoadOp::create(
          rewriter, loc,
          VectorType::get({lengths[key]},
                          getElementTypeOrSelf(in->get().getType())),
          in->get(), at);
    }
    Value taken = whole;
    if (!llvm::equal(lanes, llvm::seq<int64_t>(0, lengths[key])))
      taken = vector::ShuffleOp::create(rewriter, loc, whole, whole, lanes);
    map.map(op.getMatchingBlockArgument(in), taken);
  }
  for (Operation &inner : body->without_terminator()) {
    for (Value v : inner.getOperands())
      if (!map.contains(v))
        map.map(v, vector::BroadcastOp::create(
                       rewriter, loc, VectorType::get({row}, v.getType()), v));
    Operation *copy = rewriter.clone(inner, map);
    for (Value r : copy->getResults())
      r.setType(VectorType::get({row}, r.getType()));
  }
  vector::StoreOp::create(rewriter, loc, map.lookup(yielded), out->get(),
                          ivs);
  loops.push_back(forall);
  rewriter.eraseOp(op);
  return true;
}

/// `op`'s innermost loop in steps of `lanes` (one vector each) of an
/// scf.forall over all its loops, added to `loops`.
void vectorizeRows(IRRewriter &rewriter, linalg::LinalgOp op, int64_t lanes,
                   SmallVectorImpl<Operation *> &loops) {
  SmallVector<int64_t> tiles(op.getNumLoops(), 1);
  tiles.back() = lanes;
  if (Operation *tile = tileOp(rewriter, op, tiles,
                               scf::SCFTilingOptions::LoopType::ForallOp)) {
    loops.push_back(tile->getParentOp());
    vectorizeInPlace(rewriter, tile);
  }
}

/// The two dimensions a transpose of buffers swaps when all its others
/// have one element: (a, b) of the input, b its last (contiguous)
/// dimension and a the output's last; none otherwise.
std::optional<std::pair<unsigned, unsigned>>
swappedPair(linalg::TransposeOp op) {
  auto in = dyn_cast<MemRefType>(op.getInput().getType());
  auto out = dyn_cast<MemRefType>(op.getInit().getType());
  if (!op.hasPureBufferSemantics() || !in || !out || !in.hasStaticShape() ||
      !in.getElementType().isF32() || !in.isLastDimUnitStride() ||
      !out.isLastDimUnitStride())
    return std::nullopt;
  SmallVector<unsigned> wide;
  for (unsigned d = 0; d < in.getRank(); ++d)
    if (in.getDimSize(d) != 1)
      wide.push_back(d);
  ArrayRef<int64_t> perm = op.getPermutation();
  unsigned last = in.getRank() - 1;
  if (wide.size() != 2 || wide[1] != last || perm.back() != wide[0])
    return std::nullopt;
  return std::pair{wide[0], wide[1]};
}

/// Transposes the 8 x 8 block in `rows` (8 vector<8xf32>) in registers:
/// the AVX sequence of unpacks, shuffles and 128-bit permutes, as
/// vector.shuffle ops (x86vector's transpose8x8xf32 uses inline assembly,
/// which dlc's in-process code generation does not assemble).
void transpose8x8(ImplicitLocOpBuilder &b, MutableArrayRef<Value> rows) {
  namespace intrin = x86vector::avx2::intrin;
  Value t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = intrin::mm256UnpackLoPs(b, rows[2 * i], rows[2 * i + 1]);
    t[2 * i + 1] = intrin::mm256UnpackHiPs(b, rows[2 * i], rows[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      Value lo = t[4 * i + j], hi = t[4 * i + j + 2];
      u[4 * i + 2 * j] = intrin::mm256ShufflePs(b, lo, hi, 0x44);
      u[4 * i + 2 * j + 1] = intrin::mm256ShufflePs(b, lo, hi, 0xEE);
    }
  for (int i = 0; i < 4; ++i) {
    rows[i] = intrin::mm256Permute2f128Ps(b, u[i], u[i + 4], 0x20);
    rows[i + 4] = intrin::mm256Permute2f128Ps(b, u[i], u[i + 4], 0x31);
  }
}

/// A transpose of an R x C block of buffers (the other dimensions single;
/// C contiguous in the input, R in the output: a convolution's NHWC result
/// back to NCHW, 10 pixels by 16 channels a row; a pooling's 6 channels by
/// 14 pixels into NHWC) as blocks of r = min(R, 8) rows by c = min(C, 8)
/// columns transposed in registers: r loads of c lanes, the AVX2 shuffles
/// of an 8 x 8 block (its missing rows poison), c stores of r lanes. A
/// size beyond a multiple of 8 is covered by one more block ending at its
/// end, which overlaps the one before it: both write the same values. Each
/// element was a scalar load and store.
void transposeInBlocks(IRRewriter &rewriter, linalg::TransposeOp op, unsigned a,
                       unsigned b) {
  Value in = op.getInput(), out = op.getInit();
  auto inType = cast<MemRefType>(in.getType());
  unsigned rank = inType.getRank();
  int64_t R = inType.getDimSize(a), C = inType.getDimSize(b);
  int64_t r = std::min<int64_t>(R, 8), c = std::min<int64_t>(C, 8);
  // The output dimension that reads input dimension b.
  unsigned ob =
      llvm::find(op.getPermutation(), b) - op.getPermutation().begin();
  rewriter.setInsertionPoint(op);
  ImplicitLocOpBuilder ib(op.getLoc(), rewriter);
  // The index constants, made once before the loops.
  DenseMap<int64_t, Value> constants;
  auto index = [&](int64_t i) {
    Value &c = constants[i];
    if (!c)
      c = arith::ConstantIndexOp::create(ib, i);
    return c;
  };
  for (int64_t i = 0; i < std::max(r, c); ++i)
    index(i);
  Value zero = index(0), lastRow = index(R - r), lastCol = index(C - c),
        rowEnd = index(llvm::alignTo(R, 8)),
        colEnd = index(llvm::alignTo(C, 8)), eight = index(8);
  auto at = [&](unsigned d1, Value i1, unsigned d2, Value i2) {
    SmallVector<Value> indices(rank, zero);
    indices[d1] = i1;
    indices[d2] = i2;
    return indices;
  };
  auto plus = [&](ImplicitLocOpBuilder &b, Value v, int64_t i) -> Value {
    return i ? arith::AddIOp::create(b, v, index(i)) : v;
  };
  Type elem = inType.getElementType();
  auto vec = VectorType::get({8}, elem);
  Value poison = ub::PoisonOp::create(ib, vec);
  // The first `n` lanes of `v`, as a vector of `lanes`.
  auto lanes = [](ImplicitLocOpBuilder &b, Value v, int64_t n, int64_t lanes) {
    SmallVector<int64_t> pick(lanes, 0);
    for (int64_t i = 0; i < n; ++i)
      pick[i] = i;
    return vector::ShuffleOp::create(b, v, v, pick).getResult();
  };
  scf::buildLoopNest(
      ib, ib.getLoc(), ValueRange{zero, zero}, ValueRange{rowEnd, colEnd},
      ValueRange{eight, eight},
      [&](OpBuilder &nested, Location l, ValueRange iv) {
        ImplicitLocOpBuilder b2(l, nested);
        // The block's first row and column: the last block ends at R, C.
        Value row = arith::MinSIOp::create(b2, iv[0], lastRow);
        Value col = arith::MinSIOp::create(b2, iv[1], lastCol);
        SmallVector<Value> rows(8, poison);
        for (int64_t i = 0; i < r; ++i) {
          Value v = vector::LoadOp::create(b2, VectorType::get({c}, elem), in,
                                           at(a, plus(b2, row, i), b, col));
          rows[i] = c < 8 ? lanes(b2, v, c, 8) : v;
        }
        transpose8x8(b2, rows);
        for (int64_t j = 0; j < c; ++j)
          vector::StoreOp::create(b2,
                                  r < 8 ? lanes(b2, rows[j], r, r) : rows[j],
                                  out, at(ob, plus(b2, col, j), rank - 1, row));
      });
  rewriter.eraseOp(op);
}

/// The vectors per value one step of an elementwise loop may take: four,
/// or fewer for a body that keeps many values live, whose registers four
/// vectors per value would outgrow (an LSTM cell's gradient, 19 buffers
/// and its sigmoid and tanh, each expanded into a polynomial with its
/// temporaries, spilled to the stack: one vector per value made the LSTM's
/// two gate loops 24 % and 35 % faster). The live values are estimated as
/// the operands, plus three for each function dl-approximate-math expands:
/// up to 4, four vectors; up to 8, two; else one.
int64_t stepVectors(Operation *op) {
  int64_t live = op->getNumOperands();
  op->walk([&](Operation *inner) {
    if (isApproximated(inner))
      live += 3;
  });
  return live <= 4 ? 4 : live <= 8 ? 2 : 1;
}

/// Elementwise ops (activations and their gradients, bias additions,
/// optimizer updates) become vectors of `width` lanes. The loops that are
/// contiguous in every operand are first collapsed into one (a 64 x 6 x
/// 28 x 28 activation is one loop of 301056 elements, a bias added to
/// each pixel keeps its channel loop), so the innermost loop is long and
/// a multiple of the vector more often; a remainder of it (2 to `width`
/// - 1 elements) is one short vector per row, in the same pass over the
/// row, a single element a scalar loop. The rest is an scf.forall
/// (threads share it) with up to four vectors per value and step
/// (stepVectors). Left to LLVM, such loops
/// were vectorized behind runtime overlap checks of every operand pair,
/// and unrolled, at a large cost in compile time.
void vectorizeElementwise(IRRewriter &rewriter, Operation *root,
                          int64_t width) {
  // Transposes of whole rows (the last dimension stays last: a gradient
  // [N, C, H, W] as [C, N, H, W]) copy rows, as generics.
  SmallVector<linalg::TransposeOp> transposes;
  root->walk([&](linalg::TransposeOp op) {
    auto type = dyn_cast<MemRefType>(op.getInput().getType());
    if (op.hasPureBufferSemantics() && type && type.hasStaticShape() &&
        op.getPermutation().back() == type.getRank() - 1)
      transposes.push_back(op);
  });
  for (linalg::TransposeOp op : transposes) {
    rewriter.setInsertionPoint(op);
    (void)linalg::generalizeNamedOp(rewriter, op);
  }
  // So are strided copies (an input into its padded buffer).
  SmallVector<linalg::CopyOp> copies;
  root->walk([&](linalg::CopyOp op) {
    if (op.hasPureBufferSemantics() &&
        llvm::none_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
      copies.push_back(op);
  });
  for (linalg::CopyOp op : copies) {
    rewriter.setInsertionPoint(op);
    (void)linalg::generalizeNamedOp(rewriter, op);
  }
  // Transposes whose blocks (up to 8 x 8) have at least 32 elements go by
  // blocks in registers (with AVX's 8 lanes or more): r loads, 24
  // shuffles and c stores instead of 2 r c scalar moves.
  if (width >= 8) {
    SmallVector<std::pair<linalg::TransposeOp, std::pair<unsigned, unsigned>>>
        blocks;
    root->walk([&](linalg::TransposeOp op) {
      if (auto pair = swappedPair(op)) {
        auto type = cast<MemRefType>(op.getInput().getType());
        if (std::min<int64_t>(type.getDimSize(pair->first), 8) *
                std::min<int64_t>(type.getDimSize(pair->second), 8) >=
            32)
          blocks.push_back({op, *pair});
      }
    });
    for (auto &[op, pair] : blocks)
      transposeInBlocks(rewriter, op, pair.first, pair.second);
  }
  SmallVector<linalg::GenericOp> ops, windows;
  root->walk([&](linalg::GenericOp op) {
    if (elementwise(op))
      ops.push_back(op);
    else
      windows.push_back(op);
  });
  SmallVector<Operation *> loops;
  for (linalg::GenericOp op : windows)
    vectorizeWindows(rewriter, op, loops);
  for (linalg::GenericOp generic : ops) {
    if (!dropZeroIndices(rewriter, generic))
      continue;
    linalg::LinalgOp op = generic;
    // Collapse the longest runs of loops every operand keeps together.
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0, n = op.getNumLoops(); d < n; ++d) {
      if (!groups.empty()) {
        ReassociationIndices longer = groups.back();
        longer.push_back(d);
        if (linalg::areDimSequencesPreserved(maps, {longer})) {
          groups.back() = longer;
          continue;
        }
      }
      groups.push_back({d});
    }
    // (Views of buffers with their own strides stay as they are.)
    bool plain = llvm::all_of(op->getOperandTypes(), [](Type t) {
      return cast<MemRefType>(t).getLayout().isIdentity();
    });
    if (plain && groups.size() < op.getNumLoops()) {
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::CollapseResult> collapsed =
          linalg::collapseOpIterationDims(op, groups, rewriter);
      if (failed(collapsed))
        continue;
      rewriter.replaceOp(op, collapsed->results);
      op = collapsed->collapsedOp;
    }
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    unsigned inner = ranges.size() - 1;
    int64_t main = ranges[inner] / width * width;
    if (main == 0)
      continue;
    // Up to four vectors per step (a power of two of them, dividing the
    // loop): fewer steps, and independent loads and stores in each.
    int64_t step = width;
    while (step < stepVectors(op) * width && main % (2 * step) == 0)
      step *= 2;
    int64_t remainder = ranges[inner] - main;
    if (inner > 0 && remainder >= 2) {
      // Rows with a remainder are done one at a time: the row's vectors,
      // then its remainder as one short vector (LeNet's rows of 28: 3 x 8,
      // then 4 lanes, half a register), in one pass over the row rather
      // than a second pass over all the rows for the remainders.
      // (tileOp erases `op`: its loop count is read before.)
      unsigned numLoops = op.getNumLoops();
      SmallVector<int64_t> rows(numLoops, 1);
      rows.back() = 0;
      Operation *row =
          tileOp(rewriter, op, rows, scf::SCFTilingOptions::LoopType::ForallOp);
      if (!row)
        continue;
      loops.push_back(row->getParentOp());
      rewriter.setInsertionPoint(row);
      auto [first, rest] = linalg::splitOp(rewriter, cast<TilingInterface>(row),
                                           inner, rewriter.getIndexAttr(main));
      if (!first)
        continue;
      SmallVector<int64_t> tiles(numLoops, 0);
      tiles.back() = step;
      if (Operation *tile = tileOp(rewriter, first, tiles))
        vectorizeInPlace(rewriter, tile);
      if (rest)
        vectorizeInPlace(rewriter, rest);
      continue;
    }
    if (main < ranges[inner]) {
      rewriter.setInsertionPoint(op);
      auto [first, rest] = linalg::splitOp(
          rewriter, cast<TilingInterface>(op.getOperation()), inner,
          rewriter.getIndexAttr(main));
      if (!first)
        continue;
      op = cast<linalg::LinalgOp>(first.getOperation());
      // A one-dimensional op's remainder (2 to width - 1 elements) is one
      // short vector rather than a scalar loop.
      if (rest && remainder >= 2)
        vectorizeRows(rewriter, cast<linalg::LinalgOp>(rest.getOperation()),
                      remainder, loops);
    }
    vectorizeRows(rewriter, op, step, loops);
  }
  // The vectors of one step have unit dimensions in front (one element of
  // each outer loop): they go, and the reads and writes index the buffers
  // themselves rather than views of one step's elements.
  SmallVector<Operation *> steps;
  for (Operation *loop : loops)
    loop->walk([&](Operation *inner) {
      if (inner != loop)
        steps.push_back(inner);
    });
  RewritePatternSet patterns(root->getContext());
  vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
  memref::populateFoldMemRefAliasOpPatterns(patterns);
  vector::BroadcastOp::getCanonicalizationPatterns(patterns,
                                                   root->getContext());
  (void)applyOpPatternsGreedily(steps, std::move(patterns));
}

/// `op` tiled by `tiles` (0: not tiled) in loops of `type`, with the
/// zero fill of its accumulator (a linalg.fill producing its init) fused
/// into each tile: a register block then starts from zeros in registers
/// instead of reading a buffer a memset wrote. Only loops over parallel
/// dimensions may carry a fused fill (`fuse` false: none is fused). The
/// tiled op; the fused fills are added to `fills`.
FailureOr<linalg::LinalgOp>
tileFusingFills(IRRewriter &rewriter, linalg::LinalgOp op,
                ArrayRef<int64_t> tiles, ArrayRef<int64_t> interchange,
                scf::SCFTilingOptions::LoopType type,
                SmallVectorImpl<Operation *> &fills, bool fuse = true,
                SmallVectorImpl<LoopLikeOpInterface> *loops = nullptr) {
  using Options = scf::SCFTileAndFuseOptions;
  Options options;
  options.tilingOptions.setTileSizes(
      getAsIndexOpFoldResult(rewriter.getContext(), tiles));
  options.tilingOptions.setInterchange(interchange);
  options.tilingOptions.setLoopType(type);
  options.setFusionControlFn(
      [fuse](tensor::ExtractSliceOp, OpResult producer,
             bool) -> std::optional<Options::ControlFnResult> {
        if (fuse && isa<linalg::FillOp>(producer.getOwner()))
          return Options::ControlFnResult{};
        return std::nullopt;
      });
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTileAndFuseResult> tiled =
      scf::tileConsumerAndFuseProducersUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return failure();
  for (OpResult result : op->getResults())
    rewriter.replaceAllUsesWith(result, tiled->replacements.lookup(result));
  rewriter.eraseOp(op);
  for (Operation *fused : llvm::drop_begin(tiled->tiledAndFusedOps))
    fills.push_back(fused);
  if (loops)
    loops->append(tiled->loops.begin(), tiled->loops.end());
  return cast<linalg::LinalgOp>(tiled->tiledAndFusedOps.front());
}

/// Bytes of A a chunk of rows may take (a share of L2).
constexpr int64_t kL2Budget = 192 * 1024;

/// Rows of B a deep product's reduction is blocked by (kDepthBlock x NR
/// of B stays in L1, MR x kDepthBlock of A in L2 with every row block).
constexpr int64_t kDepthBlock = 256;

/// Bytes of a column block of B (K x NR) that stay in L1 while the row
/// blocks of A pass by it: half of the smallest L1 of the targets (32 KB
/// on Zen 4; 48 KB on Sapphire Rapids), the rest for A's rows and C.
constexpr int64_t kL1Panel = 16 * 1024;

/// Rows of A below which a chunk of rows (sharedTiles) streams too much
/// of B per FMA (each chunk reads all of B: 4 / rows bytes per FMA).
constexpr int64_t kMinChunkRows = 32;

/// Bytes of a wide B's source from which it does not stay in L2 beside a
/// chunk of A's rows and their results, and bytes of the K blocks (kc x N)
/// such a B is read in (streamsLargeB).
constexpr int64_t kLargeB = 1024 * 1024, kSlab = 256 * 1024;

/// Whether a register-tiled share reads a wide B (isWideB) of kLargeB or
/// more, over more than kSlab bytes of it (`shareElements` of B's elements:
/// K x N of the share). Such a B comes from L3 for every chunk of rows; read
/// in K blocks of all the share's columns (kSlab bytes at most), a chunk
/// takes whole rows of B from each 4 KB page at once, where column blocks
/// over all of K take a 256-byte piece of each row, 2 KB apart, and the
/// next column block comes back to the same pages after the whole column
/// block. (Neither keeps a panel in L1: a 6 x 64 block's 256-byte pieces
/// of rows 2 KB apart fall into 8 of the 64 sets of a 48 KB L1.)
bool streamsLargeB(linalg::LinalgOp op,
                   const linalg::ContractionDimensions &dims,
                   int64_t shareElements) {
  ShapedType type = sourceOfB(op, dims);
  if (!isWide(type))
    return false;
  int64_t bytes = dlc::elementBytes(type.getElementType());
  return type.getNumElements() * bytes >= kLargeB &&
         shareElements * bytes > kSlab;
}

/// The reduction block of a deep product, a plain [M, K] x [K, N]:
/// - whose A outgrows the L2 share and is so deep that fewer than
///   kMinChunkRows rows fit it (K > 1536), while all its rows fit it over
///   kDepthBlock (the LSTM's weight gradients, summed over the batch and
///   the steps: K = B T). Row chunks would then each stream all of B
///   (K x N) from L3; instead the K blocks are the outer loop, and in each
///   the threads share the column blocks: the K block of all of A's rows
///   stays in L2 while the columns of B pass by, and the K block of B's
///   rows is read a piece of each row after the other. (Column blocks
///   outside, each over all of K, read a new line of a new row every
///   step: the LSTM's recurrent weight gradient, 128 x 1792 x 512, took
///   1.29x as long on one thread, 1.13x on two.) sharedTiles asks for
///   this case alone (`registers` null).
/// - or, given its register blocks, whose column block of B (K x NR)
///   outgrows kL1Panel while two row blocks or more read it: each K block
///   of it then stays in L1 while the row blocks pass by it, where the
///   whole column block would come from L2 again for every row block. The
///   MLP on a Xeon with AVX-512, with 32-register blocks either way:
///   inference at batch 64 1.26x, the training step 1.21x; at batch 256
///   about 1.3x (every product in the rows' L2 chunks).
///   Where the share streams a large wide B (streamsLargeB), its K blocks
///   span kSlab bytes of B's rows instead (the MLP's layers at batch 256:
///   784 rows of 2 KB in blocks of 112, where no divisor of 784 within the
///   16 KB panel of a 6 x 64 block's 256-byte rows is 64 or more; 512 rows
///   in blocks of 128, not 64). In C, 6 x 64 blocks in chunks of 42 rows
///   (GFLOP/s, medians of 12 alternated runs): 256 x 784 x 512 161 in
///   blocks of 112 against 145 unblocked, 256 x 512 x 512 166 in blocks of
///   128 against 158 in blocks of 64; the MLP's batch-256 step 0.952 of
///   the time (17 of 20 alternated rounds), its inference 0.905.
/// The block (the largest divisor of K up to kDepthBlock, half of K at
/// most, at least 64, within both budgets where both apply) as tile sizes
/// of `op` (0 but for K), or none.
std::optional<SmallVector<int64_t>> depthBlock(linalg::LinalgOp op,
                                               const Tiling *registers) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || !dims->batch.empty() || dims->m.size() != 1 ||
      dims->n.size() != 1 || dims->k.size() != 1 || ranges.size() != 3)
    return std::nullopt;
  unsigned k = dims->k[0], m = dims->m[0], n = dims->n[0];
  int64_t M = ranges[m], K = ranges[k];
  int64_t panelRow = registers ? registers->tiles[n] * 4 : 0;
  bool aFits = M * K * 4 <= kL2Budget;
  bool deepA = !aFits && kMinChunkRows * K * 4 > kL2Budget;
  bool deepB =
      registers && M / registers->tiles[m] >= 2 && K * panelRow > kL1Panel;
  if (!deepA && !deepB)
    return std::nullopt;
  auto largestBlock = [&](function_ref<bool(int64_t)> fits) {
    int64_t kc = 0;
    for (int64_t c = 8; c <= kDepthBlock && 2 * c <= K; ++c)
      if (K % c == 0 && (aFits || M * c * 4 <= kL2Budget) && fits(c))
        kc = c;
    return kc;
  };
  int64_t kc = 0;
  if (!deepA && streamsLargeB(op, *dims, K * ranges[n]))
    kc = largestBlock([&](int64_t c) { return c * ranges[n] * 4 <= kSlab; });
  if (kc < 64)
    kc = largestBlock(
        [&](int64_t c) { return !deepB || c * panelRow <= kL1Panel; });
  if (kc < 64)
    return std::nullopt;
  SmallVector<int64_t> tiles(ranges.size(), 0);
  tiles[k] = kc;
  return tiles;
}

/// The loop of a contraction that threads share: an outer loop (a batch,
/// or the images of a convolution's product, which are an n dimension),
/// else the column blocks, else the row blocks (the other way round when
/// the row blocks are the outer loop: rowsOutside), whichever first has
/// two tiles or more. Tile sizes of an scf.forall over it (0 elsewhere),
/// or none.
std::optional<SmallVector<int64_t>> sharedTiles(linalg::LinalgOp op,
                                                const Tiling &registers) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims))
    return std::nullopt;
  // Cache blocking: when the rows of A (M x K) outgrow a share of the L2
  // cache, threads share chunks of rows that fit it instead (a multiple of
  // the register block's rows dividing M). Each chunk then stays in L2
  // while every column block of B passes by it, where streaming all of A
  // from L3 once per column block would bound the product. Threads share
  // an odd number of chunks unevenly (3 chunks on two threads take as long
  // as 4), so the largest chunk that makes an even number is preferred,
  // else the largest that makes 8 or more (the runtime's shares then even
  // out the threads' work), else the largest.
  unsigned m = dims->m.back();
  int64_t depth = 1;
  for (unsigned k : dims->k)
    depth *= ranges[k];
  int64_t mr = registers.tiles[m];
  if (dims->batch.empty() && ranges[m] * depth * 4 > kL2Budget &&
      !depthBlock(op, nullptr)) {
    int64_t chunk = 0, even = 0, many = 0;
    for (int64_t c = mr; c * depth * 4 <= kL2Budget && 2 * c <= ranges[m]; c += mr)
      if (ranges[m] % c == 0) {
        chunk = c;
        if ((ranges[m] / c) % 2 == 0)
          even = c;
        if (ranges[m] / c >= 8)
          many = c;
      }
    if (even)
      chunk = even;
    else if (many)
      chunk = many;
    if (chunk) {
      SmallVector<int64_t> tiles(ranges.size(), 0);
      tiles[m] = chunk;
      return tiles;
    }
  }
  SmallVector<std::pair<unsigned, int64_t>> candidates;
  for (unsigned b : dims->batch)
    candidates.push_back({b, 1});
  for (unsigned d : llvm::concat<unsigned>(dims->n, dims->m))
    if (d != dims->n.back() && d != dims->m.back())
      candidates.push_back({d, 1});
  llvm::sort(candidates); // outermost first
  std::pair<unsigned, int64_t> columns = {dims->n.back(),
                                          registers.tiles[dims->n.back()]},
                               rows = {dims->m.back(),
                                       registers.tiles[dims->m.back()]};
  if (rowsOutside(op, *dims))
    std::swap(columns, rows);
  candidates.push_back(columns);
  candidates.push_back(rows);
  for (auto [dim, tile] : candidates) {
    if (ranges[dim] / tile < 2)
      continue;
    SmallVector<int64_t> tiles(ranges.size(), 0);
    tiles[dim] = tile;
    return tiles;
  }
  return std::nullopt;
}

/// Columns of a row-streamed product that one share covers (512 bytes of
/// each row of B).
constexpr int64_t kStreamChunk = 128;
/// Bytes of B from which a row vector's product streams its rows: below,
/// B stays in L2, and register blocks (one load per FMA, the result in
/// registers) are faster than reading and writing the result row.
constexpr int64_t kStreamBytes = 512 * 1024;

/// The loops of a row vector times a matrix ([1, K] x [K, N], B read
/// along its rows: the dense layers of batch-1 inference), which reads B
/// row by row instead of in column blocks: in each share of columns, for
/// every KR rows of B (KR = 4 where K allows), each vector of the result
/// row is read, gets KR FMAs with the rows' vectors and the broadcast
/// elements of A, and is written back (the result row stays in L1). B then
/// streams through in long runs, which the hardware prefetches better than
/// a column block's 128 bytes per row (784 x 512: 1.25x). Only when B
/// does not stay in L2 (kStreamBytes).
struct RowStream {
  std::optional<SmallVector<int64_t>> shared; // the scf.forall's tiles
  SmallVector<int64_t> blocks, interchange, steps;
};

std::optional<RowStream> rowStream(linalg::LinalgOp op, int64_t width) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || !dims->batch.empty() || dims->m.size() != 1 ||
      dims->n.size() != 1 || dims->k.size() != 1 || ranges.size() != 3)
    return std::nullopt;
  unsigned m = dims->m[0], n = dims->n[0], k = dims->k[0];
  bool part = op->hasAttr(kStreamPart);
  if (ranges[m] != 1 || ranges[n] % width != 0 || ranges[n] < 2 * width ||
      (!part && ranges[k] * ranges[n] * 4 < kStreamBytes))
    return std::nullopt;
  // B and the result must be rows along n.
  AffineExpr nDim = getAffineDimExpr(n, op.getContext());
  if (op.getMatchingIndexingMap(op.getDpsInputOperand(1)).getResults().back() !=
          nDim ||
      op.getMatchingIndexingMap(op.getDpsInitOperand(0)).getResults().back() !=
          nDim)
    return std::nullopt;
  RowStream stream;
  int64_t chunk = 0;
  for (int64_t c = width; c <= kStreamChunk && 2 * c <= ranges[n]; c += width)
    if (ranges[n] % c == 0)
      chunk = c;
  if (chunk && !part) {
    stream.shared = SmallVector<int64_t>(3, 0);
    (*stream.shared)[n] = chunk;
  }
  int64_t kr = ranges[k] % 4 == 0 ? 4 : ranges[k] % 2 == 0 ? 2 : 1;
  stream.blocks.assign(3, 0);
  stream.blocks[m] = 1;
  stream.blocks[n] = width;
  stream.blocks[k] = kr;
  // The rows of B outside the columns of the result.
  stream.interchange = {int64_t(m), int64_t(k), int64_t(n)};
  stream.steps.assign(3, 0);
  stream.steps[k] = 1;
  return stream;
}

/// The parts a row-streamed product's reduction splits into: the most, up
/// to 4, whose rows are a multiple of 4 (or else of 2: the rows one pass
/// reads), or 1.
int64_t streamParts(int64_t depth) {
  for (int64_t align : {4, 2})
    for (int64_t parts = 4; parts >= 2; --parts)
      if (depth % (parts * align) == 0)
        return parts;
  return 1;
}

/// A row-streamed product (rowStream: [1, K] x [K, N], a plain
/// linalg.matmul) split along K into parts that threads share, each
/// streaming a contiguous block of B's rows into its own row of partial
/// sums ([P, 1, N]), which one op then adds to the product's init.
/// Threads sharing chunks of 128 columns instead each read a piece of
/// every row of B (512 bytes of each 2 KB row of the MLP's first layer):
/// with the parts, the MLP's batch-1 inference (B of 1.6 and 1 MB) took
/// 0.67-0.68x the time on two and three threads, the same on one. The
/// sum's order depends on the parts alone, not on the threads. (Not where
/// N is not a multiple of the vector width: splitProducts then leaves a
/// streamed part of the columns, shared by chunks.)
void splitStreams(IRRewriter &rewriter, Operation *root, int64_t width) {
  SmallVector<linalg::MatmulOp> products;
  root->walk([&](linalg::MatmulOp op) {
    if (!op.hasUserDefinedMaps() && contractionTiles(op, width) &&
        rowStream(op, width) && streamParts(op.getStaticLoopRanges()[2]) > 1)
      products.push_back(op);
  });
  for (linalg::MatmulOp op : products) {
    Location loc = op.getLoc();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges(); // M, N, K
    int64_t n = ranges[1], k = ranges[2], parts = streamParts(k),
            rows = k / parts;
    Value a = op.getDpsInputs()[0], b = op.getDpsInputs()[1],
          init = op.getDpsInits()[0];
    Type elem = cast<RankedTensorType>(init.getType()).getElementType();
    rewriter.setInsertionPoint(op);
    // The partial sums as [P, 1, N]: the sum over P below then reads them
    // at the identity, as vectorizeReductions' sums do.
    Value empty = lowering::emptyTensor(
        rewriter, loc, RankedTensorType::get({parts, 1, n}, elem));
    auto forall = scf::ForallOp::create(
        rewriter, loc, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(parts)},
        ValueRange{empty}, std::nullopt);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(forall.getBody());
    Value p = forall.getInductionVars()[0];
    OpFoldResult first = affine::makeComposedFoldedAffineApply(
        rewriter, loc, rewriter.getAffineDimExpr(0) * rows, {OpFoldResult(p)});
    auto index = [&](int64_t v) -> OpFoldResult {
      return rewriter.getIndexAttr(v);
    };
    SmallVector<OpFoldResult> unit2(2, index(1)), unit3(3, index(1));
    Value aPart = tensor::ExtractSliceOp::create(
        rewriter, loc, a, {index(0), first}, {index(1), index(rows)}, unit2);
    Value bPart = tensor::ExtractSliceOp::create(
        rewriter, loc, b, {first, index(0)}, {index(rows), index(n)}, unit2);
    SmallVector<OpFoldResult> at = {OpFoldResult(p), index(0), index(0)},
                              size = {index(1), index(1), index(n)};
    auto rowType = RankedTensorType::get({1, n}, elem);
    Value row = tensor::ExtractSliceOp::create(
        rewriter, loc, rowType, forall.getRegionIterArgs()[0], at, size, unit3);
    Value sums =
        linalg::FillOp::create(rewriter, loc,
                               lowering::scalar(rewriter, loc, elem, 0), row)
            .getResult(0);
    auto partial =
        linalg::MatmulOp::create(rewriter, loc, TypeRange{rowType},
                                 ValueRange{aPart, bPart}, ValueRange{sums});
    partial->setAttr(kStreamPart, rewriter.getUnitAttr());
    rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(rewriter, loc, partial.getResult(0),
                                          forall.getRegionIterArgs()[0], at,
                                          size, unit3);
    // init[0, n] + the sum over the parts of partials[p, 0, n] (loops: p,
    // the row, n).
    rewriter.setInsertionPoint(op);
    MLIRContext *ctx = rewriter.getContext();
    auto total = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()},
        ValueRange{forall.getResult(0)}, ValueRange{init},
        ArrayRef<AffineMap>{
            AffineMap::getMultiDimIdentityMap(3, ctx),
            AffineMap::get(3, 0,
                           {getAffineDimExpr(1, ctx), getAffineDimExpr(2, ctx)},
                           ctx)},
        ArrayRef<utils::IteratorType>{utils::IteratorType::reduction,
                                      utils::IteratorType::parallel,
                                      utils::IteratorType::parallel},
        [](OpBuilder &b, Location loc, ValueRange args) {
          linalg::YieldOp::create(b, loc,
                                  lowering::add(b, loc, args[1], args[0]));
        });
    rewriter.replaceOp(op, total.getResults());
  }
}

/// The body of a multiply-accumulate contraction: out + lhs * rhs.
void multiplyAdd(OpBuilder &b, Location loc, ValueRange args) {
  linalg::YieldOp::create(
      b, loc,
      ValueRange{arith::AddFOp::create(
          b, loc, args[2], arith::MulFOp::create(b, loc, args[0], args[1]))});
}

/// Matrix products whose left operand is a transposed matrix (the weight
/// gradients X^T G of the backward pass) read that matrix as it is: a
/// register block then broadcasts MR neighbouring elements of one of its
/// rows per reduction step, and the transposed copy is gone.
void foldTransposedLhs(IRRewriter &rewriter, Operation *root) {
  SmallVector<linalg::MatmulOp> products;
  root->walk([&](linalg::MatmulOp op) {
    auto t = op.getInputs()[0].getDefiningOp<linalg::TransposeOp>();
    if (op.hasPureTensorSemantics() && !op.hasUserDefinedMaps() && t &&
        t.hasPureTensorSemantics() &&
        t.getPermutation() == ArrayRef<int64_t>{1, 0})
      products.push_back(op);
  });
  MLIRContext *ctx = rewriter.getContext();
  AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
             k = getAffineDimExpr(2, ctx);
  for (linalg::MatmulOp op : products) {
    auto t = op.getInputs()[0].getDefiningOp<linalg::TransposeOp>();
    rewriter.setInsertionPoint(op);
    auto product = linalg::GenericOp::create(
        rewriter, op.getLoc(), op.getResultTypes(),
        ValueRange{t.getInput(), op.getInputs()[1]}, op.getOutputs(),
        ArrayRef<AffineMap>{AffineMap::get(3, 0, {k, m}, ctx),
                            AffineMap::get(3, 0, {k, n}, ctx),
                            AffineMap::get(3, 0, {m, n}, ctx)},
        SmallVector<utils::IteratorType>{utils::IteratorType::parallel,
                                         utils::IteratorType::parallel,
                                         utils::IteratorType::reduction},
        multiplyAdd);
    rewriter.replaceOp(op, product.getResults());
    if (t->use_empty())
      rewriter.eraseOp(t);
  }
}


/// Transposes that move the innermost dimension are tiled into square
/// blocks of up to 16 x 16 elements between the dimension contiguous in
/// the input and the one contiguous in the result: a block reads 16 cache
/// lines and writes 16, where the plain loop nest reads every element from
/// a different line (a 512 x 512 transpose was 14 % of an MLP training
/// step). The blocks are an scf.forall, which threads share.
void tileTransposes(IRRewriter &rewriter, Operation *root) {
  SmallVector<linalg::TransposeOp> transposes;
  root->walk([&](linalg::TransposeOp op) {
    if (op.hasPureTensorSemantics() &&
        llvm::none_of(op.getStaticLoopRanges(), ShapedType::isDynamic) &&
        op.getPermutation().back() != int64_t(op.getPermutation().size()) - 1)
      transposes.push_back(op);
  });
  for (linalg::TransposeOp op : transposes) {
    ArrayRef<int64_t> perm = op.getPermutation();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    // Result dimension `in` reads the input's innermost dimension.
    unsigned last = perm.size() - 1,
             in = llvm::find(perm, int64_t(last)) - perm.begin();
    SmallVector<int64_t> tiles(ranges.size(), 1);
    tiles[in] = divisorUpTo(ranges[in], 16);
    tiles[last] = divisorUpTo(ranges[last], 16);
    tileOp(rewriter, op, tiles, scf::SCFTilingOptions::LoopType::ForallOp);
  }
}

/// The constant c of `e` = `lhs kind c`, when c >= `least` (`e` becomes
/// lhs); `otherwise` when `e` is not of that kind; none when c is not a
/// constant or smaller.
std::optional<int64_t> peelConstant(AffineExpr &e, AffineExprKind kind,
                                    int64_t least, int64_t otherwise) {
  auto op = dyn_cast<AffineBinaryOpExpr>(e);
  if (!op || op.getKind() != kind)
    return otherwise;
  auto c = dyn_cast<AffineConstantExpr>(op.getRHS());
  if (!c || c.getValue() < least)
    return std::nullopt;
  e = op.getLHS();
  return c.getValue();
}

/// `e` as `stride * d + offset` of one loop dimension d (stride >= 1,
/// offset >= 0): (d, stride, offset); none otherwise.
std::optional<std::array<int64_t, 3>> strideOffset(AffineExpr e) {
  std::optional<int64_t> offset = peelConstant(e, AffineExprKind::Add, 0, 0);
  std::optional<int64_t> stride =
      offset ? peelConstant(e, AffineExprKind::Mul, 1, 1) : std::nullopt;
  auto d = dyn_cast<AffineDimExpr>(e);
  if (!stride || !d)
    return std::nullopt;
  return std::array<int64_t, 3>{d.getPosition(), *stride, *offset};
}

/// A pooling of a transpose that moves the last dimension (a channels-last
/// convolution's NHWC result back to NCHW, its only use) pools the
/// transpose's input instead, then transposes the pooled result, a
/// quarter of the size with 2 x 2 windows. The pooling is an all-parallel
/// generic whose inputs all read the transpose, result k of each at
/// `s * d_k + o` (a window position), and whose output is indexed by its
/// loops. Each window position becomes a strided slice of the NHWC tensor
/// and the pooling an elementwise op of the slices, contiguous along the
/// channels (vectors), where it read rows of the NCHW tensor with a
/// stride (shuffles) after a full-size transpose.
void poolBeforeTranspose(IRRewriter &rewriter, Operation *root) {
  SmallVector<std::pair<linalg::TransposeOp, linalg::GenericOp>> pairs;
  root->walk([&](linalg::TransposeOp op) {
    ArrayRef<int64_t> perm = op.getPermutation();
    auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!op.hasPureTensorSemantics() || !type || !type.hasStaticShape() ||
        perm.back() == int64_t(perm.size()) - 1 || op->use_empty())
      return;
    auto pool = dyn_cast<linalg::GenericOp>(*op->user_begin());
    if (!pool || llvm::any_of(op->getUsers(), [&](Operation *user) {
          return user != pool.getOperation();
        }))
      return;
    if (!pool.hasPureTensorSemantics() || pool.getNumDpsInits() != 1 ||
        pool.getNumParallelLoops() != pool.getNumLoops() ||
        pool.hasIndexSemantics() ||
        !pool.getMatchingIndexingMap(pool.getDpsInitOperand(0)).isIdentity() ||
        !pool.getMatchingBlockArgument(pool.getDpsInitOperand(0)).use_empty())
      return;
    // (The input dimension contiguous in memory is read with stride 1.)
    unsigned rank = perm.size();
    unsigned contiguous = llvm::find(perm, int64_t(rank) - 1) - perm.begin();
    // (A window: some position read with a stride or an offset. A pooling
    // that reads two transposes moves below the first.)
    bool windows = false;
    for (OpOperand *in : pool.getDpsInputOperands()) {
      AffineMap map = pool.getMatchingIndexingMap(in);
      if (in->get() != op.getResult()[0])
        continue; // (read in the new loop order: a bias per channel)
      if (map.getNumResults() != rank)
        return;
      for (auto [k, e] : llvm::enumerate(map.getResults())) {
        std::optional<std::array<int64_t, 3>> so = strideOffset(e);
        if (!so || (*so)[0] != int64_t(k) || (k == contiguous && (*so)[1] != 1))
          return;
        windows |= (*so)[1] != 1 || (*so)[2] != 0;
      }
    }
    if (windows &&
        llvm::none_of(pairs, [&](auto &pair) { return pair.second == pool; }))
      pairs.push_back({op, pool});
  });
  for (auto [transpose, pool] : pairs) {
    ArrayRef<int64_t> perm = transpose.getPermutation();
    unsigned rank = perm.size();
    Location loc = pool.getLoc();
    rewriter.setInsertionPoint(pool);
    auto outType = cast<RankedTensorType>(pool.getResult(0).getType());
    // (The transpose's input shape, of the pooled size.)
    SmallVector<int64_t> shape =
        applyPermutation(outType.getShape(), invertPermutationVector(perm));
    // Loop k of the pooling is loop perm[k] of the new one, whose output
    // is indexed like the transpose's input.
    SmallVector<AffineExpr> moved;
    for (unsigned k = 0; k < rank; ++k)
      moved.push_back(rewriter.getAffineDimExpr(perm[k]));
    auto identity = rewriter.getMultiDimIdentityMap(rank);
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    for (OpOperand *in : pool.getDpsInputOperands()) {
      if (in->get() != transpose.getResult()[0]) {
        inputs.push_back(in->get());
        maps.push_back(pool.getMatchingIndexingMap(in).replaceDimsAndSymbols(
            moved, {}, rank, 0));
        continue;
      }
      SmallVector<OpFoldResult> offsets(rank), sizes(rank), strides(rank);
      for (auto [k, e] :
           llvm::enumerate(pool.getMatchingIndexingMap(in).getResults())) {
        std::array<int64_t, 3> so = *strideOffset(e);
        offsets[perm[k]] = rewriter.getIndexAttr(so[2]);
        strides[perm[k]] = rewriter.getIndexAttr(so[1]);
        sizes[perm[k]] = rewriter.getIndexAttr(shape[perm[k]]);
      }
      inputs.push_back(tensor::ExtractSliceOp::create(
          rewriter, loc, transpose.getInput(), offsets, sizes, strides));
      maps.push_back(identity);
    }
    maps.push_back(identity);
    Value init = lowering::emptyTensor(rewriter, loc, outType.clone(shape));
    auto pooled = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()}, inputs, ValueRange{init},
        maps, pool.getIteratorTypesArray());
    rewriter.cloneRegionBefore(pool.getRegion(), pooled.getRegion(),
                               pooled.getRegion().end());
    rewriter.replaceOp(
        pool, lowering::transpose(rewriter, loc, pooled.getResult(0), perm));
    rewriter.eraseOp(transpose);
  }
}

/// A copy into a new tensor of `shape` whose last dimension is whole
/// rows of `source`: for each index (i0, ..., ik) of the other dimensions,
/// the row at `at(b, ivs)` of `source` (contiguous, `shape.back()`
/// elements) becomes result[i0, ..., ik, :]. The leading dimensions up to
/// the first of two or more rows are an scf.forall (threads share it).
/// One vector read and write per row, where a scalar loop nest copies
/// element by element (LLVM cannot prove that the arena buffers do not
/// overlap, so it does not vectorize it).
Value copyRows(OpBuilder &b, Location loc, Value source,
               ArrayRef<int64_t> shape,
               function_ref<SmallVector<Value>(OpBuilder &, ValueRange)> at) {
  Type elem = cast<RankedTensorType>(source.getType()).getElementType();
  // Long rows move in pieces of up to 32 elements (a loop), not as one
  // vector LLVM would split into dozens of moves per row.
  int64_t piece = divisorUpTo(shape.back(), 32);
  auto rowType = VectorType::get(piece, elem);
  int64_t rank = shape.size();
  int64_t lead = 0;
  while (lead + 2 < rank && shape[lead] < 2)
    ++lead;
  Value empty = tensor::EmptyOp::create(b, loc, shape, elem);
  SmallVector<OpFoldResult> counts;
  for (int64_t d : shape.take_front(lead + 1))
    counts.push_back(b.getIndexAttr(d));
  auto forall = scf::ForallOp::create(b, loc, counts, ValueRange{empty},
                                      std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getBody());
  SmallVector<Value> shares(forall.getInductionVars());
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
      strides(rank, b.getIndexAttr(1));
  for (int64_t d = 0; d < rank; ++d) {
    if (d <= lead)
      offsets[d] = shares[d];
    sizes.push_back(b.getIndexAttr(d <= lead ? 1 : shape[d]));
  }
  Value share = tensor::ExtractSliceOp::create(
      b, loc, forall.getRegionIterArgs()[0], offsets, sizes, strides);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0),
        one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t d : shape.drop_front(lead + 1).drop_back()) {
    lbs.push_back(zero);
    ubs.push_back(arith::ConstantIndexOp::create(b, loc, d));
    steps.push_back(one);
  }
  lbs.push_back(zero); // the pieces of a row
  ubs.push_back(arith::ConstantIndexOp::create(b, loc, shape.back()));
  steps.push_back(arith::ConstantIndexOp::create(b, loc, piece));
  Value padding = ub::PoisonOp::create(b, loc, elem);
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, ValueRange{share},
      [&](OpBuilder &b, Location loc, ValueRange ivs, ValueRange args) {
        SmallVector<Value> all(shares);
        llvm::append_range(all, ivs.drop_back());
        SmallVector<Value> from = at(b, all);
        from.back() = arith::AddIOp::create(b, loc, from.back(), ivs.back());
        Value row = vector::TransferReadOp::create(
            b, loc, rowType, source, from, padding, ArrayRef<bool>{true});
        SmallVector<Value> to(lead + 1, zero);
        to.append(ivs.begin(), ivs.end());
        return scf::ValueVector{vector::TransferWriteOp::create(
                                    b, loc, row, args[0], to,
                                    ArrayRef<bool>{true})
                                    .getResult()};
      });
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, nest.results[0],
                                        forall.getRegionIterArgs()[0], offsets,
                                        sizes, strides);
  return forall.getResult(0);
}

/// A convolution as a batched matrix product, in the layout whose product
/// has the better register block: channels first multiplies [F, C KH KW] x
/// [C KH KW, OH OW] per image (vectors along the output pixels) from an
/// im2col copy, channels last [OH OW, KH KW C] x [KH KW C, F] (vectors
/// along the filters; the input and the result are transposed to and from
/// NHWC). With 100 output pixels and 16 filters the first gets 5-lane
/// vectors, the second two whole registers. Channels last without a width
/// dilation reads its left operand from the NHWC input itself (a kernel
/// row's KW C elements are contiguous there; rowProductTiles, directStep);
/// the other im2col copies iterate over the kernel offsets and output
/// pixels as separate dimensions (input index oh * stride + kh * dilation: no
/// division, contiguous rows).
/// The accumulator `init` of a convolution transposed by `perm` for a
/// channels-last product: a fill of a scalar (the zero a forward
/// convolution starts from) is a fill of the transposed shape, which the
/// product's register blocks then take in, rather than a transpose of
/// zeros.
Value transposedInit(OpBuilder &b, Location loc, Value init,
                     ArrayRef<int64_t> perm) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  if (!fill || !fill.hasPureTensorSemantics())
    return lowering::transpose(b, loc, init, perm);
  auto type = cast<RankedTensorType>(init.getType());
  Value empty = lowering::emptyTensor(
      b, loc, type.clone(applyPermutation(type.getShape(), perm)));
  return linalg::FillOp::create(b, loc, fill.getInputs()[0], empty)
      .getResult(0);
}

Value im2colProduct(OpBuilder &b, linalg::Conv2DNchwFchwOp conv,
                    int64_t width) {
  Location loc = conv.getLoc();
  MLIRContext *ctx = b.getContext();
  Value x = conv.getInputs()[0], w = conv.getInputs()[1],
        init = conv.getOutputs()[0];
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  auto oType = cast<RankedTensorType>(init.getType());
  Type elem = xType.getElementType();
  int64_t n = xType.getDimSize(0), c = xType.getDimSize(1);
  int64_t f = wType.getDimSize(0), kh = wType.getDimSize(2),
          kw = wType.getDimSize(3);
  int64_t oh = oType.getDimSize(2), ow = oType.getDimSize(3);
  int64_t pixels = oh * ow, depth = c * kh * kw;
  auto strides = llvm::to_vector(conv.getStrides().getValues<int64_t>());
  auto dilations = llvm::to_vector(conv.getDilations().getValues<int64_t>());
  auto reshape = [&](Value v, ArrayRef<int64_t> shape) {
    return lowering::reshape(b, loc, v, RankedTensorType::get(shape, elem));
  };
  bool last = registerBlock(pixels, f, width).score >=
              1.25 * registerBlock(f, pixels, width).score;
  Value source = last ? lowering::transpose(b, loc, x, {0, 2, 3, 1}) : x;
  SmallVector<int64_t> colsShape =
      last ? SmallVector<int64_t>{n, oh, ow, kh, kw, c}
           : SmallVector<int64_t>{n, c, kh, kw, oh, ow};
  auto affine = [&](OpBuilder &b, Value v, int64_t scale, Value w,
                    int64_t wScale) {
    AffineExpr e = getAffineDimExpr(0, ctx) * scale +
                   getAffineDimExpr(1, ctx) * wScale;
    return affine::AffineApplyOp::create(b, loc, AffineMap::get(2, 0, e),
                                         ValueRange{v, w})
        .getResult();
  };
  Value cols6;
  if (!last && strides[1] == 1 && dilations[1] == 1) {
    // Rows of output pixels: cols[n, c, i, j, p, :] = x[n, c, p*s + i*d, j:].
    cols6 = copyRows(b, loc, source, colsShape,
                     [&](OpBuilder &b, ValueRange iv) -> SmallVector<Value> {
                       return {iv[0], iv[1],
                               affine(b, iv[4], strides[0], iv[2], dilations[0]),
                               iv[3]};
                     });
  } else if (last && dilations[1] == 1) {
    // No copy: a kernel row's columns and channels are contiguous in NHWC,
    // so the product reads its left operand from the input itself,
    // A[(n, p, q), (i, r)] = x[n, p*s + i*d, q*s*C + r] for r < KW C.
    int64_t row = kw * c;
    Value flat = lowering::reshape(
        b, loc, source,
        RankedTensorType::get({n, xType.getDimSize(2), xType.getDimSize(3) * c},
                              elem));
    Value filters = reshape(lowering::transpose(b, loc, w, {2, 3, 1, 0}),
                            {kh, row, f});
    Value acc = transposedInit(b, loc, init, {0, 2, 3, 1});
    AffineExpr d[6];
    for (unsigned i = 0; i < 6; ++i)
      d[i] = getAffineDimExpr(i, ctx);
    // Loops (n, p, q, f, i, r).
    using utils::IteratorType;
    Value product =
        linalg::GenericOp::create(
            b, loc, TypeRange{acc.getType()}, ValueRange{flat, filters},
            ValueRange{acc},
            ArrayRef<AffineMap>{
                AffineMap::get(6, 0,
                               {d[0], d[1] * strides[0] + d[4] * dilations[0],
                                d[2] * (strides[1] * c) + d[5]},
                               ctx),
                AffineMap::get(6, 0, {d[4], d[5], d[3]}, ctx),
                AffineMap::get(6, 0, {d[0], d[1], d[2], d[3]}, ctx)},
            ArrayRef<IteratorType>{
                IteratorType::parallel, IteratorType::parallel,
                IteratorType::parallel, IteratorType::parallel,
                IteratorType::reduction, IteratorType::reduction},
            multiplyAdd)
            .getResult(0);
    return lowering::transpose(b, loc, product, {0, 3, 1, 2});
  } else {
    // Iteration (n, c, kh, kw, oh, ow), or (n, oh, ow, kh, kw, c) last.
    AffineExpr d[6];
    for (unsigned i = 0; i < 6; ++i)
      d[i] = getAffineDimExpr(i, ctx);
    auto at = [&](AffineExpr o, AffineExpr k, int axis) {
      return o * strides[axis] + k * dilations[axis];
    };
    AffineMap read =
        last ? AffineMap::get(6, 0, {d[0], at(d[1], d[3], 0), at(d[2], d[4], 1), d[5]}, ctx)
             : AffineMap::get(6, 0, {d[0], d[1], at(d[4], d[2], 0), at(d[5], d[3], 1)}, ctx);
    cols6 =
        linalg::GenericOp::create(
            b, loc, TypeRange{RankedTensorType::get(colsShape, elem)},
            ValueRange{source},
            ValueRange{tensor::EmptyOp::create(b, loc, colsShape, elem)},
            ArrayRef<AffineMap>{read, AffineMap::getMultiDimIdentityMap(6, ctx)},
            SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
            [](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(b, l, args[0]);
            })
            .getResult(0);
  }
  AffineExpr d[4];
  for (unsigned i = 0; i < 4; ++i)
    d[i] = getAffineDimExpr(i, ctx);
  AffineExpr bi = d[0], m = d[1], j = d[2], k = d[3];
  SmallVector<utils::IteratorType> iterators = {
      utils::IteratorType::parallel, utils::IteratorType::parallel,
      utils::IteratorType::parallel, utils::IteratorType::reduction};
  if (!last) {
    Value cols = reshape(cols6, {n, depth, pixels});
    Value filters = reshape(w, {f, depth});
    Value acc = reshape(init, {n, f, pixels});
    Value product =
        linalg::GenericOp::create(
            b, loc, TypeRange{acc.getType()}, ValueRange{filters, cols},
            ValueRange{acc},
            ArrayRef<AffineMap>{AffineMap::get(4, 0, {m, k}, ctx),
                                AffineMap::get(4, 0, {bi, k, j}, ctx),
                                AffineMap::get(4, 0, {bi, m, j}, ctx)},
            iterators, multiplyAdd)
            .getResult(0);
    return reshape(product, {n, f, oh, ow});
  }
  Value cols = reshape(cols6, {n, pixels, depth});
  Value filters = reshape(lowering::transpose(b, loc, w, {2, 3, 1, 0}), {depth, f});
  Value acc =
      reshape(transposedInit(b, loc, init, {0, 2, 3, 1}), {n, pixels, f});
  Value product =
      linalg::GenericOp::create(
          b, loc, TypeRange{acc.getType()}, ValueRange{cols, filters},
          ValueRange{acc},
          ArrayRef<AffineMap>{AffineMap::get(4, 0, {bi, m, k}, ctx),
                              AffineMap::get(4, 0, {k, j}, ctx),
                              AffineMap::get(4, 0, {bi, m, j}, ctx)},
          iterators, multiplyAdd)
          .getResult(0);
  return lowering::transpose(b, loc, reshape(product, {n, oh, ow, f}),
                             {0, 3, 1, 2});
}

/// A copied im2col element costs about this many FMAs (a load, a store and
/// the cache traffic of a buffer the product reads back).
constexpr int64_t kCopyCostInFmas = 2;

/// The sizes of a stride-1, undilated convolution from a zero fill (what
/// the products over shifted rows need): input [N, C, H, W], filters
/// [F, C, KH, KW], result [N, F, OH, OW]; none for any other.
struct UnitStrideConv {
  int64_t n, c, width, f, kh, kw, oh, ow;
  Type elem;
  linalg::FillOp fill;
};

std::optional<UnitStrideConv> unitStrideConv(linalg::Conv2DNchwFchwOp conv) {
  auto ones = [](DenseIntElementsAttr attr) {
    return llvm::all_of(attr.getValues<int64_t>(),
                        [](int64_t v) { return v == 1; });
  };
  auto fill = conv.getOutputs()[0].getDefiningOp<linalg::FillOp>();
  if (!fill || !ones(conv.getStrides()) || !ones(conv.getDilations()))
    return std::nullopt;
  auto in = cast<RankedTensorType>(conv.getInputs()[0].getType());
  auto filters = cast<RankedTensorType>(conv.getInputs()[1].getType());
  auto out = cast<RankedTensorType>(conv.getOutputs()[0].getType());
  return UnitStrideConv{in.getDimSize(0),      in.getDimSize(1),
                        in.getDimSize(3),      filters.getDimSize(0),
                        filters.getDimSize(2), filters.getDimSize(3),
                        out.getDimSize(2),     out.getDimSize(3),
                        in.getElementType(),   fill};
}

/// A stride-1 convolution as a product over shifted rows of its input, with
/// no im2col copy: the output pixels are computed at the input's width W,
/// p = oh * W + ow, so `out[n, f, p] = sum_{c, i, j} w[f, c, i, j] *
/// x[n, c, p + i * W + j]` reads, per reduction step, a contiguous row of
/// the flat input image itself. The columns ow >= OW are computed and
/// dropped (the result is a strided view of the product), which costs
/// F * (W - OW) / OW FMAs per im2col element saved: used while that is at
/// most kCopyCostInFmas (LeNet's 5 x 5 convolution of one 32 x 32 channel
/// into 6: 0.86; of 6 channels of 14 x 14 into 16: 6.4, left to im2col).
/// The columns are rounded up to whole register blocks and the input gets
/// rows of zeros at the bottom so that every read stays inside it. Only
/// for channels-first products from a zero fill; empty otherwise.
std::optional<Value> shiftedProduct(OpBuilder &b, linalg::Conv2DNchwFchwOp conv,
                                    int64_t width) {
  std::optional<UnitStrideConv> sizes = unitStrideConv(conv);
  if (!sizes || sizes->f * (sizes->width - sizes->ow) >
                    kCopyCostInFmas * sizes->ow)
    return std::nullopt;
  int64_t n = sizes->n, c = sizes->c, wd = sizes->width, f = sizes->f,
          kh = sizes->kh, kw = sizes->kw, oh = sizes->oh, ow = sizes->ow;
  Type elem = sizes->elem;
  linalg::FillOp fill = sizes->fill;
  Location loc = conv.getLoc();
  MLIRContext *ctx = b.getContext();
  Value x = conv.getInputs()[0], w = conv.getInputs()[1];
  int64_t cols = llvm::alignTo(oh * wd, 2 * width);
  // The last column reads x at (cols - 1) + (kh - 1) * W + (kw - 1).
  int64_t rows = llvm::divideCeil(cols + (kh - 1) * wd + kw - 1, wd);
  auto tallType = RankedTensorType::get({n, c, rows, wd}, elem);
  // An input padded by an insert into a fill (the convolution's padding)
  // is padded once, into the taller tensor.
  Value tall;
  auto insert = x.getDefiningOp<tensor::InsertSliceOp>();
  auto padding = insert ? insert.getDest().getDefiningOp<linalg::FillOp>()
                        : linalg::FillOp();
  if (padding)
    tall = tensor::InsertSliceOp::create(
        b, loc, insert.getSource(),
        linalg::FillOp::create(b, loc, padding.getInputs()[0],
                               ValueRange{lowering::emptyTensor(b, loc, tallType)})
            .getResult(0),
        insert.getMixedOffsets(), insert.getMixedSizes(),
        insert.getMixedStrides());
  else
    tall = lowering::insertAt(b, loc, x,
                              lowering::filledTensor(b, loc, tallType, 0),
                              {0, 0, 0, 0});
  Value flat = lowering::reshape(
      b, loc, tall, RankedTensorType::get({n, c, rows * wd}, elem));
  auto productType = RankedTensorType::get({n, f, cols}, elem);
  Value zeros =
      linalg::FillOp::create(b, loc, fill.getInputs()[0],
                             ValueRange{lowering::emptyTensor(b, loc, productType)})
          .getResult(0);
  AffineExpr bi, m, p, ch, i, j;
  bindDims(ctx, bi, m, p, ch, i, j);
  using utils::IteratorType;
  Value product =
      linalg::GenericOp::create(
          b, loc, TypeRange{productType}, ValueRange{w, flat}, ValueRange{zeros},
          ArrayRef<AffineMap>{AffineMap::get(6, 0, {m, ch, i, j}, ctx),
                              AffineMap::get(6, 0, {bi, ch, p + i * wd + j}, ctx),
                              AffineMap::get(6, 0, {bi, m, p}, ctx)},
          ArrayRef<IteratorType>{IteratorType::parallel, IteratorType::parallel,
                                 IteratorType::parallel, IteratorType::reduction,
                                 IteratorType::reduction, IteratorType::reduction},
          multiplyAdd)
          .getResult(0);
  if (cols != oh * wd)
    product = lowering::extractAt(b, loc, product, {0, 0, 0}, {n, f, oh * wd},
                                  {1, 1, 1});
  Value image = lowering::reshape(
      b, loc, product, RankedTensorType::get({n, f, oh, wd}, elem));
  return lowering::extractAt(b, loc, image, {0, 0, 0, 0}, {n, f, oh, ow},
                             {1, 1, 1, 1});
}

/// The loop dimensions d0 ... d(loops - 1) of a generic with `loops`
/// loops, two inputs and one init on tensors, its last `reductions` loops
/// reductions and the others parallel; empty for any other op.
SmallVector<AffineExpr> productDims(linalg::LinalgOp op, unsigned loops,
                                    unsigned reductions) {
  if (!isa<linalg::GenericOp>(op.getOperation()) ||
      !op.hasPureTensorSemantics() || op.getNumLoops() != loops ||
      op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return {};
  for (auto [i, iterator] : llvm::enumerate(op.getIteratorTypesArray()))
    if ((iterator == utils::IteratorType::reduction) != (i + reductions >= loops))
      return {};
  SmallVector<AffineExpr> dims;
  for (unsigned k = 0; k < loops; ++k)
    dims.push_back(getAffineDimExpr(k, op.getContext()));
  return dims;
}

/// The factor s of `e` when it is `dim * s` (1 for `dim` itself).
std::optional<int64_t> scaleOf(AffineExpr e, AffineExpr dim) {
  if (e == dim)
    return 1;
  auto scaled = dyn_cast<AffineBinaryOpExpr>(e);
  if (!scaled || scaled.getKind() != AffineExprKind::Mul ||
      scaled.getLHS() != dim)
    return std::nullopt;
  auto factor = dyn_cast<AffineConstantExpr>(scaled.getRHS());
  return factor ? std::optional<int64_t>(factor.getValue()) : std::nullopt;
}

/// Whether `op` is a product over shifted rows (shiftedProduct): loops
/// (n, f, p, c, i, j), the filters read at (f, c, i, j), the input at
/// (n, c, p + i * W + j), the result at (n, f, p), static sizes.
bool isShiftedProduct(linalg::LinalgOp op) {
  SmallVector<AffineExpr> d = productDims(op, 6, 3);
  if (d.empty())
    return false;
  MLIRContext *ctx = op.getContext();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[0] != AffineMap::get(6, 0, {d[1], d[3], d[4], d[5]}, ctx) ||
      maps[2] != AffineMap::get(6, 0, {d[0], d[1], d[2]}, ctx) ||
      maps[1].getNumResults() != 3 || maps[1].getResult(0) != d[0] ||
      maps[1].getResult(1) != d[3])
    return false;
  // The row read, p + i * W + j, less p and j: i * W.
  return scaleOf(simplifyAffineExpr(maps[1].getResult(2) - d[2] - d[5], 6, 0),
                 d[4]) &&
         llvm::none_of(op.getStaticLoopRanges(), ShapedType::isDynamic);
}

/// The loop of a convolution product that threads share: the first of
/// `dims` (its images, then its output rows or blocks) with two register
/// tiles or more; tile sizes of an scf.forall over it (0 elsewhere).
std::optional<SmallVector<int64_t>> firstSharedLoop(linalg::LinalgOp op,
                                                    const Tiling &registers,
                                                    ArrayRef<unsigned> dims) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (unsigned dim : dims) {
    if (ranges[dim] / registers.tiles[dim] < 2)
      continue;
    SmallVector<int64_t> tiles(ranges.size(), 0);
    tiles[dim] = registers.tiles[dim];
    return tiles;
  }
  return std::nullopt;
}

/// A stride-1 convolution whose kernel is large next to its output (the
/// weight gradient of a convolution over few channels: the images'
/// gradients correlated with the images, LeNet's first layer a 28 x 28
/// "kernel" giving 5 x 5) as a correlation over shifted rows, vectorized
/// along the summed pixels, with no im2col copy. With the kernel's pixels
/// at the input's width W (q = y W + x, rounded up to whole vectors; the
/// kernel padded with zero columns and rows), each image n sums
/// `part[n, c, f, i, j, l] = sum_t g[f, n, L t + l] * x[c, n, L t + l +
/// i W + j]` into a vector of lanes l, one product of whole vectors per
/// step; the images' parts are then summed over n and l. Used while the
/// padding's extra FMAs, F (Q - KH KW) for Q padded pixels of a KH x KW
/// kernel, are at most kCopyCostInFmas per kernel pixel (LeNet: 6 x 112
/// against 2 x 784; its second layer's 16 x 44 against 2 x 100 keeps
/// im2col). Only from a zero fill; empty otherwise.
std::optional<Value> shiftedCorrelation(OpBuilder &b,
                                        linalg::Conv2DNchwFchwOp conv,
                                        int64_t width) {
  std::optional<UnitStrideConv> sizes = unitStrideConv(conv);
  if (!sizes)
    return std::nullopt;
  // Here x is [C, N, H, W] (channels, then images) and g [F, N, KH, KW].
  int64_t c = sizes->n, n = sizes->c, wd = sizes->width, f = sizes->f,
          kh = sizes->kh, kw = sizes->kw, oh = sizes->oh, ow = sizes->ow;
  Type elem = sizes->elem;
  linalg::FillOp fill = sizes->fill;
  int64_t pixels = llvm::alignTo(kh * wd, width);
  if (f * (pixels - kh * kw) > kCopyCostInFmas * kh * kw)
    return std::nullopt;
  Location loc = conv.getLoc();
  MLIRContext *ctx = b.getContext();
  Value x = conv.getInputs()[0], g = conv.getInputs()[1];
  auto oType = cast<RankedTensorType>(conv.getOutputs()[0].getType());
  // g[f, n, y, x] at q = y W + x, zeros elsewhere; x with rows enough for
  // the last pixel's reads, pixels - 1 + (OH - 1) W + OW - 1.
  int64_t gRows = llvm::divideCeil(pixels, wd);
  int64_t xRows = llvm::divideCeil(pixels + (oh - 1) * wd + ow - 1, wd);
  auto flatten = [&](Value v, int64_t rows, int64_t d0, int64_t d1) {
    auto type = RankedTensorType::get({d0, d1, rows, wd}, elem);
    Value tall =
        lowering::insertAt(b, loc, v, lowering::filledTensor(b, loc, type, 0),
                           {0, 0, 0, 0});
    return lowering::reshape(b, loc, tall,
                             RankedTensorType::get({d0, d1, rows * wd}, elem));
  };
  // g as [F, N, T, L]: vectors of L lanes, T of them per image.
  Value gFlat = flatten(g, gRows, f, n);
  if (gRows * wd != pixels)
    gFlat = lowering::extractAt(b, loc, gFlat, {0, 0, 0}, {f, n, pixels},
                                {1, 1, 1});
  gFlat = lowering::reshape(
      b, loc, gFlat, RankedTensorType::get({f, n, pixels / width, width}, elem));
  Value xFlat = flatten(x, xRows, c, n);
  // part[n, c, f, i, j, l], loops (n, c, f, i, j, l, t).
  auto partType = RankedTensorType::get({n, c, f, oh, ow, width}, elem);
  Value zeros =
      linalg::FillOp::create(b, loc, fill.getInputs()[0],
                             ValueRange{lowering::emptyTensor(b, loc, partType)})
          .getResult(0);
  AffineExpr d[7];
  for (unsigned k = 0; k < 7; ++k)
    d[k] = getAffineDimExpr(k, ctx);
  AffineExpr q = d[6] * width + d[5];
  using utils::IteratorType;
  SmallVector<IteratorType> iterators(6, IteratorType::parallel);
  iterators.push_back(IteratorType::reduction);
  Value parts =
      linalg::GenericOp::create(
          b, loc, TypeRange{partType}, ValueRange{gFlat, xFlat},
          ValueRange{zeros},
          ArrayRef<AffineMap>{
              AffineMap::get(7, 0, {d[2], d[0], d[6], d[5]}, ctx),
              AffineMap::get(7, 0, {d[1], d[0], q + d[3] * wd + d[4]}, ctx),
              AffineMap::get(7, 0, {d[0], d[1], d[2], d[3], d[4], d[5]}, ctx)},
          iterators, multiplyAdd)
          .getResult(0);
  // The sum over the images and the lanes, into the convolution's result.
  SmallVector<IteratorType> sumIterators = {
      IteratorType::reduction, IteratorType::parallel, IteratorType::parallel,
      IteratorType::parallel, IteratorType::parallel, IteratorType::reduction};
  return linalg::GenericOp::create(
             b, loc, TypeRange{oType}, ValueRange{parts},
             ValueRange{conv.getOutputs()[0]},
             ArrayRef<AffineMap>{
                 AffineMap::getMultiDimIdentityMap(6, ctx),
                 AffineMap::get(6, 0, {d[1], d[2], d[3], d[4]}, ctx)},
             sumIterators,
             [](OpBuilder &b, Location l, ValueRange args) {
               linalg::YieldOp::create(
                   b, l,
                   ValueRange{arith::AddFOp::create(b, l, args[1], args[0])});
             })
      .getResult(0);
}

/// Whether `op` is the per-image correlation of shiftedCorrelation: loops
/// (n, c, f, i, j, l, t), parallel but t, g read at (f, n, t, l) (its
/// pixels cut into vectors of L lanes), x at (c, n, L t + l + i W + j),
/// parts written at (n, c, f, i, j, l).
bool isShiftedCorrelation(linalg::LinalgOp op) {
  SmallVector<AffineExpr> d = productDims(op, 7, 1);
  if (d.empty())
    return false;
  MLIRContext *ctx = op.getContext();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto g = cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  if (maps[0] != AffineMap::get(7, 0, {d[2], d[0], d[6], d[5]}, ctx) ||
      maps[2] != AffineMap::get(7, 0, {d[0], d[1], d[2], d[3], d[4], d[5]}, ctx) ||
      maps[1].getNumResults() != 3 || maps[1].getResult(0) != d[1] ||
      maps[1].getResult(1) != d[0] || g.isDynamicDim(3))
    return false;
  // The input read, L t + l + i W + j, less L t + l and j: i * W.
  AffineExpr q = d[6] * g.getDimSize(3) + d[5];
  return scaleOf(simplifyAffineExpr(maps[1].getResult(2) - q - d[4], 7, 0),
                 d[3]) &&
         llvm::none_of(op.getStaticLoopRanges(), ShapedType::isDynamic);
}

/// Register blocks of a shifted correlation: MR filters by NJ kernel
/// columns of one vector of lanes each (MR + NJ loads per MR NJ FMAs;
/// blockScore's model with a row of NJ one-vector columns), one image,
/// channel and kernel row; threads share the images.
std::optional<Tiling> correlationTiles(linalg::LinalgOp op) {
  if (!isShiftedCorrelation(op))
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  // Score (useful FMAs per FMA slot), then block size, then filters.
  std::tuple<double, int64_t, int64_t> best = {0.0, 1, 1};
  for (int64_t mr = 1; mr <= ranges[2]; ++mr)
    for (int64_t nj = 1; nj <= ranges[4]; ++nj) {
      if (ranges[2] % mr || ranges[4] % nj || mr * nj + mr + 1 > 16)
        continue;
      double score = double(mr * nj) /
                     double(std::max({mr * nj, mr + nj, kFmasInFlight}));
      best = std::max(best, {score, mr * nj, mr});
    }
  int64_t mr = std::get<2>(best), nj = std::get<1>(best) / mr;
  return Tiling{{1, 1, mr, 1, nj, ranges[5], 1}, {}, ProductKind::Correlation};
}

/// One reduction step of a shifted correlation block (loops 1 x 1 x MR x 1
/// x NJ x L x 1) as vector code: the MR x NJ accumulator vectors each get
/// the product of their filter's gradient vector and their kernel
/// column's input vector (x read NJ times, one element apart).
void correlationStep(IRRewriter &rewriter, linalg::LinalgOp step) {
  Location loc = step.getLoc();
  rewriter.setInsertionPoint(step);
  Value g = step.getDpsInputs()[0], x = step.getDpsInputs()[1],
        acc = step.getDpsInits()[0];
  SmallVector<int64_t> ranges = step.getStaticLoopRanges();
  int64_t mr = ranges[2], nj = ranges[4], lanes = ranges[5];
  Type elem = cast<RankedTensorType>(acc.getType()).getElementType();
  auto row = VectorType::get({lanes}, elem);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value padding = ub::PoisonOp::create(rewriter, loc, elem);
  auto read = [&](Value source, ArrayRef<Value> at) {
    return vector::TransferReadOp::create(
               rewriter, loc, row, source, at, padding, ArrayRef<bool>{true})
        .getResult();
  };
  // Each accumulator row is read and written where it lies in the tile
  // (the reduction loop carries it once its transfers are hoisted).
  auto index = [&](int64_t i) {
    return arith::ConstantIndexOp::create(rewriter, loc, i).getResult();
  };
  SmallVector<Value> gRows;
  for (int64_t f = 0; f < mr; ++f)
    gRows.push_back(read(g, {index(f), zero, zero, zero}));
  Value written = acc;
  for (int64_t j = 0; j < nj; ++j) {
    Value xRow = read(x, {zero, zero, index(j)});
    for (int64_t f = 0; f < mr; ++f) {
      SmallVector<Value> at = {zero, zero, index(f), zero, index(j), zero};
      Value sum = vector::FMAOp::create(rewriter, loc, gRows[f], xRow,
                                        read(written, at));
      written = vector::TransferWriteOp::create(rewriter, loc, sum, written,
                                                at, ArrayRef<bool>{true})
                    .getResult();
    }
  }
  rewriter.replaceOp(step, written);
}

/// Whether `op` is a channels-last convolution product that reads its
/// input directly (im2colProduct): loops (n, p, q, f, i, r), the input read
/// at (n, p*s + i*d, q*S + r), the filters at (i, r, f), the result at
/// (n, p, q, f), static sizes.
bool isDirectProduct(linalg::LinalgOp op) {
  SmallVector<AffineExpr> d = productDims(op, 6, 2);
  if (d.empty())
    return false;
  MLIRContext *ctx = op.getContext();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[1] != AffineMap::get(6, 0, {d[4], d[5], d[3]}, ctx) ||
      maps[2] != AffineMap::get(6, 0, {d[0], d[1], d[2], d[3]}, ctx) ||
      maps[0].getNumResults() != 3 || maps[0].getResult(0) != d[0])
    return false;
  AffineExpr row = maps[0].getResult(1), column = maps[0].getResult(2);
  for (unsigned k : {0u, 2u, 3u, 5u})
    if (row.isFunctionOfDim(k))
      return false;
  return scaleOf(simplifyAffineExpr(column - d[5], 6, 0), d[2]) &&
         llvm::none_of(op.getStaticLoopRanges(), ShapedType::isDynamic);
}

/// One reduction step of a direct channels-last product (loops 1 x 1 x MR
/// x NR x 1 x 1) as the step of a plain product, [1, 1, MR, 1] x [1, NR]
/// (the channels-last im2col product's form): the MR input elements, S
/// apart in the step's input row, as a strided slice.
Operation *directStep(IRRewriter &rewriter, linalg::LinalgOp step) {
  Location loc = step.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  rewriter.setInsertionPoint(step);
  Value x = step.getDpsInputs()[0], w = step.getDpsInputs()[1],
        acc = step.getDpsInits()[0];
  SmallVector<int64_t> ranges = step.getStaticLoopRanges();
  int64_t mr = ranges[2], nr = ranges[3];
  int64_t stride = *scaleOf(
      simplifyAffineExpr(step.getIndexingMapsArray()[0].getResult(2) -
                             getAffineDimExpr(5, ctx),
                         6, 0),
      getAffineDimExpr(2, ctx));
  Type elem = cast<RankedTensorType>(acc.getType()).getElementType();
  Value lhs = lowering::reshape(
      rewriter, loc,
      lowering::extractAt(rewriter, loc, x, {0, 0, 0}, {1, 1, mr},
                          {1, 1, stride}),
      RankedTensorType::get({1, 1, mr, 1}, elem));
  Value rhs = lowering::reshape(rewriter, loc, w,
                                RankedTensorType::get({1, nr}, elem));
  AffineExpr b0, b1, m, n, k;
  bindDims(ctx, b0, b1, m, n, k);
  using utils::IteratorType;
  auto product = linalg::GenericOp::create(
      rewriter, loc, TypeRange{acc.getType()}, ValueRange{lhs, rhs},
      ValueRange{acc},
      ArrayRef<AffineMap>{AffineMap::get(5, 0, {b0, b1, m, k}, ctx),
                          AffineMap::get(5, 0, {k, n}, ctx),
                          AffineMap::get(5, 0, {b0, b1, m, n}, ctx)},
      ArrayRef<IteratorType>{IteratorType::parallel, IteratorType::parallel,
                             IteratorType::parallel, IteratorType::parallel,
                             IteratorType::reduction},
      multiplyAdd);
  rewriter.replaceOp(step, product.getResults());
  return product;
}

/// Register-block tiles of a product over shifted rows (MR filters by NR
/// columns, like the channels-first im2col product it replaces) or of a
/// direct channels-last product (MR output columns of one row by NR
/// filters): column blocks outside row blocks.
std::optional<Tiling> rowProductTiles(linalg::LinalgOp op, int64_t width) {
  unsigned m;
  ProductKind kind;
  if (isShiftedProduct(op)) {
    m = 1;
    kind = ProductKind::Shifted;
  } else if (isDirectProduct(op)) {
    m = 2;
    kind = ProductKind::Direct;
  } else {
    return std::nullopt;
  }
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  RegisterBlock block = registerBlock(ranges[m], ranges[m + 1], width);
  SmallVector<int64_t> tiles(6, 1), order = {0, 1, 2, 3, 4, 5};
  tiles[m] = block.mr;
  tiles[m + 1] = block.nr;
  std::swap(order[m], order[m + 1]);
  return Tiling{tiles, order, kind};
}

/// Register-block tiles of a contraction, a product over shifted rows, a
/// direct channels-last product or a shifted correlation.
std::optional<Tiling> productTiles(linalg::LinalgOp op, int64_t width) {
  if (auto tiling = contractionTiles(op, width))
    return tiling;
  if (auto tiling = rowProductTiles(op, width))
    return tiling;
  return correlationTiles(op);
}

/// One reduction step of a product over shifted rows (loops of sizes
/// 1 x MR x NR x 1 x 1 x 1; its input tile is one row of NR elements) as
/// the step of a channels-first product, [MR, 1] x [1, 1, NR], which
/// vectorizes to a vector.contract like any register block.
Operation *shiftedStep(IRRewriter &rewriter, linalg::LinalgOp step) {
  Location loc = step.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  rewriter.setInsertionPoint(step);
  Value w = step.getDpsInputs()[0], x = step.getDpsInputs()[1],
        acc = step.getDpsInits()[0];
  auto wType = cast<RankedTensorType>(w.getType());
  Value lhs = lowering::reshape(
      rewriter, loc, w,
      RankedTensorType::get({wType.getDimSize(0), 1}, wType.getElementType()));
  AffineExpr bi, m, p, k;
  bindDims(ctx, bi, m, p, k);
  using utils::IteratorType;
  auto product = linalg::GenericOp::create(
      rewriter, loc, TypeRange{acc.getType()}, ValueRange{lhs, x},
      ValueRange{acc},
      ArrayRef<AffineMap>{AffineMap::get(4, 0, {m, k}, ctx),
                          AffineMap::get(4, 0, {bi, k, p}, ctx),
                          AffineMap::get(4, 0, {bi, m, p}, ctx)},
      ArrayRef<IteratorType>{IteratorType::parallel, IteratorType::parallel,
                             IteratorType::parallel, IteratorType::reduction},
      multiplyAdd);
  rewriter.replaceOp(step, product.getResults());
  return product;
}

/// A reduction loop that carries a block read from the product's result
/// (a gradient accumulated into its buffer, a product blocked along its
/// reduction) starts from zeros instead, and the block is read and added
/// after the loop: the loop's first FMAs waited for that read (from L3 or
/// memory, for a parameter's gradient), and the block took registers
/// during the loop. C + (a1 b1 + a2 b2 ...) instead of (C + a1 b1) + ...:
/// the same values when C is zero. Only for a carried vector that each
/// step adds one contraction to.
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
    rewriter.moveOpAfter(read, loop);
    rewriter.setInsertionPointAfter(read);
    Value result = loop.getResult(index);
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
    // epilogue, fused, is the destination of the rest's. Otherwise, and in
    // the loops inside, what the epilogue reads moves up.
    if (loop->getBlock() == epilogue->getBlock() &&
        llvm::all_of(loop->getUsers(), [&](Operation *user) {
          return user->getBlock() == epilogue->getBlock() &&
                 !user->isBeforeInBlock(epilogue);
        }))
      rewriter.moveOpBefore(loop, epilogue);
    DominanceInfo dominance(loop->getParentOp());
    SmallVector<Value> operands;
    for (Value operand : epilogue->getOperands())
      if (operand.getDefiningOp() != loop.getOperation())
        operands.push_back(operand);
    if (!moveBefore(rewriter, operands, loop, dominance))
      break;
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
  nest->walk<WalkOrder::PreOrder>([&](LoopLikeOpInterface loop) {
    loops.push_back(loop);
  });
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
void foldWholeSlices(RewriterBase &rewriter, Block &block) {
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

/// A product's first block along its reduction, the blocks between it
/// and the last (null when none), and the last (null when it could not be
/// split off the blocks between).
struct DepthParts {
  linalg::LinalgOp first, middle, last;
};

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

struct DLTileAndVectorize
    : dlc::impl::DLTileAndVectorizeBase<DLTileAndVectorize> {
  using DLTileAndVectorizeBase::DLTileAndVectorizeBase;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
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
      std::optional<Value> shifted = shiftedProduct(rewriter, conv, vectorWidth);
      if (!shifted)
        shifted = shiftedCorrelation(rewriter, conv, vectorWidth);
      rewriter.replaceOp(conv, shifted ? *shifted
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
    splitProducts(rewriter, getOperation(), vectorWidth, epilogues);
    vectorizeReductions(rewriter, getOperation(), vectorWidth);
    SmallVector<std::pair<linalg::LinalgOp, Tiling>> targets;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (auto tiling = productTiles(op, vectorWidth))
        targets.push_back({op, *tiling});
    });
    for (auto &target : targets) {
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
        shared = firstSharedLoop(op, tiling, {0, 2, 4, 1});
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
          blocked ? depthBlock(op, nullptr) : std::nullopt;
      bool depthOutside = depth.has_value();
      auto tileDepth = [&] {
        return !depth ||
               inside(tileFusingFills(rewriter, op, *depth, {},
                                      scf::SCFTilingOptions::LoopType::ForOp,
                                      blockFills, /*fuse=*/false));
      };
      if (depthOutside && !tileDepth())
        continue;
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
          moveLoopInvariantCode(cast<LoopLikeOpInterface>(columns.getOperation()));
      }
    }
    // Fold the slices of the tiles into the vector reads and writes.
    RewritePatternSet patterns(&getContext());
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::TransferReadOp::getCanonicalizationPatterns(patterns, &getContext());
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

/// An n-D vector a loop can carry as its 1-D rows.
VectorType splittable(Type type) {
  auto v = dyn_cast<VectorType>(type);
  return v && v.getRank() >= 2 && v.hasStaticShape() && !v.isScalable()
             ? v
             : VectorType();
}

/// The positions of the rows (all but the last dimension) of `type`, in
/// row-major order.
SmallVector<SmallVector<int64_t>> rowPositions(VectorType type) {
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
Value assembleRows(OpBuilder &b, Location loc, VectorType type, ValueRange rows) {
  Value v = ub::PoisonOp::create(b, loc, type);
  for (auto [row, position] : llvm::zip(rows, rowPositions(type)))
    v = vector::InsertOp::create(b, loc, row, v, position);
  return v;
}

/// Values of `values` with every splittable vector replaced by its rows.
SmallVector<Value> splitRows(OpBuilder &b, Location loc, ValueRange values) {
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
void splitCarriedVectors(IRRewriter &rewriter, scf::ForOp loop) {
  if (llvm::none_of(loop.getInitArgs(),
                    [](Value v) { return splittable(v.getType()); }))
    return;
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  auto split = scf::ForOp::create(
      rewriter, loc, loop.getLowerBound(), loop.getUpperBound(),
      loop.getStep(), splitRows(rewriter, loc, loop.getInitArgs()));
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
SmallVector<Value> rowIndices(OpBuilder &b, Location loc, ValueRange indices,
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
bool rowwise(VectorTransferOpInterface op) {
  return splittable(op.getVectorType()) && !op.getMask() &&
         isa<MemRefType>(op.getShapedType()) &&
         op.getPermutationMap().isMinorIdentity() &&
         llvm::all_of(op.getInBoundsValues(), [](bool b) { return b; });
}

/// n-D reads and writes of buffers become 1-D ones per row, so a block
/// that is rows in registers (splitCarriedVectors) is never assembled.
void splitTransfers(IRRewriter &rewriter, Operation *root) {
  SmallVector<VectorTransferOpInterface> transfers;
  root->walk([&](VectorTransferOpInterface op) {
    if (rowwise(op))
      transfers.push_back(op);
  });
  for (VectorTransferOpInterface op : transfers) {
    Location loc = op.getLoc();
    VectorType type = op.getVectorType();
    auto rowType = VectorType::get(type.getShape().back(), type.getElementType());
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
bool onlyAccumulates(Value v, Value next) {
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
void unrollAccumulators(IRRewriter &rewriter, scf::ForOp loop,
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
  if (loop.getBody()->walk([](LoopLikeOpInterface) {
        return WalkResult::interrupt();
      }).wasInterrupted())
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
  int64_t want = std::min<int64_t>(4, (kFmasInFlight + registers - 1) / registers);
  SmallVector<int64_t> candidates;
  for (int64_t u = want; u <= 4; ++u)
    candidates.push_back(u);
  for (int64_t u = want - 1; u >= 2; --u)
    candidates.push_back(u);
  int64_t copies = 0;
  for (int64_t u : candidates)
    if (trips % u == 0 && trips >= 2 * u &&
        u * registers + widest + 1 <= 16) {
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
        next.push_back(arith::AddFOp::create(rewriter, loc, parts[j], parts[j + 1]));
      if (parts.size() % 2)
        next.push_back(parts.back());
      parts = next;
    }
    sums.push_back(parts.front());
  }
  rewriter.replaceOp(loop, sums);
}

struct DLVectorizeElementwise
    : dlc::impl::DLVectorizeElementwiseBase<DLVectorizeElementwise> {
  using DLVectorizeElementwiseBase::DLVectorizeElementwiseBase;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    vectorizeElementwise(rewriter, getOperation(), vectorWidth);
  }
};

/// The indices of a read of a buffer: a vector.load, a vector.transfer_read
/// or a memref.load.
ValueRange readIndices(Operation *read) {
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
void scalarizeExtractedReads(RewriterBase &rewriter, Operation *root) {
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

/// Steps ahead that a register block's reduction loop prefetches the rows
/// of B it reads, the distance between those rows from which it does, and
/// the bytes one prefetch brings (a cache line).
constexpr int64_t kPrefetchRows = 8, kPrefetchStrideBytes = 1024,
                  kCacheLineBytes = 64;

/// The index of `indices` that changes in `loop` when it is the only one
/// and not the last (a read of a row of a buffer, the row chosen by the
/// loop), else none.
std::optional<unsigned> loopRow(scf::ForOp loop, ValueRange indices) {
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

/// In the reduction loop of a register block (the loops whose body has the
/// FMAs), a vector read of a row of B whose rows lie kPrefetchStrideBytes or
/// more apart (a row-major weight matrix [K, N] with N of 256 floats or
/// more) is preceded by prefetches of the row kPrefetchRows steps ahead (the
/// last row at most), one per cache line of the read; so is the first
/// scalar load of each such row (the elements of A a block broadcasts, read
/// down the columns of a row-major X in a weight gradient X^T dY). The
/// hardware's prefetchers follow such a stride poorly (a new 4 KB page every
/// other row): in C, an 8 x 32 block over the MLP's [784, 512] weights ran
/// 4-7 % faster with them, within 1-4 % of reading B packed in panels.
void prefetchStridedRows(RewriterBase &rewriter, Operation *root) {
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
  // (The scalar loads of a row, the elements of A a block broadcasts: one
  // prefetch for the first.)
  llvm::DenseSet<std::pair<Value, Value>> scalarRows;
  for (auto [op, loop] : reads) {
    Value source = op->getOperand(0);
    ValueRange indices = readIndices(op);
    auto type = dyn_cast<MemRefType>(source.getType());
    auto vector = dyn_cast<VectorType>(op->getResult(0).getType());
    int64_t lanes = vector ? vector.getNumElements() : 1;
    std::optional<unsigned> row = loopRow(loop, indices);
    if (!type || !type.hasStaticShape() || (vector && vector.getRank() != 1) ||
        !row || (!vector && !scalarRows.insert({source, indices[*row]}).second))
      continue;
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
                                        index(kPrefetchRows));
    SmallVector<Value> at(indices);
    at[*row] = arith::MinUIOp::create(rewriter, loc, ahead,
                                      index(type.getDimSize(*row) - 1));
    int64_t lineElements = kCacheLineBytes / bytes;
    Value first = at.back();
    for (int64_t e = 0; e < lanes; e += lineElements) {
      if (e)
        at.back() = arith::AddIOp::create(rewriter, loc, first, index(e));
      memref::PrefetchOp::create(rewriter, loc, source, at, /*isWrite=*/false,
                                 /*localityHint=*/3, /*isDataCache=*/true);
    }
  }
}

struct DLLowerVectors : dlc::impl::DLLowerVectorsBase<DLLowerVectors> {
  using DLLowerVectorsBase::DLLowerVectorsBase;

  void runOnOperation() override {
    // The accumulator block stays in registers across the reduction loop.
    getOperation().walk([](func::FuncOp fn) {
      linalg::hoistRedundantVectorTransfers(fn);
    });
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<UnitReductionContract>(ctx, /*benefit=*/2);
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
    IRRewriter rewriter(ctx);
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
    prefetchStridedRows(rewriter, getOperation());
  }
};

} // namespace
