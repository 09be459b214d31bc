//===- Convolutions.cpp - convolutions as products ------------------------===//
//
// Convolutions as register-tiled products: im2col, products over
// shifted rows of the input (no copy), direct channels-last products and
// shifted correlations for filter gradients, with their reduction steps
// as vector code.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/Utils.h"
#include "compiler/Transforms/Vectorize.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <numeric>

using namespace mlir;
namespace lowering = dlc::lowering;

namespace dlc::vectorize {

/// A copy into a new tensor of `shape` whose last dimension is whole
/// rows of `source`: for each index (i0, ..., ik) of the other dimensions,
/// the row at `at(b, ivs)` of `source` (contiguous, `shape.back()`
/// elements) becomes result[i0, ..., ik, :]. The leading dimensions up to
/// the first of two or more rows are an scf.forall (threads share it).
/// One vector read and write per row, where a scalar loop nest copies
/// element by element (LLVM cannot prove that the arena buffers do not
/// overlap, so it does not vectorize it).
static Value
copyRows(OpBuilder &b, Location loc, Value source, ArrayRef<int64_t> shape,
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
  auto forall =
      scf::ForallOp::create(b, loc, counts, ValueRange{empty}, std::nullopt);
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
        return scf::ValueVector{
            vector::TransferWriteOp::create(b, loc, row, args[0], to,
                                            ArrayRef<bool>{true})
                .getResult()};
      });
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, nest.results[0],
                                        forall.getRegionIterArgs()[0], offsets,
                                        sizes, strides);
  return forall.getResult(0);
}

/// The accumulator `init` of a convolution transposed by `perm` for a
/// channels-last product: a fill of a scalar (the zero a forward
/// convolution starts from) is a fill of the transposed shape, which the
/// product's register blocks then take in, rather than a transpose of
/// zeros.
static Value transposedInit(OpBuilder &b, Location loc, Value init,
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

/// `v` transposed by `perm`; a transpose of a transpose (a weight
/// gradient's images and output gradient, batch and channels swapped, then
/// to channels last) is one transpose of the first's input.
static Value transposeOnce(OpBuilder &b, Location loc, Value v,
                           ArrayRef<int64_t> perm) {
  auto inner = v.getDefiningOp<linalg::TransposeOp>();
  if (!inner || !inner.hasPureTensorSemantics())
    return lowering::transpose(b, loc, v, perm);
  ArrayRef<int64_t> first = inner.getPermutation();
  SmallVector<int64_t> both;
  for (int64_t p : perm)
    both.push_back(first[p]);
  return lowering::transpose(b, loc, inner.getInput(), both);
}

/// Half cycles of the FMA units that a copied im2col element costs (its
/// store, and the product's read of it back, from L3 or memory once a
/// batch's copies outgrow L2) and that a transposed element costs (the
/// input to NHWC, the result back), in im2colProduct's choice of layout.
/// Measured on Zen 4: 16 -> 32 channels of 14 x 14, 5 x 5, at batch 64
/// (rows of 14, 20 MB of copies): the copy 2.8 ms against 2.5 ms of
/// products, about 4 half cycles per element; 32 -> 64 channels of 16 x
/// 16, 3 x 3, at batch 32 (rows of 16, 9.4 MB): about 2.
constexpr double kIm2colHalfCycles = 2, kTransposeHalfCycles = 1;

/// Bytes of a batch's im2col copies from which they do not stay in L2
/// (im2colProduct weighs their cost).
constexpr double kLargeCopy = 1024 * 1024;

/// A convolution as a batched matrix product, in the layout that costs
/// less: its FMAs at its register block's score, plus its copies. Channels
/// first multiplies [F, C KH KW] x [C KH KW, OH OW] per image (vectors
/// along the output pixels) from an im2col copy (KH KW copies of each
/// input pixel), channels last [OH OW, KH KW C] x [KH KW C, F] (vectors
/// along the filters; the input and the result are transposed to and from
/// NHWC). With 100 output pixels and 16 filters the first gets 5-lane
/// vectors, the second two whole registers. Channels last reads its left
/// operand from the NHWC input itself, with no copy (a kernel row's KW C
/// elements are contiguous there, or, with a width dilation, each kernel
/// column's C; directStride, rowProductTiles, directStep); channels
/// first's im2col copy iterates over the kernel offsets and output pixels
/// as separate dimensions (input index oh * stride + kh * dilation: no
/// division, contiguous rows). Where a batch's copies stay in L2 (under
/// kLargeCopy), channels last is taken when its block scores 1.25x better;
/// larger copies go to L3 or memory and back, and the layouts' costs are
/// weighed: each one's FMAs at its block's score, plus the copies' (for
/// channels first) or the transposes' (for channels last) half cycles.
/// With the score rule alone, a CNN's 16 -> 32 channels of 14 x 14, 5 x 5,
/// at batch 64 (scores 5.6 and 6.4) copied 20 MB per call; channels last
/// made its inference 0.66x the time, its training step 0.86x. A 7 x 7
/// stride-2 stem's weight gradient (3 input channels, 32 filters, at batch
/// 16: the images correlated with the output gradient dilated by 2) had
/// 9.6 MB of copies channels first, and 49 columns in 48 and a scalar 1:
/// 4.15 ms per step; channels last over the dilated kernel, 2.05 ms.
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
  // Copies that stay in L2 cost little: channels last where its block
  // scores 1.25x better. Larger ones are weighed in half cycles.
  double fmas = double(n) * f * pixels * depth,
         copies = double(n) * depth * pixels,
         transposes = double(xType.getNumElements() + oType.getNumElements());
  // With fewer output pixels than a vector's lanes (a 1 x 1 convolution's
  // weight gradient has one), channels first multiplies all the images at
  // once: [F, C KH KW] x [C KH KW, N OH OW] (`folded`). A ResNet-like 1 x 1
  // stride-2 shortcut's weight gradient (16 "images" of one pixel, 32
  // filters) was a direct product in blocks of one row: 1.15 ms per step
  // for 8.4 MFLOP; its step 0.98x the time folded.
  bool folded = pixels < width;
  double scoreFirst =
             registerBlock(f, folded ? n * pixels : pixels, width).score,
         scoreLast = registerBlock(pixels, f, width).score;
  bool last = scoreLast >= 1.25 * scoreFirst;
  if (copies * (elem.getIntOrFloatBitWidth() / 8) >= kLargeCopy)
    last = fmas / scoreLast + kTransposeHalfCycles * transposes <
           fmas / scoreFirst + kIm2colHalfCycles * copies;
  if (last) {
    Value source = transposeOnce(b, loc, x, {0, 2, 3, 1});
    // No copy: a kernel column's channels are contiguous in NHWC, and so
    // are a kernel row's columns and channels without a width dilation,
    // so the product reads its left operand from the input itself:
    // A[(n, p, q), (i, r)] = x[n, p*s + i*d, q*s*C + r] for r < KW C, or,
    // with a width dilation D, A[(n, p, q), (i, j, r)] = x[n, p*s + i*d,
    // q*s*C + j*D*C + r] for j < KW, r < C (a strided convolution's weight
    // gradient).
    bool rows = dilations[1] == 1;
    unsigned loops = rows ? 6 : 7;
    Value flat = lowering::reshape(
        b, loc, source,
        RankedTensorType::get({n, xType.getDimSize(2), xType.getDimSize(3) * c},
                              elem));
    Value filters = transposeOnce(b, loc, w, {2, 3, 1, 0});
    if (rows)
      filters = reshape(filters, {kh, kw * c, f});
    Value acc = transposedInit(b, loc, init, {0, 2, 3, 1});
    SmallVector<AffineExpr> d;
    for (unsigned i = 0; i < loops; ++i)
      d.push_back(getAffineDimExpr(i, ctx));
    // Loops (n, p, q, f, i, r), or (n, p, q, f, i, j, r).
    AffineExpr column = d[2] * (strides[1] * c) + d.back();
    if (!rows)
      column = column + d[5] * (dilations[1] * c);
    SmallVector<AffineExpr> read(ArrayRef(d).drop_front(4));
    read.push_back(d[3]);
    SmallVector<utils::IteratorType> iterators(4,
                                               utils::IteratorType::parallel);
    iterators.append(loops - 4, utils::IteratorType::reduction);
    Value product =
        linalg::GenericOp::create(
            b, loc, TypeRange{acc.getType()}, ValueRange{flat, filters},
            ValueRange{acc},
            ArrayRef<AffineMap>{
                AffineMap::get(
                    loops, 0,
                    {d[0], d[1] * strides[0] + d[4] * dilations[0], column},
                    ctx),
                AffineMap::get(loops, 0, read, ctx),
                AffineMap::get(loops, 0, {d[0], d[1], d[2], d[3]}, ctx)},
            iterators, multiplyAdd)
            .getResult(0);
    return lowering::transpose(b, loc, product, {0, 3, 1, 2});
  }
  // Channels first: cols[n, c, i, j, p, q] = x[n, c, p*s + i*d, q*s + j*d],
  // or, folded, cols[c, i, j, n, p, q].
  SmallVector<int64_t> colsShape = {n, c, kh, kw, oh, ow};
  if (folded)
    colsShape = {c, kh, kw, n, oh, ow};
  auto affine = [&](OpBuilder &b, Value v, int64_t scale, Value w,
                    int64_t wScale) {
    AffineExpr e =
        getAffineDimExpr(0, ctx) * scale + getAffineDimExpr(1, ctx) * wScale;
    return affine::AffineApplyOp::create(b, loc, AffineMap::get(2, 0, e),
                                         ValueRange{v, w})
        .getResult();
  };
  Value cols6;
  if (strides[1] == 1 && dilations[1] == 1 && !folded) {
    // Rows of output pixels: cols[n, c, i, j, p, :] = x[n, c, p*s + i*d, j:].
    cols6 = copyRows(
        b, loc, x, colsShape,
        [&](OpBuilder &b, ValueRange iv) -> SmallVector<Value> {
          return {iv[0], iv[1],
                  affine(b, iv[4], strides[0], iv[2], dilations[0]), iv[3]};
        });
  } else {
    AffineExpr d[6];
    for (unsigned i = 0; i < 6; ++i)
      d[i] = getAffineDimExpr(i, ctx);
    auto at = [&](AffineExpr o, AffineExpr k, int axis) {
      return o * strides[axis] + k * dilations[axis];
    };
    // (The copy's loops in the order of its dimensions.)
    AffineExpr image = d[0], channel = d[1], i = d[2], j = d[3];
    if (folded) {
      channel = d[0];
      i = d[1];
      j = d[2];
      image = d[3];
    }
    cols6 =
        linalg::GenericOp::create(
            b, loc, TypeRange{RankedTensorType::get(colsShape, elem)},
            ValueRange{x},
            ValueRange{tensor::EmptyOp::create(b, loc, colsShape, elem)},
            ArrayRef<AffineMap>{
                AffineMap::get(6, 0,
                               {image, channel, at(d[4], i, 0), at(d[5], j, 1)},
                               ctx),
                AffineMap::getMultiDimIdentityMap(6, ctx)},
            SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
            [](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(b, l, args[0]);
            })
            .getResult(0);
  }
  if (folded) {
    // [F, C KH KW] x [C KH KW, N OH OW], then the result to [N, F, OH, OW].
    Value acc =
        reshape(transposedInit(b, loc, init, {1, 0, 2, 3}), {f, n * pixels});
    Value product = linalg::MatmulOp::create(
                        b, loc,
                        ValueRange{reshape(w, {f, depth}),
                                   reshape(cols6, {depth, n * pixels})},
                        ValueRange{acc})
                        .getResult(0);
    return lowering::transpose(b, loc, reshape(product, {f, n, oh, ow}),
                               {1, 0, 2, 3});
  }
  AffineExpr bi, m, j, k;
  bindDims(ctx, bi, m, j, k);
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
          ArrayRef<utils::IteratorType>{
              utils::IteratorType::parallel, utils::IteratorType::parallel,
              utils::IteratorType::parallel, utils::IteratorType::reduction},
          multiplyAdd)
          .getResult(0);
  return reshape(product, {n, f, oh, ow});
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

static std::optional<UnitStrideConv>
unitStrideConv(linalg::Conv2DNchwFchwOp conv) {
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
/// An input padded on both sides (an insert into a fill) has its rows
/// share their padding: with the left padding L at least the right R,
/// the rows lie W + L apart rather than W + L + R, and a row's right
/// padding is read from the next row's left (LeNet's first layer: rows of
/// 30, not 32, so 840 columns for its 784 pixels rather than 896).
/// The columns are rounded up to whole register blocks and the input gets
/// rows of zeros at the bottom so that every read stays inside it. Only
/// for channels-first products from a zero fill; empty otherwise.
std::optional<Value> shiftedProduct(OpBuilder &b, linalg::Conv2DNchwFchwOp conv,
                                    int64_t width) {
  std::optional<UnitStrideConv> sizes = unitStrideConv(conv);
  if (!sizes)
    return std::nullopt;
  Value x = conv.getInputs()[0], w = conv.getInputs()[1];
  // An input padded by an insert into a fill (the convolution's padding)
  // is padded once, into the taller tensor, its rows sharing their padding
  // where the left padding is at least the right.
  auto insert = x.getDefiningOp<tensor::InsertSliceOp>();
  auto padding = insert ? insert.getDest().getDefiningOp<linalg::FillOp>()
                        : linalg::FillOp();
  int64_t wd = sizes->width;
  if (padding && insert.hasUnitStride()) {
    std::optional<int64_t> left =
        getConstantIntValue(insert.getMixedOffsets().back());
    int64_t inner = insert.getSourceType().getDimSize(3);
    if (left && wd - inner - *left <= *left && inner + *left >= sizes->ow)
      wd = inner + *left;
  }
  if (sizes->f * (wd - sizes->ow) > kCopyCostInFmas * sizes->ow)
    return std::nullopt;
  int64_t n = sizes->n, c = sizes->c, f = sizes->f, kh = sizes->kh,
          kw = sizes->kw, oh = sizes->oh, ow = sizes->ow;
  Type elem = sizes->elem;
  linalg::FillOp fill = sizes->fill;
  Location loc = conv.getLoc();
  MLIRContext *ctx = b.getContext();
  int64_t cols = llvm::alignTo(oh * wd, 2 * width);
  // The last column reads x at (cols - 1) + (kh - 1) * W + (kw - 1).
  int64_t rows = llvm::divideCeil(cols + (kh - 1) * wd + kw - 1, wd);
  auto tallType = RankedTensorType::get({n, c, rows, wd}, elem);
  Value tall;
  if (padding)
    tall = tensor::InsertSliceOp::create(
        b, loc, insert.getSource(),
        linalg::FillOp::create(
            b, loc, padding.getInputs()[0],
            ValueRange{lowering::emptyTensor(b, loc, tallType)})
            .getResult(0),
        insert.getMixedOffsets(), insert.getMixedSizes(),
        insert.getMixedStrides());
  else
    tall = lowering::insertAt(
        b, loc, x, lowering::filledTensor(b, loc, tallType, 0), {0, 0, 0, 0});
  Value flat = lowering::reshape(
      b, loc, tall, RankedTensorType::get({n, c, rows * wd}, elem));
  auto productType = RankedTensorType::get({n, f, cols}, elem);
  Value zeros = linalg::FillOp::create(
                    b, loc, fill.getInputs()[0],
                    ValueRange{lowering::emptyTensor(b, loc, productType)})
                    .getResult(0);
  AffineExpr bi, m, p, ch, i, j;
  bindDims(ctx, bi, m, p, ch, i, j);
  using utils::IteratorType;
  Value product = linalg::GenericOp::create(
                      b, loc, TypeRange{productType}, ValueRange{w, flat},
                      ValueRange{zeros},
                      ArrayRef<AffineMap>{
                          AffineMap::get(6, 0, {m, ch, i, j}, ctx),
                          AffineMap::get(6, 0, {bi, ch, p + i * wd + j}, ctx),
                          AffineMap::get(6, 0, {bi, m, p}, ctx)},
                      ArrayRef<IteratorType>{
                          IteratorType::parallel, IteratorType::parallel,
                          IteratorType::parallel, IteratorType::reduction,
                          IteratorType::reduction, IteratorType::reduction},
                      multiplyAdd)
                      .getResult(0);
  if (cols != oh * wd)
    product = lowering::extractAt(b, loc, product, {0, 0, 0}, {n, f, oh * wd},
                                  {1, 1, 1});
  Value image = lowering::reshape(b, loc, product,
                                  RankedTensorType::get({n, f, oh, wd}, elem));
  return lowering::extractAt(b, loc, image, {0, 0, 0, 0}, {n, f, oh, ow},
                             {1, 1, 1, 1});
}

/// The loop dimensions d0 ... d(loops - 1) of a generic with `loops`
/// loops, two inputs and one init on tensors, its last `reductions` loops
/// reductions and the others parallel; empty for any other op.
static SmallVector<AffineExpr> productDims(linalg::LinalgOp op, unsigned loops,
                                           unsigned reductions) {
  if (!isa<linalg::GenericOp>(op.getOperation()) ||
      !op.hasPureTensorSemantics() || op.getNumLoops() != loops ||
      op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return {};
  for (auto [i, iterator] : llvm::enumerate(op.getIteratorTypesArray()))
    if ((iterator == utils::IteratorType::reduction) !=
        (i + reductions >= loops))
      return {};
  SmallVector<AffineExpr> dims;
  for (unsigned k = 0; k < loops; ++k)
    dims.push_back(getAffineDimExpr(k, op.getContext()));
  return dims;
}

/// The factor s of `e` when it is `dim * s` (1 for `dim` itself).
static std::optional<int64_t> scaleOf(AffineExpr e, AffineExpr dim) {
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
static bool isShiftedProduct(linalg::LinalgOp op) {
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

/// The loops of a shifted correlation's products (shiftedCorrelation):
/// images, channels, filters, kernel row and column, lanes, steps.
struct CorrelationDims {
  unsigned n, c, f, i, j, l, t;
};
/// Per image: loops (n, c, f, i, j, l, t), parallel but t. Images summed
/// in the blocks: (c, f, i, j, l, n, t), parallel but n and t.
constexpr CorrelationDims kPerImageDims{0, 1, 2, 3, 4, 5, 6},
    kSummedDims{5, 0, 1, 2, 3, 4, 6};
/// Channels times filters from which the blocks of a shifted correlation
/// sum the images themselves: C F / MR blocks (MR filters a block) are
/// then shares enough for the threads (not LeNet's first layer, 1 x 6);
/// and only when each image's sum takes kShortCorrelation vector steps or
/// fewer, where storing its parts and summing them again cost as much as a
/// good part of its FMAs (1-D convolutions over sequences of 128: 16
/// steps). Over whole images (resnet.dl's 32 x 34 pixels, 136 steps) the
/// blocks summing the images measured 1.5-2.2 % slower steps in
/// alternated rounds, their loops 1-4 % faster: no gain beyond the noise.
constexpr int64_t kSummedCorrelation = 64, kShortCorrelation = 32;

/// Where the product of a shifted correlation with loops `at` (dims `d`)
/// writes its parts: (n, c, f, i, j, l) per image, (c, f, i, j, l) summed.
static SmallVector<AffineExpr> partIndices(const CorrelationDims &at,
                                           ArrayRef<AffineExpr> d) {
  SmallVector<AffineExpr> indices = {d[at.c], d[at.f], d[at.i], d[at.j],
                                     d[at.l]};
  if (at.n == kPerImageDims.n)
    indices.insert(indices.begin(), d[at.n]);
  return indices;
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
/// step; the images' parts are then summed over n and l. Where the
/// channels and filters give the threads shares enough (C F >=
/// kSummedCorrelation) and each image's sum is short (kShortCorrelation),
/// the blocks sum the images too, `part[c, f, i, j,
/// l]` over n and t, and only the lanes are summed after: no tensor of
/// every image's parts (2.6 MB, written and read again, for 1 x 5 kernels
/// over 32 sequences of 128 with 16 channels and 32 filters: their weight
/// gradient 376 -> 254 us). Used while the
/// padding's extra FMAs, F (Q - KH KW) for Q padded pixels of a KH x KW
/// kernel, are at most kCopyCostInFmas per kernel pixel (LeNet: 6 x 112
/// against 2 x 784; its second layer's 16 x 44 against 2 x 100 keeps
/// im2col). Only from a zero fill; empty otherwise.
std::optional<Value>
shiftedCorrelation(OpBuilder &b, linalg::Conv2DNchwFchwOp conv, int64_t width) {
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
    Value tall = lowering::insertAt(
        b, loc, v, lowering::filledTensor(b, loc, type, 0), {0, 0, 0, 0});
    return lowering::reshape(b, loc, tall,
                             RankedTensorType::get({d0, d1, rows * wd}, elem));
  };
  // g as [F, N, T, L]: vectors of L lanes, T of them per image.
  Value gFlat = flatten(g, gRows, f, n);
  if (gRows * wd != pixels)
    gFlat = lowering::extractAt(b, loc, gFlat, {0, 0, 0}, {f, n, pixels},
                                {1, 1, 1});
  gFlat = lowering::reshape(
      b, loc, gFlat,
      RankedTensorType::get({f, n, pixels / width, width}, elem));
  Value xFlat = flatten(x, xRows, c, n);
  bool summed =
      c * f >= kSummedCorrelation && pixels / width <= kShortCorrelation;
  const CorrelationDims &at = summed ? kSummedDims : kPerImageDims;
  AffineExpr d[7];
  for (unsigned k = 0; k < 7; ++k)
    d[k] = getAffineDimExpr(k, ctx);
  // part[n, c, f, i, j, l], loops (n, c, f, i, j, l, t); or part[c, f, i,
  // j, l], loops (c, f, i, j, l, n, t).
  SmallVector<int64_t> partShape = {c, f, oh, ow, width};
  if (!summed)
    partShape.insert(partShape.begin(), n);
  auto partType = RankedTensorType::get(partShape, elem);
  Value zeros = linalg::FillOp::create(
                    b, loc, fill.getInputs()[0],
                    ValueRange{lowering::emptyTensor(b, loc, partType)})
                    .getResult(0);
  AffineExpr q = d[at.t] * width + d[at.l];
  using utils::IteratorType;
  SmallVector<IteratorType> iterators(summed ? 5 : 6, IteratorType::parallel);
  iterators.resize(7, IteratorType::reduction);
  Value parts =
      linalg::GenericOp::create(
          b, loc, TypeRange{partType}, ValueRange{gFlat, xFlat},
          ValueRange{zeros},
          ArrayRef<AffineMap>{
              AffineMap::get(7, 0, {d[at.f], d[at.n], d[at.t], d[at.l]}, ctx),
              AffineMap::get(
                  7, 0, {d[at.c], d[at.n], q + d[at.i] * wd + d[at.j]}, ctx),
              AffineMap::get(7, 0, partIndices(at, d), ctx)},
          iterators, multiplyAdd)
          .getResult(0);
  // The sum over the images (unless summed) and the lanes, into the
  // convolution's result.
  unsigned rank = partShape.size();
  SmallVector<IteratorType> sumIterators(rank, IteratorType::parallel);
  sumIterators.back() = IteratorType::reduction;
  if (!summed)
    sumIterators.front() = IteratorType::reduction;
  unsigned first = summed ? 0 : 1;
  return linalg::GenericOp::create(
             b, loc, TypeRange{oType}, ValueRange{parts},
             ValueRange{conv.getOutputs()[0]},
             ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx),
                                 AffineMap::get(rank, 0,
                                                {d[first], d[first + 1],
                                                 d[first + 2], d[first + 3]},
                                                ctx)},
             sumIterators,
             [](OpBuilder &b, Location l, ValueRange args) {
               linalg::YieldOp::create(
                   b, l,
                   ValueRange{arith::AddFOp::create(b, l, args[1], args[0])});
             })
      .getResult(0);
}

/// The loops of `op` if it is the product of shiftedCorrelation (either
/// form): g read at (f, n, t, l) (its pixels cut into vectors of L lanes),
/// x at (c, n, L t + l + i W + j), the parts written at (n, c, f, i, j, l)
/// or (c, f, i, j, l); none otherwise.
static std::optional<CorrelationDims> correlationDims(linalg::LinalgOp op) {
  for (bool summed : {false, true}) {
    SmallVector<AffineExpr> d = productDims(op, 7, summed ? 2 : 1);
    if (d.empty())
      continue;
    const CorrelationDims &at = summed ? kSummedDims : kPerImageDims;
    MLIRContext *ctx = op.getContext();
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    auto g = cast<RankedTensorType>(op.getDpsInputs()[0].getType());
    if (maps[0] !=
            AffineMap::get(7, 0, {d[at.f], d[at.n], d[at.t], d[at.l]}, ctx) ||
        maps[2] != AffineMap::get(7, 0, partIndices(at, d), ctx) ||
        maps[1].getNumResults() != 3 || maps[1].getResult(0) != d[at.c] ||
        maps[1].getResult(1) != d[at.n] || g.isDynamicDim(3))
      continue;
    // The input read, L t + l + i W + j, less L t + l and j: i * W.
    AffineExpr q = d[at.t] * g.getDimSize(3) + d[at.l];
    if (scaleOf(simplifyAffineExpr(maps[1].getResult(2) - q - d[at.j], 7, 0),
                d[at.i]) &&
        llvm::none_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
      return at;
  }
  return std::nullopt;
}

SmallVector<unsigned> correlationShares(linalg::LinalgOp op) {
  std::optional<CorrelationDims> at = correlationDims(op);
  if (!at)
    return {};
  // Per image: the images first; summed: channels, filters.
  if (at->n == kPerImageDims.n)
    return {at->n, at->f, at->j, at->c};
  return {at->c, at->f, at->j};
}

/// Register blocks of a shifted correlation: MR filters by NJ kernel
/// columns of one vector of lanes each (MR + NJ loads per MR NJ FMAs;
/// blockScore's model with a row of NJ one-vector columns), one image,
/// channel and kernel row; threads share the images.
static std::optional<Tiling> correlationTiles(linalg::LinalgOp op) {
  std::optional<CorrelationDims> at = correlationDims(op);
  if (!at)
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t filters = ranges[at->f], columns = ranges[at->j];
  // Score (useful FMAs per FMA slot), then block size, then filters.
  std::tuple<double, int64_t, int64_t> best = {0.0, 1, 1};
  for (int64_t mr = 1; mr <= filters; ++mr)
    for (int64_t nj = 1; nj <= columns; ++nj) {
      if (filters % mr || columns % nj || mr * nj + mr + 1 > 16)
        continue;
      double score =
          double(mr * nj) / double(std::max({mr * nj, mr + nj, kFmasInFlight}));
      best = std::max(best, {score, mr * nj, mr});
    }
  int64_t mr = std::get<2>(best), nj = std::get<1>(best) / mr;
  SmallVector<int64_t> tiles(7, 1);
  tiles[at->f] = mr;
  tiles[at->j] = nj;
  tiles[at->l] = ranges[at->l];
  return Tiling{tiles, {}, ProductKind::Correlation};
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
  // (The step's loops are its block's: the form of its product.)
  bool perImage = step.getNumReductionLoops() == 1;
  const CorrelationDims &dims = perImage ? kPerImageDims : kSummedDims;
  int64_t mr = ranges[dims.f], nj = ranges[dims.j], lanes = ranges[dims.l];
  Type elem = cast<RankedTensorType>(acc.getType()).getElementType();
  auto row = VectorType::get({lanes}, elem);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value padding = ub::PoisonOp::create(rewriter, loc, elem);
  auto read = [&](Value source, ArrayRef<Value> at) {
    return vector::TransferReadOp::create(rewriter, loc, row, source, at,
                                          padding, ArrayRef<bool>{true})
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
      SmallVector<Value> at = {zero, index(f), zero, index(j), zero};
      if (perImage)
        at.insert(at.begin(), zero);
      Value sum = vector::FMAOp::create(rewriter, loc, gRows[f], xRow,
                                        read(written, at));
      written = vector::TransferWriteOp::create(rewriter, loc, sum, written, at,
                                                ArrayRef<bool>{true})
                    .getResult();
    }
  }
  rewriter.replaceOp(step, written);
}

/// The stride S of a direct channels-last product (im2colProduct) between
/// the input elements of consecutive output columns: its loops (n, p, q,
/// f, i, r), the input read at (n, p*s + i*d, q*S + r) (a kernel row's KW
/// C contiguous elements), or, for a width dilation D, (n, p, q, f, i, j,
/// r) with the input read at (n, p*s + i*d, q*S + j*D + r) (a kernel
/// row's KW columns of C elements); the filters at (i, r, f) or (i, j, r,
/// f), the result at (n, p, q, f), static sizes. None for any other op.
static std::optional<int64_t> directStride(linalg::LinalgOp op) {
  unsigned loops = op.getNumLoops();
  if (loops != 6 && loops != 7)
    return std::nullopt;
  SmallVector<AffineExpr> d = productDims(op, loops, loops - 4);
  if (d.empty())
    return std::nullopt;
  MLIRContext *ctx = op.getContext();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<AffineExpr> filters(ArrayRef(d).drop_front(4));
  filters.push_back(d[3]);
  if (maps[1] != AffineMap::get(loops, 0, filters, ctx) ||
      maps[2] != AffineMap::get(loops, 0, {d[0], d[1], d[2], d[3]}, ctx) ||
      maps[0].getNumResults() != 3 || maps[0].getResult(0) != d[0])
    return std::nullopt;
  AffineExpr row = maps[0].getResult(1), column = maps[0].getResult(2);
  for (unsigned k = 0; k < loops; ++k)
    if (k != 1 && k != 4 && row.isFunctionOfDim(k))
      return std::nullopt;
  // The column read less r: q*S, or q*S + j*D.
  AffineExpr rest = simplifyAffineExpr(column - d.back(), loops, 0);
  if (loops == 7) {
    AffineExpr zero = getAffineConstantExpr(0, ctx);
    AffineExpr columns = simplifyAffineExpr(rest.replace(d[5], zero), 7, 0);
    if (!scaleOf(simplifyAffineExpr(rest.replace(d[2], zero), 7, 0), d[5]))
      return std::nullopt;
    rest = columns;
  }
  if (llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
    return std::nullopt;
  return scaleOf(rest, d[2]);
}

/// The reduction block of a direct channels-last product whose filters
/// operand, read at (i, r, f), does not stay in L2: a weight gradient's,
/// whose "filters" are the output gradient (CIFAR-like 32 -> 64 channels
/// of 16 x 16 at batch 32: 16 rows of 512 x 64, 2 MB). Each share of the
/// threads (an input channel) reads all of it once per row and column
/// block of its result (12 times), from L3; with the kernel rows i in
/// blocks of up to 256 KB of it (slabRows) outside the shares, each block
/// stays in L2 while every share reads it. Tile sizes (0 but for i), or
/// none.
std::optional<SmallVector<int64_t>> directDepthBlock(linalg::LinalgOp op) {
  if (!directStride(op))
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  // (A kernel row of the filters operand: its (j,) r and f.)
  int64_t rowBytes = getElementTypeOrSelf(op.getDpsInputs()[1].getType())
                         .getIntOrFloatBitWidth() /
                     8 * ranges[3];
  for (int64_t size : ArrayRef(ranges).drop_front(5))
    rowBytes *= size;
  int64_t rows = slabRows(ranges[4], rowBytes);
  if (rows == 0)
    return std::nullopt;
  SmallVector<int64_t> tiles(ranges.size(), 0);
  tiles[4] = rows;
  return tiles;
}

/// One reduction step of a direct channels-last product (loops 1 x 1 x MR
/// x NR x 1 x 1, or x 1 x 1 x 1 with a width dilation) as the step of a
/// plain product, [1, 1, MR, 1] x [1, NR]: the MR input elements, S apart
/// in the step's input row, as a strided slice.
Operation *directStep(IRRewriter &rewriter, linalg::LinalgOp step) {
  Location loc = step.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  rewriter.setInsertionPoint(step);
  Value x = step.getDpsInputs()[0], w = step.getDpsInputs()[1],
        acc = step.getDpsInits()[0];
  SmallVector<int64_t> ranges = step.getStaticLoopRanges();
  int64_t mr = ranges[2], nr = ranges[3];
  int64_t stride = *directStride(step);
  Type elem = cast<RankedTensorType>(acc.getType()).getElementType();
  Value lhs = lowering::reshape(rewriter, loc,
                                lowering::extractAt(rewriter, loc, x, {0, 0, 0},
                                                    {1, 1, mr}, {1, 1, stride}),
                                RankedTensorType::get({1, 1, mr, 1}, elem));
  Value rhs =
      lowering::reshape(rewriter, loc, w, RankedTensorType::get({1, nr}, elem));
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
static std::optional<Tiling> rowProductTiles(linalg::LinalgOp op,
                                             int64_t width) {
  unsigned m;
  ProductKind kind;
  if (isShiftedProduct(op)) {
    m = 1;
    kind = ProductKind::Shifted;
  } else if (directStride(op)) {
    m = 2;
    kind = ProductKind::Direct;
  } else {
    return std::nullopt;
  }
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  RegisterBlock block = registerBlock(ranges[m], ranges[m + 1], width);
  SmallVector<int64_t> tiles(ranges.size(), 1), order(ranges.size());
  std::iota(order.begin(), order.end(), 0);
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

} // namespace dlc::vectorize
