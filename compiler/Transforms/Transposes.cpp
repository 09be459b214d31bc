//===- Transposes.cpp - transposes around products and pooling ------------===//
//
// Transposed left operands folded into products, large transposes tiled
// into blocks that threads share, pooling moved before a transpose.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/Utils.h"
#include "compiler/Transforms/Vectorize.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"

using namespace mlir;
namespace lowering = dlc::lowering;

namespace dlc::vectorize {

/// The body of a multiply-accumulate contraction: out + lhs * rhs.
void multiplyAdd(OpBuilder &b, Location loc, ValueRange args) {
  linalg::YieldOp::create(
      b, loc,
      ValueRange{arith::AddFOp::create(
          b, loc, args[2], arith::MulFOp::create(b, loc, args[0], args[1]))});
}

/// Contractions of one row, column and reduction loop (and one batch loop
/// or none) that read an operand transposed, as a generic (the fused
/// sum(reshape(x, [B, 1, K]) * w, axis = 2), its gradients), become
/// linalg.matmul or linalg.batch_matmul of linalg.transpose ops: the form
/// the products of the language lower to, which the rest of this pass
/// tiles (and whose transposed left operand it folds back). Not dot
/// products of a few rows (isDotProducts), which vectorizeReductions sums.
void transposesOutOfProducts(IRRewriter &rewriter, Operation *root,
                             int64_t width) {
  SmallVector<linalg::GenericOp> products;
  root->walk([&](linalg::GenericOp op) {
    if (op.hasPureTensorSemantics() && op.getNumDpsInputs() == 2 &&
        linalg::isaContractionOpInterface(op) && !isDotProducts(op, width) &&
        llvm::none_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
      products.push_back(op);
  });
  for (linalg::GenericOp op : products) {
    FailureOr<linalg::ContractionDimensions> dims =
        linalg::inferContractionDims(op);
    if (failed(dims) || dims->batch.size() > 1 || dims->m.size() != 1 ||
        dims->n.size() != 1 || dims->k.size() != 1 ||
        op.getNumLoops() != dims->batch.size() + 3)
      continue;
    SmallVector<unsigned> a(dims->batch.begin(), dims->batch.end()), b(a), c(a);
    a.append({dims->m[0], dims->k[0]});
    b.append({dims->k[0], dims->n[0]});
    c.append({dims->m[0], dims->n[0]});
    // The permutation that reads an operand in the order `want`, or none
    // when its map is not a permutation of those loops.
    auto permutation =
        [&](OpOperand *operand,
            ArrayRef<unsigned> want) -> std::optional<SmallVector<int64_t>> {
      AffineMap map = op.getMatchingIndexingMap(operand);
      if (map.getNumResults() != want.size())
        return std::nullopt;
      SmallVector<int64_t> perm;
      for (unsigned loop : want) {
        std::optional<unsigned> at =
            map.getResultPosition(getAffineDimExpr(loop, op.getContext()));
        if (!at)
          return std::nullopt;
        perm.push_back(*at);
      }
      return perm;
    };
    auto permA = permutation(op.getDpsInputOperand(0), a);
    auto permB = permutation(op.getDpsInputOperand(1), b);
    auto permC = permutation(op.getDpsInitOperand(0), c);
    if (!permA || !permB || !permC || !isIdentityPermutation(*permC) ||
        (isIdentityPermutation(*permA) && isIdentityPermutation(*permB)))
      continue;
    rewriter.setInsertionPoint(op);
    auto transposed = [&](Value v, ArrayRef<int64_t> perm) -> Value {
      if (isIdentityPermutation(perm))
        return v;
      auto type = cast<RankedTensorType>(v.getType());
      Value init = tensor::EmptyOp::create(
          rewriter, op.getLoc(), applyPermutation(type.getShape(), perm),
          type.getElementType());
      return linalg::TransposeOp::create(rewriter, op.getLoc(), v, init, perm)
          ->getResult(0);
    };
    SmallVector<Value> inputs{transposed(op.getDpsInputs()[0], *permA),
                              transposed(op.getDpsInputs()[1], *permB)};
    Operation *product =
        dims->batch.empty()
            ? linalg::MatmulOp::create(rewriter, op.getLoc(),
                                       op.getResultTypes(), inputs,
                                       op.getDpsInits())
                  .getOperation()
            : linalg::BatchMatmulOp::create(rewriter, op.getLoc(),
                                            op.getResultTypes(), inputs,
                                            op.getDpsInits())
                  .getOperation();
    rewriter.replaceOp(op, product->getResults());
  }
}

/// Whether the rows of a matrix lie a power of two of 1 KB or more apart:
/// a column of it then falls into 4 of L1's 64 sets or fewer (32 lines
/// with 8 ways).
static bool rowsShareFewSets(ShapedType type) {
  constexpr int64_t kFewSetsBytes = 1024;
  if (type.getRank() != 2 || !type.hasStaticShape())
    return false;
  int64_t rowBytes = type.getDimSize(1) * type.getElementTypeBitWidth() / 8;
  return rowBytes >= kFewSetsBytes && llvm::isPowerOf2_64(rowBytes);
}

/// Matrix products whose left operand is a transposed matrix (the weight
/// gradients X^T G of the backward pass) read that matrix as it is: a
/// register block then broadcasts MR neighbouring elements of one of its
/// rows per reduction step, and the transposed copy is gone. Unless the
/// matrix's rows share few sets of L1 (rowsShareFewSets): a block's
/// elements of X, one line per row over the whole reduction, then came
/// from L2 again for every column block, as B's rows did. The MLP's H1^T
/// dH2 (H1 [64, 512] or [256, 512], rows 2 KB apart) on a Zen 4 EPYC with
/// AVX2, one thread, per-loop minima: 439 -> 395 us at batch 64, 1816 ->
/// 1538 us at 256 (85 -> 94 % and 82 -> 97 % of the FMA peak) with H1
/// copied by a 16 x 16-blocked transpose, a loop of its own; the step's
/// loops, the copy included, 0.979 and 0.962 of the time. Rows 512 bytes apart (the autoencoder's [256, 128]
/// code, the LSTM's and GRU's hidden states) were no faster copied (the
/// steps' loops 1.000, 1.077 and 1.005).
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
    if (rowsShareFewSets(cast<ShapedType>(t.getInput().getType())))
      continue;
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
    // A size with no divisor from 8 to 16, up to 64, opposite one of 8 or
    // more, is one block, transposed in registers (dl-vectorize-elementwise
    // covers a size beyond a multiple of 8 with one more block): a padded
    // row of 34 in 2s made blocks of 2 x 16, moved element by element (a
    // ResNet-like model's 16 channels of 34 x 34 into NHWC: 210 -> 75 us).
    // Opposite fewer (3 channels), the blocks stay element by element, and
    // longer ones were slower.
    for (auto [dim, other] : {std::pair(in, last), std::pair(last, in)})
      if (tiles[dim] < 8 && ranges[dim] <= 64 && tiles[other] >= 8)
        tiles[dim] = ranges[dim];
    tileOp(rewriter, op, tiles, scf::SCFTilingOptions::LoopType::ForallOp);
  }
}

/// The constant c of `e` = `lhs kind c`, when c >= `least` (`e` becomes
/// lhs); `otherwise` when `e` is not of that kind; none when c is not a
/// constant or smaller.
static std::optional<int64_t> peelConstant(AffineExpr &e, AffineExprKind kind,
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
static std::optional<std::array<int64_t, 3>> strideOffset(AffineExpr e) {
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

} // namespace dlc::vectorize
