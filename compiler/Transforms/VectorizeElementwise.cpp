//===- VectorizeElementwise.cpp - the dl-vectorize-elementwise pass -------===//
//
// See Passes.td: elementwise and window (pooling) loops on buffers, and
// transposes, as vector code with the target's vector width.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/Vectorize.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/X86Vector/Transforms.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlc {
#define GEN_PASS_DEF_DLVECTORIZEELEMENTWISE
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace dlc::vectorize {

/// Whether `op` is on buffers with static loops, all parallel, and a body
/// that reads no loop index: what both elementwise and window loops need.
static bool staticParallel(linalg::GenericOp op) {
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
static bool elementwise(linalg::GenericOp op) {
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
                return inner->getNumRegions() || isa<tensor::ExtractOp>(inner)
                           ? WalkResult::interrupt()
                           : WalkResult::advance();
              })
              .wasInterrupted();
}

/// `op` with each operand indexed at 0 in some of its dimensions (a bias
/// of shape [C, 1, 1] added to every pixel, x of reshape(x, [B, 1, K])
/// multiplied by w [N, K]) read through a view without those dimensions
/// instead (memref.collapse_shape; on tensors tensor.collapse_shape, of
/// the inputs only), so that its map names loops only. False (and `op`
/// unchanged) when such a dimension is not a plain unit dimension, or is
/// one of a tensor op's inits.
bool dropZeroIndices(RewriterBase &rewriter, linalg::GenericOp op) {
  // For each operand to view anew: its dimension groups and kept results.
  struct View {
    OpOperand *operand;
    SmallVector<ReassociationIndices> groups;
    SmallVector<AffineExpr> kept;
  };
  SmallVector<View> views;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    auto type = cast<ShapedType>(operand.get().getType());
    if (llvm::all_of(map.getResults(), llvm::IsaPred<AffineDimExpr>))
      continue;
    auto memref = dyn_cast<MemRefType>(type);
    if (memref ? !memref.getLayout().isIdentity() : op.isDpsInit(&operand))
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
    Value source = view.operand->get();
    Value collapsed = isa<MemRefType>(source.getType())
                          ? Value(memref::CollapseShapeOp::create(
                                rewriter, op.getLoc(), source, view.groups))
                          : Value(tensor::CollapseShapeOp::create(
                                rewriter, op.getLoc(), source, view.groups));
    unsigned n = view.operand->getOperandNumber();
    maps[n] =
        AffineMap::get(maps[n].getNumDims(), 0, view.kept, op.getContext());
    rewriter.modifyOpInPlace(op, [&] { view.operand->set(collapsed); });
  }
  rewriter.modifyOpInPlace(op, [&] {
    op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
  });
  return true;
}

/// Which element of an input row each lane of a window loop's output row
/// of `row` lanes reads: the map's last result at the lane's index, when
/// that result reads the innermost loop d and no other loop, and no other
/// result reads d (a window position of a pooling reads `s * d + k`, the
/// cells of its input gradient the window's gradient at `d floordiv s`).
static std::optional<SmallVector<int64_t>> lanesOfLast(AffineMap map,
                                                       int64_t row) {
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
static bool vectorizeWindows(IRRewriter &rewriter, linalg::GenericOp op,
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
  if (yielded.getParentBlock() != body ||
      yielded.getType() != outType.getElementType())
    return false;

  // One step per output row: an scf.forall over the other loops.
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  SmallVector<OpFoldResult> counts;
  for (int64_t r : ArrayRef<int64_t>(ranges).drop_back())
    counts.push_back(rewriter.getIndexAttr(r));
  auto forall =
      scf::ForallOp::create(rewriter, loc, counts, ValueRange{}, std::nullopt);
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
            rewriter, loc, AffineMap::get(key.second.getNumDims(), 0, e), ivs));
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
  vector::StoreOp::create(rewriter, loc, map.lookup(yielded), out->get(), ivs);
  loops.push_back(forall);
  rewriter.eraseOp(op);
  return true;
}

/// `op`'s innermost loop in steps of `lanes` (one vector each) of an
/// scf.forall over all its loops, added to `loops`.
static void vectorizeRows(IRRewriter &rewriter, linalg::LinalgOp op,
                          int64_t lanes, SmallVectorImpl<Operation *> &loops) {
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
static std::optional<std::pair<unsigned, unsigned>>
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
static void transpose8x8(ImplicitLocOpBuilder &b, MutableArrayRef<Value> rows) {
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
static void transposeInBlocks(IRRewriter &rewriter, linalg::TransposeOp op,
                              unsigned a, unsigned b) {
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

/// A transpose of a 2 x C block (C >= 8) into C x 2 whose output pairs
/// are contiguous: an interleaving of two rows (the phases of a pooling's
/// input gradient, with stride 2), as zips in registers: per 8 columns, 2
/// loads, 2 shuffles and 2 stores of 8 lanes (2 x 16 blocks, too small for
/// transposeInBlocks, moved element by element: 369 us for [32, 32, 16,
/// 2, 16, 2]). A C beyond a multiple of 8 ends with a block that overlaps
/// the one before it. False (and nothing done) for other shapes.
static bool zipRows(IRRewriter &rewriter, linalg::TransposeOp op, unsigned a,
                    unsigned b) {
  Value in = op.getInput(), out = op.getInit();
  auto inType = cast<MemRefType>(in.getType());
  auto outType = cast<MemRefType>(out.getType());
  unsigned rank = inType.getRank();
  int64_t C = inType.getDimSize(b);
  unsigned ob =
      llvm::find(op.getPermutation(), b) - op.getPermutation().begin();
  if (inType.getDimSize(a) != 2 || C < 8 || ob + 2 != rank)
    return false;
  SmallVector<ReassociationIndices> pairs;
  for (unsigned d = 0; d + 2 < rank; ++d)
    pairs.push_back({d});
  pairs.push_back({rank - 2, rank - 1});
  if (!memref::CollapseShapeOp::isGuaranteedCollapsible(outType, pairs))
    return false;
  rewriter.setInsertionPoint(op);
  ImplicitLocOpBuilder ib(op.getLoc(), rewriter);
  Value flat = memref::CollapseShapeOp::create(ib, out, pairs);
  Value zero = arith::ConstantIndexOp::create(ib, 0),
        one = arith::ConstantIndexOp::create(ib, 1),
        lastCol = arith::ConstantIndexOp::create(ib, C - 8),
        colEnd = arith::ConstantIndexOp::create(ib, llvm::alignTo(C, 8)),
        eight = arith::ConstantIndexOp::create(ib, 8);
  auto vec = VectorType::get({8}, inType.getElementType());
  scf::buildLoopNest(
      ib, ib.getLoc(), ValueRange{zero}, ValueRange{colEnd}, ValueRange{eight},
      [&](OpBuilder &nested, Location l, ValueRange iv) {
        ImplicitLocOpBuilder b2(l, nested);
        Value col = arith::MinSIOp::create(b2, iv[0], lastCol);
        Value rows[2];
        for (int64_t i = 0; i < 2; ++i) {
          SmallVector<Value> at(rank, zero);
          at[a] = i ? one : zero;
          at[b] = col;
          rows[i] = vector::LoadOp::create(b2, vec, in, at);
        }
        SmallVector<Value> at(rank - 1, zero);
        at.back() = arith::AddIOp::create(b2, col, col);
        for (int64_t half = 0; half < 2; ++half) {
          SmallVector<int64_t> pick;
          for (int64_t j = 0; j < 4; ++j)
            pick.append({4 * half + j, 8 + 4 * half + j});
          Value zipped = vector::ShuffleOp::create(b2, rows[0], rows[1], pick);
          if (half)
            at.back() = arith::AddIOp::create(b2, at.back(), eight);
          vector::StoreOp::create(b2, zipped, flat, at);
        }
      });
  rewriter.eraseOp(op);
  return true;
}

/// The vectors per value one step of an elementwise loop may take: four,
/// or fewer for a body that keeps many values live, whose registers four
/// vectors per value would outgrow (an LSTM cell's gradient, 19 buffers
/// and its sigmoid and tanh, each expanded into a polynomial with its
/// temporaries, spilled to the stack: one vector per value made the LSTM's
/// two gate loops 24 % and 35 % faster). The live values are estimated as
/// the operands, plus three for each function dl-approximate-math expands:
/// up to 4, four vectors; up to 8, two; else one. With AVX2's 8 lanes, a
/// body that expands two functions or more takes two vectors all the same:
/// its polynomials and divisions make a chain of dependent instructions
/// per vector (an LSTM cell's three sigmoids, then c, then tanh(c)) longer
/// than the core's out-of-order window covers, so with one vector per
/// step the core waited on it; with two (LLVM splits each 16-lane op into
/// two adjacent ones) two chains run at once, spills included (the LSTM's
/// and GRU's forward cells 0.81x and 0.84x the time, their steps' loops
/// 0.98x; four vectors spill more: the LSTM's step 1.06x).
static int64_t stepVectors(Operation *op, int64_t width) {
  int64_t expanded = 0;
  op->walk([&](Operation *inner) {
    if (isApproximated(inner))
      ++expanded;
  });
  int64_t live = op->getNumOperands() + 3 * expanded;
  int64_t vectors = live <= 4 ? 4 : live <= 8 ? 2 : 1;
  return width == 8 && expanded >= 2 ? std::max<int64_t>(vectors, 2) : vectors;
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
static void vectorizeElementwise(IRRewriter &rewriter, Operation *root,
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
        blocks, zips;
    root->walk([&](linalg::TransposeOp op) {
      if (auto pair = swappedPair(op)) {
        auto type = cast<MemRefType>(op.getInput().getType());
        if (type.getDimSize(pair->first) == 2) // (zipRows's shapes.)
          zips.push_back({op, *pair});
        else if (std::min<int64_t>(type.getDimSize(pair->first), 8) *
                     std::min<int64_t>(type.getDimSize(pair->second), 8) >=
                 32)
          blocks.push_back({op, *pair});
      }
    });
    for (auto &[op, pair] : blocks)
      transposeInBlocks(rewriter, op, pair.first, pair.second);
    for (auto &[op, pair] : zips)
      (void)zipRows(rewriter, op, pair.first, pair.second);
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
    int64_t step = width, most = stepVectors(op, width) * width;
    while (step < most && main % (2 * step) == 0)
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
      auto [first, rest] =
          linalg::splitOp(rewriter, cast<TilingInterface>(op.getOperation()),
                          inner, rewriter.getIndexAttr(main));
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

struct DLVectorizeElementwise
    : dlc::impl::DLVectorizeElementwiseBase<DLVectorizeElementwise> {
  using DLVectorizeElementwiseBase::DLVectorizeElementwiseBase;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    vectorizeElementwise(rewriter, getOperation(), vectorWidth);
  }
};

} // namespace dlc::vectorize
