//===- Vectorize.h - the parts of the CPU vectorizing passes --------------===//
//
// dl-tile-and-vectorize (TileAndVectorize.cpp) drives the pieces declared
// here, one file per concept: register and cache tiling of products
// (ProductTiling.cpp), their epilogues and splits (Epilogues.cpp), totals
// and column sums (VectorizeReductions.cpp), row-streamed products
// (RowStreams.cpp), transposes (Transposes.cpp) and convolutions as
// products (Convolutions.cpp). dl-vectorize-elementwise and
// dl-lower-vectors have files of their own. Internal to compiler/Transforms.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TRANSFORMS_VECTORIZE_H
#define DLC_TRANSFORMS_VECTORIZE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"

#include "llvm/ADT/DenseMap.h"

#include <optional>

namespace dlc::vectorize {

using mlir::ArrayRef;
using mlir::SmallVector;
using mlir::SmallVectorImpl;

//===- ProductTiling.cpp --------------------------------------------------===//

/// FMAs in flight that keep two FMA units busy (about 5 cycles of
/// latency each): a register block needs at least this many accumulators.
constexpr int64_t kFmasInFlight = 10;

/// An MR x NR register block and its score (registerBlock).
struct RegisterBlock {
  int64_t mr, nr;
  double score; // useful FMA lanes per half cycle
};

/// The kinds of register-tiled products: how threads share one and how
/// one reduction step becomes vector code.
enum class ProductKind { Contraction, Shifted, Direct, Correlation };

/// A product's register-block tile sizes and loop order.
struct Tiling {
  SmallVector<int64_t> tiles, interchange;
  ProductKind kind = ProductKind::Contraction;
};

/// Vector instructions for `lanes` f32 lanes at `width` lanes per
/// register, or 0 when such vectors are slow.
int64_t vectorOps(int64_t lanes, int64_t width);

/// The register block of an M x N product that does the most useful work
/// per cycle; `wideB`: B's rows lie far apart (isWideB).
RegisterBlock registerBlock(int64_t M, int64_t N, int64_t width,
                            bool wideB = false);

/// The rows of an M x N product that its main register blocks cover;
/// `chunksReadB`: chunks of its rows would each read all of B.
int64_t mainRows(int64_t M, int64_t N, int64_t K, int64_t width, bool wideB,
                 bool chunksReadB);

/// The columns of an M x N product that its main register blocks cover.
int64_t mainColumns(int64_t M, int64_t N, int64_t width, bool wideB);

/// Whether chunks of a contraction's rows that threads share would each
/// read all of B: no batch, and A not read transposed (whose row blocks
/// each read all of B).
bool chunksReadB(mlir::linalg::LinalgOp op,
                 const mlir::linalg::ContractionDimensions &dims);

/// Whether a contraction's B is wide: rows 512 bytes or more apart, more
/// than 32 KB in all.
bool isWideB(mlir::linalg::LinalgOp op,
             const mlir::linalg::ContractionDimensions &dims);

/// The dimensions of a plain matrix product, [M, K] x [K, N]: one m, n
/// and k loop each and no batch; none for other ops.
std::optional<mlir::linalg::ContractionDimensions>
plainProduct(mlir::linalg::LinalgOp op);

/// Register-block tile sizes of a contraction with static loops.
std::optional<Tiling> contractionTiles(mlir::linalg::LinalgOp op,
                                       int64_t width);

/// The largest divisor of `n` up to `limit`.
int64_t divisorUpTo(int64_t n, int64_t limit);

/// `op` tiled by `tiles` (0: not tiled) in loops of `type` and replaced by
/// them; the tiled op inside, or null when tiling fails.
mlir::Operation *tileOp(mlir::IRRewriter &rewriter, mlir::Operation *op,
                        ArrayRef<int64_t> tiles,
                        mlir::scf::SCFTilingOptions::LoopType type =
                            mlir::scf::SCFTilingOptions::LoopType::ForOp);

/// `op` vectorized in place; left as it is when it cannot be.
void vectorizeInPlace(mlir::IRRewriter &rewriter, mlir::Operation *op);

/// `op` tiled by `tiles` with the zero fill of its accumulator fused into
/// each tile (unless `fuse` is false); the fused fills go to `fills`.
mlir::FailureOr<mlir::linalg::LinalgOp>
tileFusingFills(mlir::IRRewriter &rewriter, mlir::linalg::LinalgOp op,
                ArrayRef<int64_t> tiles, ArrayRef<int64_t> interchange,
                mlir::scf::SCFTilingOptions::LoopType type,
                SmallVectorImpl<mlir::Operation *> &fills, bool fuse = true,
                SmallVectorImpl<mlir::LoopLikeOpInterface> *loops = nullptr);

/// The reduction block of a deep product as tile sizes (0 but for K), or
/// none; `registers` null asks only whether A is too deep for row chunks.
std::optional<SmallVector<int64_t>> depthBlock(mlir::linalg::LinalgOp op,
                                               const Tiling *registers);

/// The rows of a reduction's K blocks where all of its B, `rows` rows of
/// `rowBytes` each, does not stay in L2 (1 MB or more): the largest
/// divisor of `rows`, half of it at most, whose rows fit 256 KB (kSlab); 0
/// when B stays in L2 or not even one row fits.
int64_t slabRows(int64_t rows, int64_t rowBytes);

/// Tile sizes of the scf.forall that threads share for a contraction, or
/// none.
std::optional<SmallVector<int64_t>> sharedTiles(mlir::linalg::LinalgOp op,
                                                const Tiling &registers);

//===- VectorizeReductions.cpp --------------------------------------------===//

/// Whether `op` is a product of a few rows by a matrix read as rows of its
/// transpose with long rows, which vectorizeReductions sums as dot products.
bool isDotProducts(mlir::linalg::LinalgOp op, int64_t width);

/// Sums of tensors under `root` over some of their dimensions (totals,
/// bias gradients) as vector code; large ones in chunks that threads
/// share.
void vectorizeReductions(mlir::IRRewriter &rewriter, mlir::Operation *root,
                         int64_t width);

//===- VectorizeElementwise.cpp -------------------------------------------===//

/// `op` with each operand indexed at 0 in some of its dimensions read
/// through a view without those dimensions (a tensor op: its inputs
/// only); false, `op` unchanged, when one is not a plain unit dimension.
bool dropZeroIndices(mlir::RewriterBase &rewriter, mlir::linalg::GenericOp op);

//===- Epilogues.cpp ------------------------------------------------------===//

/// Marks a part of a row-streamed product (splitStreams): streamed whatever
/// its size, with no shared loop of its own.
constexpr llvm::StringLiteral kStreamPart = "dl.stream_part";

/// Products (the parts a split leaves of them, then) and the elementwise
/// op their blocks apply before writing (epilogueOf).
using Epilogues = llvm::DenseMap<mlir::Operation *, mlir::linalg::GenericOp>;

/// Whether dl-approximate-math expands `op` into a polynomial.
bool isApproximated(mlir::Operation *op);

/// The elementwise op `op`'s register blocks can apply to their results
/// before writing them (a bias, an activation, a mask), the definitions of
/// its other operands moved before `op`; null when there is none.
mlir::linalg::GenericOp epilogueOf(mlir::RewriterBase &rewriter,
                                   mlir::linalg::LinalgOp op,
                                   mlir::DominanceInfo &dominance);

/// Whether `op` reads a buffer that one of its results is stored into.
bool readsItsDestination(mlir::linalg::GenericOp op);

/// An optimizer update whose result is stored back into the buffer it
/// reads (w - lr g into w), rewritten to read and write that buffer
/// through its init; the op reading its inits (`op` when none qualifies).
mlir::linalg::GenericOp updateInPlace(mlir::RewriterBase &rewriter,
                                      mlir::linalg::GenericOp op);

/// Contractions under `root` whose rows (mainRows), then columns
/// (mainColumns), two register blocks cover better, split in two along
/// that dimension; `epilogues` follows the parts. Each part split along
/// its rows alone (neither split again) goes into `restOf` under the rest.
void splitProducts(
    mlir::IRRewriter &rewriter, mlir::Operation *root, int64_t width,
    Epilogues &epilogues,
    llvm::DenseMap<mlir::Operation *, mlir::Operation *> &restOf);

/// The reduction-block loops of a deep product's two row parts
/// (depthBlock: the blocks are the outer loop), `main`'s and then
/// `rest`'s, as one loop: in each block, the rest's share reads the block
/// of B the main part's left in L2, instead of all of B from memory in a
/// pass of its own. False when they are not such sibling loops or the
/// rest reads the main part's result.
bool fuseDepthLoops(mlir::RewriterBase &rewriter, mlir::scf::ForOp main,
                    mlir::scf::ForOp rest);

/// A block read from a product's result (a gradient accumulated into its
/// buffer) added after `loop`, its reduction loop, instead of carried
/// through it from the start.
void addBlockAfterLoop(mlir::RewriterBase &rewriter, mlir::scf::ForOp loop);

/// `epilogue`, which reads the result of the outermost loop of `nest`,
/// fused into each loop in turn; its tile in the innermost it joined, or
/// null when it could not join the outermost.
mlir::Operation *fuseEpilogue(mlir::RewriterBase &rewriter,
                              mlir::Operation *epilogue,
                              ArrayRef<mlir::LoopLikeOpInterface> nest);

/// The results nothing uses of tiled loops (`nest` and the loops inside
/// it) no longer written.
void dropUnusedResults(mlir::RewriterBase &rewriter,
                       mlir::LoopLikeOpInterface nest);

/// A product's first block along its reduction, the blocks between it
/// and the last (null when none), and the last (null when it could not be
/// split off the blocks between).
struct DepthParts {
  mlir::linalg::LinalgOp first, middle, last;
};

/// `op` split along its reduction into its first and last blocks of
/// depthBlock's `tiles` and the blocks between; none when `op` has no
/// more than one block.
std::optional<DepthParts> splitDepth(mlir::RewriterBase &rewriter,
                                     mlir::linalg::LinalgOp op,
                                     ArrayRef<int64_t> tiles);

//===- RowStreams.cpp -----------------------------------------------------===//

/// The loops of a row vector times a matrix that reads B row by row
/// (rowStream).
struct RowStream {
  std::optional<SmallVector<int64_t>> shared; // the scf.forall's tiles
  SmallVector<int64_t> blocks, interchange, steps;
};

/// The loops of a row vector times a matrix B that does not stay in L2,
/// [1, K] x [K, N], read along B's rows; none for other products.
std::optional<RowStream> rowStream(mlir::linalg::LinalgOp op, int64_t width);

/// Row-streamed products under `root` split along K into parts that
/// threads share, each into its own row of partial sums.
void splitStreams(mlir::IRRewriter &rewriter, mlir::Operation *root,
                  int64_t width);

//===- Transposes.cpp -----------------------------------------------------===//

/// The body of a multiply-accumulate contraction: out + lhs * rhs.
void multiplyAdd(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange args);

/// Contractions (a batch loop or none) that read an operand transposed
/// become matmul or batch_matmul ops of explicit transposes.
void transposesOutOfProducts(mlir::IRRewriter &rewriter, mlir::Operation *root,
                             int64_t width);

/// Matrix products whose left operand is a transposed matrix read that
/// matrix as it is (no transposed copy).
void foldTransposedLhs(mlir::IRRewriter &rewriter, mlir::Operation *root);

/// Transposes that move the innermost dimension tiled into square blocks
/// of up to 16 x 16 elements, an scf.forall that threads share.
void tileTransposes(mlir::IRRewriter &rewriter, mlir::Operation *root);

/// A pooling of a transpose that moves the last dimension pools the
/// transpose's input instead, then transposes the pooled result.
void poolBeforeTranspose(mlir::IRRewriter &rewriter, mlir::Operation *root);

//===- Convolutions.cpp ---------------------------------------------------===//

/// A convolution as an im2col copy and a batched matrix product.
mlir::Value im2colProduct(mlir::OpBuilder &b,
                          mlir::linalg::Conv2DNchwFchwOp conv, int64_t width);

/// A stride-1 convolution as a product over shifted rows of its input,
/// with no im2col copy; none where it does not apply or costs more.
std::optional<mlir::Value> shiftedProduct(mlir::OpBuilder &b,
                                          mlir::linalg::Conv2DNchwFchwOp conv,
                                          int64_t width);

/// The loop of a convolution product that threads share: the first of
/// `dims` with two register tiles or more, as tile sizes of an scf.forall
/// over it; none when there is none.
std::optional<SmallVector<int64_t>> firstSharedLoop(mlir::linalg::LinalgOp op,
                                                    const Tiling &registers,
                                                    ArrayRef<unsigned> dims);

/// A stride-1 convolution whose kernel is large next to its output (a
/// filter gradient over few channels) as a correlation over shifted rows;
/// none where it does not apply or costs more.
std::optional<mlir::Value>
shiftedCorrelation(mlir::OpBuilder &b, mlir::linalg::Conv2DNchwFchwOp conv,
                   int64_t width);

/// The loops of shiftedCorrelation's product `op` that threads may share,
/// in order of preference (firstSharedLoop's `dims`).
SmallVector<unsigned> correlationShares(mlir::linalg::LinalgOp op);

/// One reduction step of a tiled correlation as vector code.
void correlationStep(mlir::IRRewriter &rewriter, mlir::linalg::LinalgOp step);

/// The reduction block of a direct channels-last product whose filters
/// operand does not stay in L2 (a weight gradient's output gradient), as
/// tile sizes (0 but for the kernel rows), or none.
std::optional<SmallVector<int64_t>> directDepthBlock(mlir::linalg::LinalgOp op);

/// One reduction step of a tiled direct product as vector code.
mlir::Operation *directStep(mlir::IRRewriter &rewriter,
                            mlir::linalg::LinalgOp step);

/// Register-block tiles of a contraction, a product over shifted rows, a
/// direct channels-last product or a shifted correlation.
std::optional<Tiling> productTiles(mlir::linalg::LinalgOp op, int64_t width);

/// One reduction step of a tiled shifted product as vector code.
mlir::Operation *shiftedStep(mlir::IRRewriter &rewriter,
                             mlir::linalg::LinalgOp step);

} // namespace dlc::vectorize

#endif // DLC_TRANSFORMS_VECTORIZE_H
