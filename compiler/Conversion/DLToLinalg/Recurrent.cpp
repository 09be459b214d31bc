//===- Recurrent.cpp - dl.lstm and dl.lstm_grad to loops over time --------===//
//
// An LSTM layer is one scf.for over time on tensors: each step multiplies
// the previous hidden state by the recurrent weights (a linalg.matmul,
// tiled, vectorized and shared among threads like any product), then one
// generic computes the gates and the new cell and hidden states, which are
// inserted into the sequence results (and the gates, when the gradient
// uses them, into theirs). Its gradient is one loop backwards over time
// from the saved gates and states (backpropagation through time). The code
// of a step exists once, so compile time does not grow with the number of
// steps.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/DLToLinalg/Utils.h"
#include "dialects/DL/IR/DLOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace dlc::lowering;

namespace {

/// The sizes of one LSTM: batch, steps, hidden units, element type.
struct Lstm {
  int64_t B, T, H;
  Type elem;

  Lstm(Value xw, Value whhT) {
    RankedTensorType x = tensorType(xw);
    B = x.getDimSize(0);
    T = x.getDimSize(1);
    H = tensorType(whhT).getDimSize(0);
    elem = x.getElementType();
  }
  RankedTensorType type(ArrayRef<int64_t> shape) const {
    return RankedTensorType::get(shape, elem);
  }
  RankedTensorType state() const { return type({B, H}); }
  /// 0, T and 1: the bounds of a loop over the steps.
  std::array<Value, 3> steps(OpBuilder &b, Location loc) const {
    return {arith::ConstantIndexOp::create(b, loc, 0),
            arith::ConstantIndexOp::create(b, loc, T),
            arith::ConstantIndexOp::create(b, loc, 1)};
  }

  /// Columns [col, col + width) of step `t` of `seq : [B, T, W]`, as [B, width].
  Value step(OpBuilder &b, Location loc, Value seq, Value t, int64_t col,
             int64_t width) const {
    return tensor::ExtractSliceOp::create(
        b, loc, type({B, width}), seq,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), t, b.getIndexAttr(col)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(B), b.getIndexAttr(1),
                               b.getIndexAttr(width)},
        ArrayRef<OpFoldResult>(SmallVector<OpFoldResult>(3, b.getIndexAttr(1))));
  }
  /// `v : [B, W']` written into columns [col, col + W') of step `t` of `seq`.
  Value setStep(OpBuilder &b, Location loc, Value v, Value seq, Value t,
                int64_t col) const {
    return tensor::InsertSliceOp::create(
        b, loc, v, seq,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), t, b.getIndexAttr(col)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(B), b.getIndexAttr(1),
                               b.getIndexAttr(tensorType(v).getDimSize(1))},
        ArrayRef<OpFoldResult>(SmallVector<OpFoldResult>(3, b.getIndexAttr(1))));
  }

  /// `seq : [B, T, H]` after a step of zeros: [B, T + 1, H], whose step t
  /// is h_{t-1} (or c_{t-1}), so no step needs a branch.
  Value afterZeros(OpBuilder &b, Location loc, Value seq) const {
    return insertAt(b, loc, seq, filledTensor(b, loc, type({B, T + 1, H}), 0),
                    {0, 1, 0});
  }

  /// The four gate slices [B, H] of a [B, 4H] tensor (or [H] of a [4H] one).
  SmallVector<Value> gates(OpBuilder &b, Location loc, Value v) const {
    SmallVector<Value> out;
    bool vector = tensorType(v).getRank() == 1;
    for (int64_t k = 0; k < 4; ++k)
      out.push_back(vector ? extractAt(b, loc, v, {k * H}, {H}, {1})
                           : extractAt(b, loc, v, {0, k * H}, {B, H}, {1, 1}));
    return out;
  }
  /// The gate inputs of step `t`: the recurrent product `hw : [B, 4H]`,
  /// the step's input projection and the bias, four slices each.
  SmallVector<Value> gateInputs(OpBuilder &b, Location loc, Value hw, Value xw,
                                Value bhh, Value t) const {
    SmallVector<Value> in = gates(b, loc, hw);
    for (int64_t k = 0; k < 4; ++k)
      in.push_back(step(b, loc, xw, t, k * H, H));
    llvm::append_range(in, gates(b, loc, bhh));
    return in;
  }

  /// A generic over [B, H] whose first inputs are the 12 gate inputs (the
  /// bias ones broadcast along the batch), or with `activated` the 4
  /// activated gates, and the rest [B, H] states, writing into `outs`
  /// ([B, H] each, e.g. a loop's carried states, updated in place); `body`
  /// gets the activated gates i, f, g, o, then the other input scalars and
  /// the current values of the outputs.
  SmallVector<Value>
  overStates(OpBuilder &b, Location loc, ValueRange inputs, ValueRange outs,
             function_ref<SmallVector<Value>(OpBuilder &, Location,
                                             ArrayRef<Value>, ValueRange)>
                 body,
             bool activated = false) const {
    MLIRContext *ctx = b.getContext();
    AffineMap full = AffineMap::getMultiDimIdentityMap(2, ctx);
    AffineMap row = AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx);
    SmallVector<AffineMap> maps;
    for (Value v : inputs)
      maps.push_back(tensorType(v).getRank() == 1 ? row : full);
    maps.append(outs.size(), full);
    SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        b, loc, SmallVector<Type>(outs.size(), state()), inputs, outs, maps,
        iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
          SmallVector<Value> act(args.take_front(4));
          if (!activated)
            for (int64_t k = 0; k < 4; ++k) {
              Value z = arith::AddFOp::create(
                  nb, l, arith::AddFOp::create(nb, l, args[k], args[4 + k]),
                  args[8 + k]);
              act[k] = k == 2 ? Value(math::TanhOp::create(nb, l, z))
                              : sigmoid(nb, l, z);
            }
          SmallVector<Value> out =
              body(nb, l, act, args.drop_front(activated ? 4 : 12));
          linalg::YieldOp::create(nb, l, out);
        });
    return SmallVector<Value>(generic.getResults());
  }
};

/// `x y` ([M, K] x [K, N]) added to `acc`, or to zeros when `acc` is null.
Value product(OpBuilder &b, Location loc, Value x, Value y,
              RankedTensorType type, Value acc = {}) {
  Value init = acc ? acc : filledTensor(b, loc, type, 0);
  return linalg::MatmulOp::create(b, loc, TypeRange{type}, ValueRange{x, y},
                                  ValueRange{init})
      .getResult(0);
}

struct LstmLowering : OpConversionPattern<dl::LstmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::LstmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value xw = adaptor.getXw(), whhT = adaptor.getWhhT(), bhh = adaptor.getBhh();
    Lstm l(xw, whhT);
    std::array<Value, 3> bounds = l.steps(rewriter, loc);
    Value begin = bounds[0], end = bounds[1], one = bounds[2];
    // Carried: the sequences of h and c so far after a step of zeros; step
    // t reads h_{t-1} and c_{t-1} at t and writes h_t and c_t at t + 1;
    // and, for the gradient, the activated gates of the steps so far.
    bool saveGates = !op.getGates().use_empty();
    RankedTensorType extType = l.type({l.B, l.T + 1, l.H});
    SmallVector<Value> inits = {filledTensor(rewriter, loc, extType, 0),
                                filledTensor(rewriter, loc, extType, 0)};
    if (saveGates)
      inits.push_back(emptyTensor(rewriter, loc, tensorType(xw)));
    auto loop = scf::ForOp::create(
        rewriter, loc, begin, end, one, inits,
        [&](OpBuilder &b, Location loc, Value t, ValueRange carried) {
          Value hPrev = l.step(b, loc, carried[0], t, 0, l.H);
          Value hw = product(b, loc, hPrev, whhT, l.type({l.B, 4 * l.H}));
          SmallVector<Value> in = l.gateInputs(b, loc, hw, xw, bhh, t);
          in.push_back(l.step(b, loc, carried[1], t, 0, l.H));
          SmallVector<Value> outs;
          for (int k = 0; k < (saveGates ? 6 : 2); ++k)
            outs.push_back(emptyTensor(b, loc, l.state()));
          SmallVector<Value> hc = l.overStates(
              b, loc, in, outs,
              [&](OpBuilder &b, Location loc, ArrayRef<Value> g, ValueRange s) {
                // c = f c' + i g; h = o tanh(c).
                Value c = arith::AddFOp::create(
                    b, loc, arith::MulFOp::create(b, loc, g[1], s[0]),
                    arith::MulFOp::create(b, loc, g[0], g[2]));
                Value h = arith::MulFOp::create(
                    b, loc, g[3], math::TanhOp::create(b, loc, c));
                SmallVector<Value> out = {h, c};
                if (saveGates)
                  out.append(g.begin(), g.end());
                return out;
              });
          Value next = arith::AddIOp::create(b, loc, t, one);
          SmallVector<Value> yields = {
              l.setStep(b, loc, hc[0], carried[0], next, 0),
              l.setStep(b, loc, hc[1], carried[1], next, 0)};
          if (saveGates) {
            Value gates = carried[2];
            for (int64_t k = 0; k < 4; ++k)
              gates = l.setStep(b, loc, hc[2 + k], gates, t, k * l.H);
            yields.push_back(gates);
          }
          scf::YieldOp::create(b, loc, yields);
        });
    SmallVector<Value> results;
    for (Value ext : loop.getResults().take_front(2))
      results.push_back(extractAt(rewriter, loc, ext, {0, 1, 0},
                                  {l.B, l.T, l.H}, {1, 1, 1}));
    results.push_back(saveGates ? loop.getResult(2)
                                : emptyTensor(rewriter, loc, tensorType(xw)));
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct LstmGradLowering : OpConversionPattern<dl::LstmGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::LstmGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value xw = adaptor.getXw(), whhT = adaptor.getWhhT(), bhh = adaptor.getBhh();
    Value seq = adaptor.getSeq(), cells = adaptor.getCells(),
          gates = adaptor.getGates(), grad = adaptor.getGrad();
    Lstm l(xw, whhT);
    int64_t G = 4 * l.H;
    Value whh = transpose(rewriter, loc, whhT, {1, 0}); // [4H, H]
    Value seqExt = l.afterZeros(rewriter, loc, seq),
          cellsExt = l.afterZeros(rewriter, loc, cells);
    Value zero = filledTensor(rewriter, loc, l.state(), 0);
    std::array<Value, 3> bounds = l.steps(rewriter, loc);
    Value begin = bounds[0], end = bounds[1], one = bounds[2];
    Value last = arith::ConstantIndexOp::create(rewriter, loc, l.T - 1);
    // Carried: dh and dc flowing back from step t + 1, and the gradient
    // of xw (one step written per iteration), which is that of the gates'
    // pre-activations z.
    auto loop = scf::ForOp::create(
        rewriter, loc, begin, end, one,
        ValueRange{zero, zero, emptyTensor(rewriter, loc, tensorType(xw))},
        [&](OpBuilder &b, Location loc, Value s, ValueRange carried) {
          Value t = arith::SubIOp::create(b, loc, last, s);
          Value cPrev = l.step(b, loc, cellsExt, t, 0, l.H);
          SmallVector<Value> in;
          for (int64_t k = 0; k < 4; ++k)
            in.push_back(l.step(b, loc, gates, t, k * l.H, l.H));
          in.append({l.step(b, loc, cells, t, 0, l.H), cPrev,
                     l.step(b, loc, grad, t, 0, l.H), carried[0]});
          // The gradients of the pre-activations z (4 gates) and of c_{t-1}
          // (in place of the carried dc from step t + 1).
          SmallVector<Value> outs;
          for (int64_t k = 0; k < 4; ++k)
            outs.push_back(emptyTensor(b, loc, l.state()));
          outs.push_back(carried[1]);
          SmallVector<Value> d = l.overStates(
              b, loc, in, outs,
              [](OpBuilder &b, Location loc, ArrayRef<Value> g, ValueRange s) {
                Value c = s[0], cp = s[1], dseq = s[2], dhNext = s[3],
                      dcNext = s[8];
                Value oneF = scalar(b, loc, c.getType(), 1);
                auto mulf = [&](Value x, Value y) -> Value {
                  return arith::MulFOp::create(b, loc, x, y);
                };
                auto addf = [&](Value x, Value y) -> Value {
                  return arith::AddFOp::create(b, loc, x, y);
                };
                auto oneMinus = [&](Value x) -> Value {
                  return arith::SubFOp::create(b, loc, oneF, x);
                };
                Value dh = addf(dseq, dhNext);
                Value tc = math::TanhOp::create(b, loc, c);
                Value dc = addf(mulf(mulf(dh, g[3]), oneMinus(mulf(tc, tc))),
                                dcNext);
                Value di = mulf(dc, g[2]), df = mulf(dc, cp),
                      dg = mulf(dc, g[0]), dout = mulf(dh, tc);
                return SmallVector<Value>{
                    mulf(di, mulf(g[0], oneMinus(g[0]))),
                    mulf(df, mulf(g[1], oneMinus(g[1]))),
                    mulf(dg, oneMinus(mulf(g[2], g[2]))),
                    mulf(dout, mulf(g[3], oneMinus(g[3]))), mulf(dc, g[1])};
              },
              /*activated=*/true);
          Value dxw = carried[2];
          for (int64_t k = 0; k < 4; ++k)
            dxw = l.setStep(b, loc, d[k], dxw, t, k * l.H);
          Value dz = l.step(b, loc, dxw, t, 0, G);
          // dh for step t - 1, in place of the carried one.
          Value dh = product(b, loc, dz, whh, l.state(),
                             linalg::FillOp::create(
                                 b, loc, scalar(b, loc, l.elem, 0), carried[0])
                                 .getResult(0));
          scf::YieldOp::create(b, loc, ValueRange{dh, d[4], dxw});
        });
    // The weight and bias gradients sum over the batch and the steps at
    // once, after the loop: one product with B T rows (h_{t-1}, the first
    // T steps of the sequence after a zero step, copied into B T rows)
    // rather than T products with B rows, which each read and wrote all of
    // dW.
    Value dz = loop.getResult(2);
    Value hPrevs = copyOf(rewriter, loc,
                          extractAt(rewriter, loc, seqExt, {0, 0, 0},
                                    {l.B, l.T, l.H}, {1, 1, 1}));
    Value dzRows = reshape(rewriter, loc, dz, l.type({l.B * l.T, G}));
    Value hRows = reshape(rewriter, loc, hPrevs, l.type({l.B * l.T, l.H}));
    Value dW = product(rewriter, loc, transpose(rewriter, loc, hRows, {1, 0}),
                       dzRows, tensorType(whhT));
    Value db = reduceInto(rewriter, loc, dzRows,
                          filledTensor(rewriter, loc, tensorType(bhh), 0));
    rewriter.replaceOp(op, {dz, dW, db});
    return success();
  }

  /// A contiguous copy of `x` (a strided slice), which can then be
  /// reshaped in place.
  static Value copyOf(OpBuilder &b, Location loc, Value x) {
    return linalg::CopyOp::create(b, loc, x, emptyTensor(b, loc, tensorType(x)))
        .getResult(0);
  }

  /// `acc + sum over rows of x` ([B, N] into [N]).
  static Value reduceInto(OpBuilder &b, Location loc, Value x, Value acc) {
    MLIRContext *ctx = b.getContext();
    AffineMap full = AffineMap::getMultiDimIdentityMap(2, ctx);
    AffineMap column = AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx);
    return linalg::GenericOp::create(
               b, loc, TypeRange{acc.getType()}, ValueRange{x}, ValueRange{acc},
               ArrayRef<AffineMap>{full, column},
               ArrayRef<utils::IteratorType>{utils::IteratorType::reduction,
                                             utils::IteratorType::parallel},
               [](OpBuilder &b, Location loc, ValueRange args) {
                 linalg::YieldOp::create(
                     b, loc,
                     ValueRange{arith::AddFOp::create(b, loc, args[0], args[1])});
               })
        .getResult(0);
  }
};

} // namespace

void dlc::populateRecurrentToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LstmLowering, LstmGradLowering>(patterns.getContext());
}
