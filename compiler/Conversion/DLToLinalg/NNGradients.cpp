//===- NNGradients.cpp - gradients of convolution, pooling and gather -----===//
//
// The gradient ops of dl-autodiff's backward graphs:
//  - conv2d_input_grad: with stride 1 and an input no larger than the
//    output (padding of half the kernel or more), a convolution of the
//    gradient, padded, with the weights flipped and transposed to [C, O,
//    KH, KW]; otherwise col2im: the product of the transposed weights
//    with the gradient of each image gives its columns [C KH KW, OH OW]
//    (the FMAs of the forward convolution), whose window for each kernel
//    offset (strided by the convolution's stride) is added into the input
//    gradient, in place (the window of the gradient is the add's
//    destination; without padding, one add in loops over the kernel
//    offsets); by groups of images in an scf.forall when the columns of
//    the batch outgrow 256 KB.
//  - conv2d_weight_grad: the padded input as a batch of C images of N
//    channels, correlated with the gradient as O filters of N channels,
//    dilated by the stride: linalg.conv_2d_nchw_fchw giving [C, O, KH, KW],
//    then transposed.
//  - max/avg_pool2d_grad: the share of the window gradient each input gets
//    (all of it for the window's first argmax, 1/size^2 for average
//    pooling). Disjoint windows (stride >= size) write the input gradient
//    in one pass, each element its share or 0; overlapping ones add the
//    share of each window offset (kh, kw) into the strided view of the
//    input gradient at that offset, in place.
//  - gather_grad: a loop over the ids adding each gradient row to its row
//    of the table gradient (scatter-add).
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/DLToLinalg/Utils.h"
#include "dialects/DL/IR/DLOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace dlc::lowering;

namespace {

Value conv(OpBuilder &b, Location loc, RankedTensorType type, Value input,
           Value filter, int64_t stride, int64_t dilation) {
  return linalg::Conv2DNchwFchwOp::create(
             b, loc, TypeRange{type}, ValueRange{input, filter},
             ValueRange{filledTensor(b, loc, type, 0)},
             windowAttrs(b, stride, dilation))
      .getResult(0);
}

/// The columns of a group of images of a stride-1 convolution's input
/// gradient fit in this many bytes (a share of L2).
constexpr int64_t kColumnsChunkBytes = 256 * 1024;

/// The input gradient of a convolution as col2im: the columns
/// `cols[n, (c, kh, kw), (oh, ow)] = sum_o w[o, c, kh, kw] g[n, o, oh, ow]`
/// (one product per image, as many FMAs as the forward convolution), then
/// for each kernel offset (kh, kw) the valid window of the columns is added
/// into the input gradient at that offset, every `stride`-th element: the
/// column (oh, ow) goes to (oh s + kh - pad, ow s + kw - pad). (A strided
/// convolution's gradient was the output gradient spread into zeros,
/// correlated with the flipped weights: s^2 times the FMAs, 3 in 4 of them
/// on zeros with stride 2; a 32 -> 64 channel 3 x 3 stride-2 convolution of
/// 32 x 32 images at batch 32 took 19 ms there.) An scf.forall over groups of
/// images (threads share them) does each group's product, then its
/// additions, while its columns are in L2: LeNet's second convolution has
/// 60 KB of columns an image, 3.8 MB in all, which the additions read back
/// from L3 when all the products came first; groups of 4 images keep 240
/// KB (kColumnsChunkBytes).
Value col2imInputGrad(OpBuilder &b, Location loc, RankedTensorType type,
                      Value g, Value w, int64_t stride, int64_t pad) {
  RankedTensorType wType = tensorType(w), gType = tensorType(g);
  Type elem = type.getElementType();
  int64_t n = type.getDimSize(0), c = type.getDimSize(1),
          h = type.getDimSize(2), wd = type.getDimSize(3);
  int64_t o = wType.getDimSize(0), kh = wType.getDimSize(2),
          kw = wType.getDimSize(3);
  int64_t oh = gType.getDimSize(2), ow = gType.getDimSize(3);
  int64_t rows = c * kh * kw, cols = oh * ow;
  // wt[(c, kh, kw), o] and g as [n, o, oh ow].
  Value wt = transpose(
      b, loc, reshape(b, loc, w, RankedTensorType::get({o, rows}, elem)),
      {1, 0});
  Value gFlat =
      reshape(b, loc, g, RankedTensorType::get({n, o, cols}, elem));
  MLIRContext *ctx = b.getContext();
  // Images per group: the most (halving the batch) whose columns fit
  // kColumnsChunkBytes.
  int64_t images = n;
  int64_t bytes = elem.getIntOrFloatBitWidth() / 8;
  while (images > 1 && images * rows * cols * bytes > kColumnsChunkBytes)
    images = images % 2 == 0 ? images / 2 : 1;
  // The gradient `dx` of a group of images gets the windows of the columns
  // of their gradient `gPart`.
  auto addColumns = [&](OpBuilder &b, Value gPart, Value dx) {
    AffineExpr bi, m, j, k;
    bindDims(ctx, bi, m, j, k);
    auto colsType = RankedTensorType::get({images, rows, cols}, elem);
    Value product =
        linalg::GenericOp::create(
            b, loc, TypeRange{colsType}, ValueRange{wt, gPart},
            ValueRange{filledTensor(b, loc, colsType, 0)},
            ArrayRef<AffineMap>{AffineMap::get(4, 0, {m, k}, ctx),
                                AffineMap::get(4, 0, {bi, k, j}, ctx),
                                AffineMap::get(4, 0, {bi, m, j}, ctx)},
            ArrayRef<utils::IteratorType>{
                utils::IteratorType::parallel, utils::IteratorType::parallel,
                utils::IteratorType::parallel, utils::IteratorType::reduction},
            [](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(
                  b, l,
                  ValueRange{arith::AddFOp::create(
                      b, l, args[2],
                      arith::MulFOp::create(b, l, args[0], args[1]))});
            })
            .getResult(0);
    Value windows =
        reshape(b, loc, product,
                RankedTensorType::get({images, c, kh, kw, oh, ow}, elem));
    // `dst` (a window of dx) plus `src` (the columns of one kernel offset),
    // written into `dst`: in place, the window of dx being the sum's
    // destination, so bufferization writes the sum into dx itself.
    AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
    auto addWindow = [&](OpBuilder &b, Value src, Value dst) {
      return linalg::GenericOp::create(
                 b, loc, TypeRange{dst.getType()}, ValueRange{src},
                 ValueRange{dst}, ArrayRef<AffineMap>{id, id},
                 SmallVector<utils::IteratorType>(
                     4, utils::IteratorType::parallel),
                 [](OpBuilder &b, Location l, ValueRange args) {
                   linalg::YieldOp::create(b, l, add(b, l, args[1], args[0]));
                 })
          .getResult(0);
    };
    auto windowType = RankedTensorType::get({images, c, oh, ow}, elem);
    if (pad == 0) {
      // Every window is whole (OH x OW at (kh, kw)): one add in loops over
      // the kernel offsets, rather than KH KW adds of the same shape (25
      // loop nests in one function for LeNet's second convolution, a
      // quarter of a second of LLVM's time).
      Value zero = arith::ConstantIndexOp::create(b, loc, 0),
            one = arith::ConstantIndexOp::create(b, loc, 1),
            rowsEnd = arith::ConstantIndexOp::create(b, loc, kh),
            colsEnd = arith::ConstantIndexOp::create(b, loc, kw);
      auto rowsLoop = scf::ForOp::create(
          b, loc, zero, rowsEnd, one, ValueRange{dx},
          [&](OpBuilder &b, Location l, Value i, ValueRange outer) {
            auto colsLoop = scf::ForOp::create(
                b, l, zero, colsEnd, one, outer,
                [&](OpBuilder &b, Location l, Value j, ValueRange inner) {
                  auto attr = [&](int64_t v) -> OpFoldResult {
                    return b.getIndexAttr(v);
                  };
                  Value src = tensor::ExtractSliceOp::create(
                      b, l, windowType, windows,
                      ArrayRef<OpFoldResult>{attr(0), attr(0), i, j, attr(0),
                                             attr(0)},
                      ArrayRef<OpFoldResult>{attr(images), attr(c), attr(1),
                                             attr(1), attr(oh), attr(ow)},
                      SmallVector<OpFoldResult>(6, attr(1)));
                  SmallVector<OpFoldResult> at = {attr(0), attr(0), i, j},
                                            sizes = {attr(images), attr(c),
                                                     attr(oh), attr(ow)},
                                            steps = {attr(1), attr(1),
                                                     attr(stride),
                                                     attr(stride)};
                  Value dst = tensor::ExtractSliceOp::create(b, l, inner[0], at,
                                                             sizes, steps);
                  scf::YieldOp::create(
                      b, l,
                      ValueRange{tensor::InsertSliceOp::create(
                                     b, l, addWindow(b, src, dst), inner[0], at,
                                     sizes, steps)
                                     .getResult()});
                });
            scf::YieldOp::create(b, l, colsLoop.getResults());
          });
      return rowsLoop.getResult(0);
    }
    // dx[n, c, p s + i - pad, q s + j - pad] gets cols[n, c, i, j, p, q]
    // wherever that element of dx exists: for p in [p0, p1), q in [q0, q1).
    auto valid = [&](int64_t k, int64_t size, int64_t outSize) {
      int64_t first =
          std::max<int64_t>(0, llvm::divideCeilSigned(pad - k, stride));
      int64_t end = std::min<int64_t>(
          outSize, llvm::divideFloorSigned(size - 1 + pad - k, stride) + 1);
      return std::pair(first, end);
    };
    for (int64_t i = 0; i < kh; ++i)
      for (int64_t jj = 0; jj < kw; ++jj) {
        auto [p0, p1] = valid(i, h, oh);
        auto [q0, q1] = valid(jj, wd, ow);
        if (p0 >= p1 || q0 >= q1)
          continue;
        auto type = RankedTensorType::get({images, c, p1 - p0, q1 - q0}, elem);
        Value src = reshape(b, loc,
                            extractAt(b, loc, windows, {0, 0, i, jj, p0, q0},
                                      {images, c, 1, 1, p1 - p0, q1 - q0},
                                      {1, 1, 1, 1, 1, 1}),
                            type);
        SmallVector<int64_t> at = {0, 0, p0 * stride + i - pad,
                                   q0 * stride + jj - pad},
                             steps = {1, 1, stride, stride};
        Value dst = extractAt(b, loc, dx, at, type.getShape(), steps);
        dx = insertAt(b, loc, addWindow(b, src, dst), dx, at, steps);
      }
    return dx;
  };
  if (images == n)
    return addColumns(b, gFlat, filledTensor(b, loc, type, 0));
  // (The columns of a group are a buffer of the loop's body: the memory
  // plan gives each iteration its own.)
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(n / images)},
      ValueRange{filledTensor(b, loc, type, 0)}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getBody());
  Value image =
      arith::MulIOp::create(b, loc, forall.getInductionVars()[0],
                            arith::ConstantIndexOp::create(b, loc, images));
  Value dxAll = forall.getRegionIterArgs()[0];
  auto at = [&](int64_t rank) {
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
    offsets[0] = image;
    return offsets;
  };
  auto sizes = [&](ArrayRef<int64_t> shape) {
    SmallVector<OpFoldResult> result = {b.getIndexAttr(images)};
    for (int64_t d : shape)
      result.push_back(b.getIndexAttr(d));
    return result;
  };
  SmallVector<OpFoldResult> ones(4, b.getIndexAttr(1));
  auto slice = [&](Value source, ArrayRef<int64_t> shape) {
    return tensor::ExtractSliceOp::create(
               b, loc, source, at(shape.size() + 1), sizes(shape),
               ArrayRef(ones).take_front(shape.size() + 1))
        .getResult();
  };
  Value dx = addColumns(b, slice(gFlat, {o, cols}), slice(dxAll, {c, h, wd}));
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, dx, dxAll, at(4),
                                        sizes({c, h, wd}), ones);
  return forall.getResult(0);
}

/// The input gradient of a stride-1 convolution as a convolution: the
/// gradient padded by the kernel size less one less the padding,
/// correlated with the weights flipped and transposed to [C, O, KH, KW]
/// (no columns, no adds). Its FMAs are C O KH KW per input pixel, col2im's
/// per output pixel: taken where the input is no larger than the output
/// (LeNet's second convolution, 14 x 14 to 10 x 10, keeps col2im: 1.49x
/// its time this way). A ResNet-like model's 16-channel 3 x 3 convolutions
/// of 32 x 32 (col2im's product over 16 filters, then 9 window adds):
/// training step 0.937x the time; a CIFAR-like 32 -> 64 channels 0.99x. With
/// padding wider than the kernel less one, the result is computed wider
/// and cut.
static Value correlatedInputGrad(OpBuilder &b, Location loc,
                                 RankedTensorType type, Value g, Value w,
                                 int64_t pad) {
  RankedTensorType wType = tensorType(w);
  Type elem = type.getElementType();
  int64_t n = type.getDimSize(0), c = type.getDimSize(1);
  int64_t o = wType.getDimSize(0), kh = wType.getDimSize(2),
          kw = wType.getDimSize(3);
  // Per spatial axis: `extra` rows on each side when the padding exceeds
  // the kernel less one, cut off at the end; the gradient starts at
  // `offset`.
  SmallVector<int64_t> big = {n, o, 0, 0}, offsets = {0, 0, 0, 0};
  int64_t extra[2];
  for (int axis = 0; axis < 2; ++axis) {
    int64_t k = wType.getDimSize(2 + axis), len = type.getDimSize(2 + axis);
    extra[axis] = std::max<int64_t>(0, pad - (k - 1));
    offsets[2 + axis] = k - 1 - pad + extra[axis];
    big[2 + axis] = len + 2 * extra[axis] + k - 1;
  }
  Value padded = insertAt(
      b, loc, g, filledTensor(b, loc, RankedTensorType::get(big, elem), 0),
      offsets);
  // wt[c, o, kh, kw] = w[o, c, KH - 1 - kh, KW - 1 - kw]
  MLIRContext *ctx = b.getContext();
  AffineExpr d0, d1, d2, d3;
  bindDims(ctx, d0, d1, d2, d3);
  auto flipped = RankedTensorType::get({c, o, kh, kw}, elem);
  Value wt =
      linalg::GenericOp::create(
          b, loc, TypeRange{flipped}, ValueRange{w},
          ValueRange{emptyTensor(b, loc, flipped)},
          ArrayRef<AffineMap>{
              AffineMap::get(4, 0, {d1, d0, kh - 1 - d2, kw - 1 - d3}, ctx),
              AffineMap::getMultiDimIdentityMap(4, ctx)},
          SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
          [](OpBuilder &b, Location l, ValueRange args) {
            linalg::YieldOp::create(b, l, args[0]);
          })
          .getResult(0);
  auto wideType =
      RankedTensorType::get({n, c, type.getDimSize(2) + 2 * extra[0],
                             type.getDimSize(3) + 2 * extra[1]},
                            elem);
  Value dx = conv(b, loc, wideType, padded, wt, 1, 1);
  if (wideType != type)
    dx = extractAt(b, loc, dx, {0, 0, extra[0], extra[1]}, type.getShape(),
                   {1, 1, 1, 1});
  return dx;
}

struct Conv2dInputGradLowering : OpConversionPattern<dl::Conv2dInputGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::Conv2dInputGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType(), gType = tensorType(adaptor.getGrad());
    Value dx =
        op.getStride() == 1 && type.getDimSize(2) * type.getDimSize(3) <=
                                   gType.getDimSize(2) * gType.getDimSize(3)
            ? correlatedInputGrad(rewriter, op.getLoc(), type,
                                  adaptor.getGrad(), adaptor.getW(),
                                  op.getPad())
            : col2imInputGrad(rewriter, op.getLoc(), type, adaptor.getGrad(),
                              adaptor.getW(), op.getStride(), op.getPad());
    rewriter.replaceOp(op, dx);
    return success();
  }
};

struct Conv2dWeightGradLowering : OpConversionPattern<dl::Conv2dWeightGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::Conv2dWeightGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    // out[c, o, kh, kw] = sum_{n, oh, ow} xt[c, n, kh + oh s, kw + ow s]
    //                                     * gt[o, n, oh, ow]
    Value xt = transpose(rewriter, loc,
                         padSpatial(rewriter, loc, adaptor.getX(), op.getPad()),
                         {1, 0, 2, 3});
    Value gt = transpose(rewriter, loc, adaptor.getGrad(), {1, 0, 2, 3});
    auto swapped = RankedTensorType::get(
        {type.getDimSize(1), type.getDimSize(0), type.getDimSize(2),
         type.getDimSize(3)},
        type.getElementType());
    Value dw = conv(rewriter, loc, swapped, xt, gt, 1, op.getStride());
    rewriter.replaceOp(op, transpose(rewriter, loc, dw, {1, 0, 2, 3}));
    return success();
  }
};

/// The first position (kh * size + kw, row-major) of each window's maximum,
/// as i32 [N, C, OH, OW]. Small windows with a stride (kUnrolledWindow) are
/// one parallel loop nest over the windows reading an input per position
/// (as the forward pooling), the running maximum and its position in
/// registers; others a loop nest over the window too.
Value windowArgmax(OpBuilder &b, Location loc, Value x,
                   RankedTensorType pooled, int64_t size, int64_t stride) {
  MLIRContext *ctx = b.getContext();
  Type elem = pooled.getElementType(), i32 = b.getI32Type();
  auto idxType = RankedTensorType::get(pooled.getShape(), i32);
  // Either way the maximum starts at -inf and position 0, and a position
  // takes over only when its element is greater.
  Value start = lowest(b, loc, elem);
  if (stride > 1 && size * size <= kUnrolledWindow) {
    SmallVector<AffineMap> maps = windowPositionMaps(ctx, size, stride);
    SmallVector<Value> inputs(maps.size(), x), positions;
    for (int64_t k = 0; k < size * size; ++k)
      positions.push_back(scalar(b, loc, i32, k));
    maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
    return linalg::GenericOp::create(
               b, loc, TypeRange{idxType}, inputs,
               ValueRange{emptyTensor(b, loc, idxType)}, maps,
               SmallVector<utils::IteratorType>(4,
                                                utils::IteratorType::parallel),
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 Value best = start, at = positions[0];
                 for (int64_t k = 0; k < size * size; ++k) {
                   Value better = arith::CmpFOp::create(
                       nb, l, arith::CmpFPredicate::OGT, args[k], best);
                   best = arith::SelectOp::create(nb, l, better, args[k], best);
                   at = arith::SelectOp::create(nb, l, better, positions[k], at);
                 }
                 linalg::YieldOp::create(nb, l, at);
               })
        .getResult(0);
  }
  AffineExpr n, c, oh, ow, kh, kw;
  bindDims(ctx, n, c, oh, ow, kh, kw);
  SmallVector<AffineMap> maps = {
      AffineMap::get(6, 0, {n, c, oh * stride + kh, ow * stride + kw}, ctx),
      AffineMap::get(6, 0, {kh, kw}, ctx),
      AffineMap::get(6, 0, {n, c, oh, ow}, ctx),
      AffineMap::get(6, 0, {n, c, oh, ow}, ctx)};
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  iterators.append(2, utils::IteratorType::reduction);
  Value window = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{size, size},
                                         elem);
  Value best = linalg::FillOp::create(b, loc, start,
                                      emptyTensor(b, loc, pooled))
                   .getResult(0);
  Value first = filledTensor(b, loc, idxType, 0);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{pooled, idxType}, ValueRange{x, window},
      ValueRange{best, first}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value k = add(nb, l,
                      mul(nb, l, linalg::IndexOp::create(nb, l, 4),
                          arith::ConstantIndexOp::create(nb, l, size)),
                      linalg::IndexOp::create(nb, l, 5));
        k = arith::IndexCastOp::create(nb, l, i32, k);
        Value better = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT,
                                             args[0], args[2]);
        linalg::YieldOp::create(
            nb, l,
            ValueRange{
                arith::SelectOp::create(nb, l, better, args[0], args[2]),
                arith::SelectOp::create(nb, l, better, k, args[3])});
      });
  return generic.getResult(1);
}

/// The input gradient of `type` from the windows' gradient `g` (and, for
/// max pooling, `argmax`) where the windows overlap or leave gaps, by
/// phases: with s the stride, input (y, x) = (s qy + ry, s qx + rx) gets
/// the shares of windows (qy - wy, qx - wx), wy and wx below ceil(size /
/// s), whose position (ry + wy s, rx + wx s) is in the window: all of the
/// gradient for the window's argmax, 1 / size^2 of it for average
/// pooling. One generic per phase (ry, rx) computes its plane [N, C, Hq,
/// Wq] (Hq = ceil(H / s)) from `g` shifted by wy and wx, padded in front
/// with zeros so that every read is in bounds: rows read and written as
/// vectors. The planes, laid out [N, C, Hq, s, s, Wq], are the input
/// gradient once the last two dimensions swap (for s = 2, pairs of rows
/// interleaved in registers). The shares of an input are added in the
/// order of their positions in the window. (Each window position's shares
/// added into a strided view of the gradient, one pass per position,
/// moved every element alone: 3 x 3 windows with stride 2 over [32, 32,
/// 32, 32] took 9 passes of 107 us.)
Value spreadByPhases(OpBuilder &b, Location loc, RankedTensorType type, Value g,
                     Value argmax, int64_t size, int64_t stride) {
  Type elem = type.getElementType(), i32 = b.getI32Type();
  int64_t n = type.getDimSize(0), c = type.getDimSize(1),
          h = type.getDimSize(2), w = type.getDimSize(3);
  int64_t reach = llvm::divideCeil(size, stride);
  int64_t hq = llvm::divideCeil(h, stride), wq = llvm::divideCeil(w, stride);
  // Window (oh, ow) at (oh + reach - 1, ow + reach - 1): OH <= Hq.
  auto padded = [&](Value v, Type e) {
    auto t = RankedTensorType::get({n, c, hq + reach - 1, wq + reach - 1}, e);
    return insertAt(b, loc, v, filledTensor(b, loc, t, 0),
                    {0, 0, reach - 1, reach - 1});
  };
  Value gp = padded(g, elem), ap = argmax ? padded(argmax, i32) : Value();
  auto planeType = RankedTensorType::get({n, c, hq, wq}, elem);
  auto planesType = RankedTensorType::get({n, c, hq, stride, stride, wq}, elem);
  Value planes = emptyTensor(b, loc, planesType);
  // (Constants outside the bodies: the vectorized loops broadcast them.)
  Value zero = scalar(b, loc, elem, 0),
        area = scalar(b, loc, elem, size * size);
  for (int64_t ry = 0; ry < stride; ++ry)
    for (int64_t rx = 0; rx < stride; ++rx) {
      SmallVector<Value> inputs, positions;
      for (int64_t wy = 0; ry + wy * stride < size; ++wy)
        for (int64_t wx = 0; rx + wx * stride < size; ++wx) {
          // (Windows shifted by wy and wx: slices of the padded tensors.)
          auto shifted = [&](Value v) {
            return extractAt(b, loc, v, {0, 0, reach - 1 - wy, reach - 1 - wx},
                             {n, c, hq, wq}, {1, 1, 1, 1});
          };
          inputs.push_back(shifted(gp));
          if (argmax) {
            inputs.push_back(shifted(ap));
            positions.push_back(scalar(
                b, loc, i32, (ry + wy * stride) * size + rx + wx * stride));
          }
        }
      Value plane;
      if (inputs.empty()) { // (Gaps: no window reaches this phase.)
        plane = filledTensor(b, loc, planeType, 0);
      } else {
        plane =
            linalg::GenericOp::create(
                b, loc, TypeRange{planeType}, inputs,
                ValueRange{emptyTensor(b, loc, planeType)},
                SmallVector<AffineMap>(
                    inputs.size() + 1,
                    AffineMap::getMultiDimIdentityMap(4, b.getContext())),
                SmallVector<utils::IteratorType>(4,
                                                 utils::IteratorType::parallel),
                [&](OpBuilder &nb, Location l, ValueRange args) {
                  Value sum;
                  unsigned per = argmax ? 2 : 1;
                  for (unsigned t = 0; t * per < inputs.size(); ++t) {
                    Value share = args[t * per];
                    if (argmax) {
                      Value hit = arith::CmpIOp::create(
                          nb, l, arith::CmpIPredicate::eq, args[t * per + 1],
                          positions[t]);
                      share = arith::SelectOp::create(nb, l, hit, share, zero);
                    } else {
                      share = div(nb, l, share, area);
                    }
                    sum = sum ? add(nb, l, sum, share) : share;
                  }
                  linalg::YieldOp::create(nb, l, sum);
                })
                .getResult(0);
      }
      plane = reshape(b, loc, plane,
                      RankedTensorType::get({n, c, hq, 1, 1, wq}, elem));
      planes = insertAt(b, loc, plane, planes, {0, 0, 0, ry, rx, 0});
    }
  if (stride > 1)
    planes = transpose(b, loc, planes, {0, 1, 2, 3, 5, 4});
  Value dx =
      reshape(b, loc, planes,
              RankedTensorType::get({n, c, hq * stride, wq * stride}, elem));
  if (hq * stride != h || wq * stride != w)
    dx = extractAt(b, loc, dx, {0, 0, 0, 0}, {n, c, h, w}, {1, 1, 1, 1});
  return dx;
}

/// Whether the windows of a pooling into `gType` from `type` are disjoint
/// (stride >= size) and their strides tile a part of the input from its
/// corner (OH * stride <= H, the same for W): what spreadDisjointWindows
/// needs.
bool disjointWindows(RankedTensorType type, RankedTensorType gType,
                     int64_t size, int64_t stride) {
  return stride >= size &&
         gType.getDimSize(2) * stride <= type.getDimSize(2) &&
         gType.getDimSize(3) * stride <= type.getDimSize(3);
}

/// The input gradient of disjoint windows (disjointWindows) written in one
/// pass, without a read of its own: dx viewed as [N, C, OH, stride, OW *
/// stride] (each window's cell of stride x stride inputs as `stride` rows
/// of a row of cells), element (r, x) of a cell row gets its window's
/// gradient g[n, c, oh, x / stride] when its place in the window,
/// `place[r, x]` (r * size + x mod stride, or -1 outside the window: a
/// constant), is `argmax[n, c, oh, x / stride]`; without `argmax` (average
/// pooling) when it is in the window, divided by the window's size. Inputs
/// beyond the cells get 0.
Value spreadDisjointWindows(OpBuilder &b, Location loc, RankedTensorType type,
                            Value g, Value argmax, int64_t size,
                            int64_t stride) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType gType = tensorType(g);
  Type elem = type.getElementType(), i32 = b.getI32Type();
  int64_t n = type.getDimSize(0), c = type.getDimSize(1),
          oh = gType.getDimSize(2), ow = gType.getDimSize(3);
  int64_t row = ow * stride;
  SmallVector<int32_t> places;
  for (int64_t r = 0; r < stride; ++r)
    for (int64_t x = 0; x < row; ++x)
      places.push_back(r < size && x % stride < size
                           ? int32_t(r * size + x % stride)
                           : -1);
  auto placeType = RankedTensorType::get({stride, row}, i32);
  Value place = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(placeType, ArrayRef<int32_t>(places)));
  AffineExpr d[5];
  for (unsigned i = 0; i < 5; ++i)
    d[i] = getAffineDimExpr(i, ctx);
  AffineMap window =
      AffineMap::get(5, 0, {d[0], d[1], d[2], d[4].floorDiv(stride)}, ctx);
  SmallVector<Value> inputs = {place, g};
  SmallVector<AffineMap> maps = {AffineMap::get(5, 0, {d[3], d[4]}, ctx),
                                 window};
  if (argmax) {
    inputs.push_back(argmax);
    maps.push_back(window);
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(5, ctx));
  auto cellsType = RankedTensorType::get({n, c, oh, stride, row}, elem);
  // (Constants outside the body: the vectorized loop broadcasts them.)
  Value zero = scalar(b, loc, elem, 0), none, area;
  if (!argmax) {
    none = scalar(b, loc, i32, -1);
    area = scalar(b, loc, elem, size * size);
  }
  Value cells =
      linalg::GenericOp::create(
          b, loc, TypeRange{cellsType}, inputs,
          ValueRange{emptyTensor(b, loc, cellsType)}, maps,
          SmallVector<utils::IteratorType>(5, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value hit, share = args[1];
            if (argmax) {
              hit = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq,
                                          args[0], args[2]);
            } else {
              hit = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ne,
                                          args[0], none);
              share = div(nb, l, share, area);
            }
            linalg::YieldOp::create(
                nb, l, ValueRange{arith::SelectOp::create(nb, l, hit, share,
                                                          zero)});
          })
          .getResult(0);
  auto coveredType =
      RankedTensorType::get({n, c, oh * stride, row}, elem);
  Value dx = reshape(b, loc, cells, coveredType);
  if (coveredType != type)
    dx = insertAt(b, loc, dx, filledTensor(b, loc, type, 0), {0, 0, 0, 0});
  return dx;
}

struct MaxPool2dGradLowering : OpConversionPattern<dl::MaxPool2dGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::MaxPool2dGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t size = op.getSize(), stride = op.getStride();
    Value argmax = windowArgmax(rewriter, loc, adaptor.getX(),
                                tensorType(adaptor.getGrad()), size, stride);
    if (disjointWindows(op.getType(), tensorType(adaptor.getGrad()), size,
                        stride)) {
      rewriter.replaceOp(op, spreadDisjointWindows(rewriter, loc, op.getType(),
                                                   adaptor.getGrad(), argmax,
                                                   size, stride));
      return success();
    }
    rewriter.replaceOp(op,
                       spreadByPhases(rewriter, loc, op.getType(),
                                      adaptor.getGrad(), argmax, size, stride));
    return success();
  }
};

struct AvgPool2dGradLowering : OpConversionPattern<dl::AvgPool2dGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::AvgPool2dGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    int64_t size = op.getSize(), stride = op.getStride();
    if (disjointWindows(op.getType(), tensorType(adaptor.getGrad()), size,
                        stride)) {
      rewriter.replaceOp(op, spreadDisjointWindows(
                                 rewriter, op.getLoc(), op.getType(),
                                 adaptor.getGrad(), Value(), size, stride));
      return success();
    }
    rewriter.replaceOp(op, spreadByPhases(rewriter, op.getLoc(), op.getType(),
                                          adaptor.getGrad(), Value(), size,
                                          stride));
    return success();
  }
};

struct GatherGradLowering : OpConversionPattern<dl::GatherGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::GatherGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type elem = type.getElementType();
    int64_t vocab = type.getDimSize(0), dim = type.getDimSize(1);
    int64_t count = tensorType(adaptor.getIds()).getNumElements();
    Value ids = reshape(rewriter, loc, adaptor.getIds(),
                        RankedTensorType::get({count}, rewriter.getI32Type()));
    Value g = reshape(rewriter, loc, adaptor.getGrad(),
                      RankedTensorType::get({count, dim}, elem));
    auto rowType = RankedTensorType::get({1, dim}, elem);
    auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(rewriter, loc, v); };
    auto loop = scf::ForOp::create(
        rewriter, loc, c(0), c(count), c(1),
        ValueRange{filledTensor(rewriter, loc, type, 0)},
        [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
          // Ids were checked against the vocabulary before the entry ran;
          // the clamp keeps every access in bounds regardless.
          Value id = arith::IndexCastOp::create(
              b, l, b.getIndexType(), tensor::ExtractOp::create(b, l, ids, i));
          id = arith::MinSIOp::create(
              b, l,
              arith::MaxSIOp::create(b, l, id,
                                     arith::ConstantIndexOp::create(b, l, 0)),
              arith::ConstantIndexOp::create(b, l, vocab - 1));
          SmallVector<OpFoldResult> unit = {b.getIndexAttr(1), b.getIndexAttr(1)};
          SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1),
                                             b.getIndexAttr(dim)};
          Value row = tensor::ExtractSliceOp::create(
              b, l, rowType, g, ArrayRef<OpFoldResult>{i, b.getIndexAttr(0)},
              sizes, unit);
          SmallVector<OpFoldResult> at = {id, b.getIndexAttr(0)};
          Value old = tensor::ExtractSliceOp::create(b, l, rowType, acc[0], at,
                                                     sizes, unit);
          Value sum = elementwise(b, l, rowType, {old, row},
                                  [](OpBuilder &nb, Location nl, ValueRange a) {
                                    return add(nb, nl, a[0], a[1]);
                                  });
          scf::YieldOp::create(
              b, l,
              ValueRange{tensor::InsertSliceOp::create(b, l, sum, acc[0], at,
                                                       sizes, unit)
                             .getResult()});
        });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

} // namespace

void dlc::populateNNGradientsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2dInputGradLowering, Conv2dWeightGradLowering,
               MaxPool2dGradLowering, AvgPool2dGradLowering,
               GatherGradLowering>(patterns.getContext());
}
