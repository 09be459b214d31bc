//===- ProductTiling.cpp - register and cache tiling of products ----------===//
//
// The shape of a product's register blocks (a small model of FMA and
// load throughput and FMA latency), which rows or columns they cover, the
// reduction blocks of deep products and the loop that threads share; the
// tiling helpers that apply them.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/VariableLayout.h"
#include "compiler/Transforms/Vectorize.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace dlc::vectorize {

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

/// The vector registers of the target: AVX-512 (16 lanes) has 32, AVX and
/// SSE 16.
static int64_t vectorRegisters(int64_t width) { return width >= 16 ? 32 : 16; }

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
///
/// blockScore: the useful FMA lanes per half cycle of an MR x NR block
/// (0 when it does not fit the registers).
static double blockScore(int64_t mr, int64_t nr, int64_t width, bool wideB) {
  int64_t ops = vectorOps(nr, width);
  if (ops == 0 || mr * ops + ops + 2 > vectorRegisters(width))
    return 0.0;
  double cost = double(std::max({mr * ops, mr + ops, kFmasInFlight}));
  if (wideB)
    cost += double(mr + 2 * ops) / 2;
  double score = double(mr * nr) / cost;
  return std::round(score * 1000) / 1000;
}

/// The best-scoring block (blockScore) whose MR divides M and NR divides N.
RegisterBlock registerBlock(int64_t M, int64_t N, int64_t width, bool wideB) {
  // Score, then (with AVX2) fewer loads per FMA, then block size, then
  // rows (fewer passes over B). Blocks of fewer than kFmasInFlight
  // accumulators tie on their score: 16 filters of a shifted product took
  // 8 x 8 blocks (9 loads per 8 FMAs) where 4 x 16 loads 6; on Zen 4 a
  // 16 -> 16 channel 3 x 3 convolution of 32 x 32 images was 0.86x the
  // time. (The AVX-512 blocks, measured on a Xeon, stay as they were.)
  std::tuple<double, double, int64_t, int64_t> best = {0.0, -1e9, 1, 1};
  for (int64_t nr = std::min(N, 4 * width); nr >= 1; --nr) {
    if (N % nr)
      continue;
    for (int64_t mr = std::min<int64_t>(M, 14); mr >= 1; --mr) {
      if (M % mr)
        continue;
      int64_t ops = std::max<int64_t>(1, vectorOps(nr, width));
      double loads = width < 16 ? double(mr + ops) / double(mr * ops) : 0.0;
      best = std::max(best,
                      {blockScore(mr, nr, width, wideB), -loads, mr * nr, mr});
    }
  }
  int64_t mr = std::get<3>(best);
  return {mr, std::get<2>(best) / mr, std::get<0>(best)};
}

/// Bytes of A a chunk of rows may take (a share of L2).
constexpr int64_t kL2Budget = 192 * 1024;

/// Bytes of B from which it does not stay in L2 beside a chunk of A's rows
/// and their results.
constexpr int64_t kLargeB = 1024 * 1024;

/// Rows of A below which a chunk of rows (sharedTiles) streams too much
/// of B per FMA (each chunk reads all of B: 4 / rows bytes per FMA).
constexpr int64_t kMinChunkRows = 32;

/// The rows of a chunk that threads share when the rows of an [M, K] A in
/// register blocks of `mr` rows outgrow kL2Budget (sharedTiles): a
/// multiple of `mr` dividing M, of kL2Budget bytes at most and half of M
/// at most; of those, the largest that makes an even number of chunks
/// (threads share an odd number unevenly: 3 chunks on two threads take as
/// long as 4), else the largest that makes 8 or more (the runtime's shares
/// then even out the threads' work), else the largest. 0 when none fits.
static int64_t rowChunk(int64_t M, int64_t mr, int64_t K) {
  int64_t chunk = 0, even = 0, many = 0;
  for (int64_t c = mr; c * K * 4 <= kL2Budget && 2 * c <= M; c += mr)
    if (M % c == 0) {
      chunk = c;
      if ((M / c) % 2 == 0)
        even = c;
      if (M / c >= 8)
        many = c;
    }
  return even ? even : many ? many : chunk;
}

/// Fraction of the whole's cost a split must save, and within which of
/// the cheapest split another counts as cheap (mainPart).
constexpr double kSplitMargin = 0.05;

/// The part of `total` rows or columns that the main register blocks of a
/// product cover: all, or a multiple `head` of some `step` whose two parts
/// cost at least kSplitMargin less, the cheapest such split (the cost of a
/// part: its size over `score(size)`, its register block's score). The
/// head is the largest multiple, or, where `fewer` allows it for the rest,
/// up to two steps fewer: a larger rest may take a better block. When the
/// cheapest head is not `preferred`, the cheapest preferred one within
/// kSplitMargin of it is taken instead, if any.
static int64_t mainPart(int64_t total, ArrayRef<int64_t> steps,
                        function_ref<double(int64_t)> score,
                        function_ref<bool(int64_t)> fewer = nullptr,
                        double restCost = 0.0,
                        function_ref<bool(int64_t)> preferred = nullptr) {
  // (cost, head); the whole first, at the cost a split must beat.
  SmallVector<std::pair<double, int64_t>> options = {
      {(1 - kSplitMargin) * double(total) / score(total), total}};
  for (int64_t step : steps) {
    for (int64_t less = 0; less <= 2; ++less) {
      int64_t head = total - total % step - less * step, rest = total - head;
      if (head <= 0 || rest == 0 || (less && !(fewer && fewer(rest))))
        continue;
      options.push_back(
          {double(head) / score(head) + double(rest) / score(rest) + restCost,
           head});
    }
  }
  auto cheaper = [](const auto &a, const auto &b) { return a.first < b.first; };
  auto best = *llvm::min_element(options, cheaper);
  if (!preferred || preferred(best.second))
    return best.second;
  std::optional<std::pair<double, int64_t>> other;
  for (auto option : options)
    if (option.first <= (1 + kSplitMargin) * best.first &&
        preferred(option.second) && (!other || cheaper(option, *other)))
      other = option;
  return other ? other->second : best.second;
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
///
/// Where threads would share a part's rows in chunks that each read all of
/// B (`chunksReadB`, and its rows of A outgrow kL2Budget but not so deep
/// that kMinChunkRows rows outgrow it: sharedTiles, depthBlock) and B does
/// not stay in L2 (kLargeB), each chunk reads all of B from L3 again; a
/// part whose rows allow only chunks of fewer than kMinChunkRows (rowChunk)
/// then gives way to a split within kSplitMargin of its cost whose rows
/// allow more (mainPart's `preferred`). With AVX2's blocks, the MLP's 256
/// x 784 x 512 was 246 rows in 6 x 16 blocks and 10 in 5 x 16, the cheaper
/// split by 0.3 %; but 246 rows are 41 blocks, so its chunks were 6 rows.
/// As 252 and 4 (chunks of 42 rows), the MLP's batch-256 step took 0.976
/// of the time on Zen 4, one thread, and 0.960 on two (X W1 0.93, the
/// three rests 0.44); at batch 128, 120 and 8 rows (chunks of 60) instead
/// of 126 and 2 (chunks of 6), 0.970. Where no such split is near, the
/// cheapest stays (784 rows over K = 1024: 774 in chunks of 18, where 780
/// allows chunks of 30 and 782 rows in 2 x 32 blocks cost far more; such
/// blocks made the MLP's X^T dH1 at batch 1024 take 1.42x the time). A
/// transposed A is left out: its row blocks are the outer loop, and each
/// reads all of B whatever the chunks (contractionTiles).
constexpr double kWideRestCost = 0.1;

int64_t mainRows(int64_t M, int64_t N, int64_t K, int64_t width, bool wideB,
                 bool chunksReadB) {
  SmallVector<int64_t> blockRows;
  for (int64_t mr = 2; mr <= std::min<int64_t>(M - 1, 14); ++mr)
    blockRows.push_back(mr);
  constexpr int64_t kL1ColumnBlock = 16 * 1024, kColumnBlockLanes = 16;
  bool inL1 = K * kColumnBlockLanes * 4 <= kL1ColumnBlock;
  // Whether threads would share the rows in chunks of enough rows.
  auto enoughRows = [&](int64_t rows) {
    int64_t chunk = rowChunk(rows, registerBlock(rows, N, width, wideB).mr, K);
    return !(chunksReadB && K * N * 4 >= kLargeB && rows * K * 4 > kL2Budget &&
             kMinChunkRows * K * 4 <= kL2Budget && chunk > 0 &&
             chunk < kMinChunkRows);
  };
  return mainPart(
      M, blockRows,
      [&](int64_t rows) { return registerBlock(rows, N, width, wideB).score; },
      [&](int64_t rest) {
        return inL1 || rest <= 2 * registerBlock(rest, N, width, wideB).mr;
      },
      wideB ? kWideRestCost : 0.0, enoughRows);
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
static bool rowsOutside(linalg::LinalgOp op,
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
static ShapedType sourceOfB(linalg::LinalgOp op,
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

static bool isWide(ShapedType source) {
  if (!source)
    return false;
  int64_t bytes = dlc::elementBytes(source.getElementType());
  return source.getShape().back() * bytes >= kWideRowBytes &&
         source.getNumElements() * bytes > kWideBBytes;
}

bool isWideB(linalg::LinalgOp op, const linalg::ContractionDimensions &dims) {
  return isWide(sourceOfB(op, dims));
}

/// Whether a contraction reads its A transposed: the input indexed by its
/// last m dimension has it innermost (X^T in a weight gradient X^T dY, read
/// in place: foldTransposedLhs), so that a register block's step reads MR
/// neighbouring elements of a row of X, one row per step.
static bool readsATransposed(linalg::LinalgOp op,
                             const linalg::ContractionDimensions &dims) {
  AffineExpr m = getAffineDimExpr(dims.m.back(), op.getContext());
  return llvm::any_of(op.getDpsInputOperands(), [&](OpOperand *input) {
    AffineMap map = op.getMatchingIndexingMap(input);
    return map.getNumResults() != 0 && map.getResults().back() == m;
  });
}

bool chunksReadB(linalg::LinalgOp op,
                 const linalg::ContractionDimensions &dims) {
  return dims.batch.empty() && !readsATransposed(op, dims);
}

std::optional<linalg::ContractionDimensions> plainProduct(linalg::LinalgOp op) {
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || !dims->batch.empty() || dims->m.size() != 1 ||
      dims->n.size() != 1 || dims->k.size() != 1 || op.getNumLoops() != 3)
    return std::nullopt;
  return *dims;
}

/// Register-block tile sizes of a contraction: MR x NR accumulators over
/// its (innermost) m and n loops, 1 for batch, reduction and other m/n
/// loops. None when the op is not a contraction with static loops.
std::optional<Tiling> contractionTiles(linalg::LinalgOp op, int64_t width) {
  if (!op.hasPureTensorSemantics() || !linalg::isaContractionOpInterface(op) ||
      isDotProducts(op, width))
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
  // (rowsOutside), or B is wide and A read transposed: a wide B's column
  // block does not stay in L1 (its rows fall into a few sets), and a row
  // block of a transposed A takes a line or two of each of K rows of X,
  // which stay in L1 while the column blocks pass by it (the MLP's X^T dH1
  // at batch 256 in chunks of 98 rows: 0.969 of the time, where each
  // column block read the chunk's 57 KB of lines from L2 again).
  SmallVector<int64_t> order =
      llvm::to_vector(llvm::seq<int64_t>(0, ranges.size()));
  std::swap(order[m], order[n]);
  bool rows = rowsOutside(op, *dims) ||
              (block.mr < ranges[m] && readsATransposed(op, *dims) &&
               isWideB(op, *dims));
  if ((m < n) == rows)
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
                  scf::SCFTilingOptions::LoopType type) {
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
                SmallVectorImpl<Operation *> &fills, bool fuse,
                SmallVectorImpl<LoopLikeOpInterface> *loops) {
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

/// Rows of B a deep product's reduction is blocked by (kDepthBlock x NR
/// of B stays in L1, MR x kDepthBlock of A in L2 with every row block).
constexpr int64_t kDepthBlock = 256;

/// Bytes of a column block of B (K x NR) that stay in L1 while the row
/// blocks of A pass by it: half of the smallest L1 of the targets (32 KB
/// on Zen 4; 48 KB on Sapphire Rapids), the rest for A's rows and C.
constexpr int64_t kL1Panel = 16 * 1024;

/// Bytes of the K blocks (kc x N) a wide B of kLargeB or more is read in
/// (streamsLargeB).
constexpr int64_t kSlab = 256 * 1024;

/// The rows of a reduction's K blocks where all of its B does not stay in
/// L2: the largest divisor of `rows`, half of it at most, whose rows fit
/// kSlab (a direct product's weight gradient, directDepthBlock); 0 when B
/// is under kLargeB or one row outgrows kSlab.
int64_t slabRows(int64_t rows, int64_t rowBytes) {
  if (rows * rowBytes < kLargeB || rowBytes > kSlab || rows < 2)
    return 0;
  return divisorUpTo(rows, std::min(rows / 2, kSlab / rowBytes));
}

/// Whether a register-tiled share reads a wide B (isWideB) of kLargeB or
/// more, over more than kSlab bytes of it (`shareElements` of B's elements:
/// K x N of the share). Such a B comes from L3 for every chunk of rows; read
/// in K blocks of all the share's columns (kSlab bytes at most), a chunk
/// takes whole rows of B from each 4 KB page at once, where column blocks
/// over all of K take a 256-byte piece of each row, 2 KB apart, and the
/// next column block comes back to the same pages after the whole column
/// block. (Neither keeps a panel in L1: a 6 x 64 block's 256-byte pieces
/// of rows 2 KB apart fall into 8 of the 64 sets of a 48 KB L1.)
static bool streamsLargeB(linalg::LinalgOp op,
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
  std::optional<linalg::ContractionDimensions> dims = plainProduct(op);
  if (!dims)
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
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
  // cache, threads share chunks of rows that fit it instead (rowChunk).
  // Each chunk then stays in L2 while every column block of B passes by
  // it, where streaming all of A from L3 once per column block would bound
  // the product.
  unsigned m = dims->m.back();
  int64_t depth = 1;
  for (unsigned k : dims->k)
    depth *= ranges[k];
  int64_t mr = registers.tiles[m];
  if (dims->batch.empty() && ranges[m] * depth * 4 > kL2Budget &&
      !depthBlock(op, nullptr)) {
    if (int64_t chunk = rowChunk(ranges[m], mr, depth)) {
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

} // namespace dlc::vectorize
