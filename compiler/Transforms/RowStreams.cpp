//===- RowStreams.cpp - row vectors times large matrices ------------------===//
//
// A row vector times a matrix that does not stay in L2 (batch-1 dense
// layers) reads the matrix row by row, in parts along the reduction that
// threads share.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/Utils.h"
#include "compiler/Transforms/Vectorize.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
namespace lowering = dlc::lowering;

namespace dlc::vectorize {

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
std::optional<RowStream> rowStream(linalg::LinalgOp op, int64_t width) {
  std::optional<linalg::ContractionDimensions> dims = plainProduct(op);
  if (!dims)
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
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
static int64_t streamParts(int64_t depth) {
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

} // namespace dlc::vectorize
