//===- Recurrent.cpp - dl.lstm, dl.gru, dl.rnn to loops over time ---------===//
//
// A recurrent layer (LSTM, GRU, simple RNN) is one scf.for over time on
// tensors: each step multiplies the previous hidden state by the recurrent
// weights (a linalg.matmul, tiled, vectorized and shared among threads
// like any product), then one generic computes the gates and the new
// states, which are inserted into the sequence results (and the gates,
// when the gradient uses them, into theirs). Its gradient is one loop
// backwards over time from the saved gates and states (backpropagation
// through time), then one product for the recurrent weights' gradient
// over all the steps. The code of a step exists once, so compile time
// does not grow with the number of steps.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/DLToLinalg/Utils.h"
#include "dialects/DL/IR/DLOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace dlc::lowering;

namespace {

/// The sizes of one recurrent layer: batch, steps, hidden units, the
/// gate slices of its input projection (LSTM 4, GRU 3, RNN 1), element
/// type.
struct Recurrence {
  int64_t B, T, H, G;
  Type elem;

  Recurrence(Value xw, Value whhT) {
    RankedTensorType x = tensorType(xw);
    B = x.getDimSize(0);
    T = x.getDimSize(1);
    H = tensorType(whhT).getDimSize(0);
    G = x.getDimSize(2) / H;
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

  /// Step t - 1 of `seq : [B, T, H]` (h_{t-1} or c_{t-1}), and whether t is
  /// the first step, where the state before the sequence is zero (step 0
  /// is read then, and `previous` makes it zero).
  std::pair<Value, Value> previousStep(OpBuilder &b, Location loc, Value seq,
                                       Value t) const {
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value before = arith::MaxSIOp::create(
        b, loc,
        arith::SubIOp::create(b, loc, t,
                              arith::ConstantIndexOp::create(b, loc, 1)),
        zero);
    Value first =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, t, zero);
    return {step(b, loc, seq, before, 0, H), first};
  }
  /// The scalar `state` read from previousStep's slice: zero at the first
  /// step.
  static Value previous(OpBuilder &b, Location loc, Value first, Value state) {
    return arith::SelectOp::create(b, loc, first,
                                   scalar(b, loc, state.getType(), 0), state);
  }

  /// The G gate slices [B, H] of a [B, GH] tensor (or [H] of a [GH] one).
  SmallVector<Value> gates(OpBuilder &b, Location loc, Value v) const {
    SmallVector<Value> out;
    bool vector = tensorType(v).getRank() == 1;
    for (int64_t k = 0; k < G; ++k)
      out.push_back(vector ? extractAt(b, loc, v, {k * H}, {H}, {1})
                           : extractAt(b, loc, v, {0, k * H}, {B, H}, {1, 1}));
    return out;
  }
  /// The first `count` slices [B, H] (G by default) of step `t` of
  /// `seq : [B, T, W]`.
  SmallVector<Value> stepGates(OpBuilder &b, Location loc, Value seq, Value t,
                               int64_t count = 0) const {
    SmallVector<Value> out;
    for (int64_t k = 0; k < (count ? count : G); ++k)
      out.push_back(step(b, loc, seq, t, k * H, H));
    return out;
  }
  /// The gate inputs of step `t`: the recurrent product `hw : [B, GH]`,
  /// the step's input projection and the bias, G slices each.
  SmallVector<Value> gateInputs(OpBuilder &b, Location loc, Value hw, Value xw,
                                Value bhh, Value t) const {
    SmallVector<Value> in = gates(b, loc, hw);
    llvm::append_range(in, stepGates(b, loc, xw, t));
    llvm::append_range(in, gates(b, loc, bhh));
    return in;
  }
  /// `slices` ([B, H] each) written into the columns of step `t` of
  /// `seq : [B, T, W]`, one after another from column 0.
  Value setStepGates(OpBuilder &b, Location loc, ValueRange slices, Value seq,
                     Value t) const {
    for (auto [k, v] : llvm::enumerate(slices))
      seq = setStep(b, loc, v, seq, t, k * H);
    return seq;
  }

  /// A generic over [B, H] reading `inputs` ([B, H] states, or [H] biases
  /// broadcast along the batch) and writing into `outs` ([B, H] each, e.g.
  /// a loop's carried states, updated in place); `body` gets the input
  /// scalars, then the current values of the outputs.
  SmallVector<Value>
  overStates(OpBuilder &b, Location loc, ValueRange inputs, ValueRange outs,
             function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>
                 body) const {
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
          linalg::YieldOp::create(nb, l, body(nb, l, args));
        });
    return SmallVector<Value>(generic.getResults());
  }

  /// The pre-activation of gate `k` from the scalars of gateInputs:
  /// product + input projection + bias.
  Value preActivation(OpBuilder &b, Location loc, ValueRange args,
                      int64_t k) const {
    return add(b, loc, add(b, loc, args[k], args[G + k]), args[2 * G + k]);
  }

  /// The gradients of the recurrent weights and bias from those `dhw :
  /// [B, T, GH]` of every step's recurrent product (plus bias), summed
  /// over the batch and the steps at once: one product with B T rows
  /// (h_{t-1}: a step of zeros, then the first T - 1 steps of `seq`,
  /// copied into B T rows) rather than T products with B rows, which each
  /// read and wrote all of dW.
  std::pair<Value, Value> weightGrads(OpBuilder &b, Location loc, Value seq,
                                      Value dhw) const {
    Value hPrevs = insertAt(b, loc, filledTensor(b, loc, type({B, 1, H}), 0),
                            emptyTensor(b, loc, type({B, T, H})), {0, 0, 0});
    if (T > 1)
      hPrevs = insertAt(
          b, loc, extractAt(b, loc, seq, {0, 0, 0}, {B, T - 1, H}, {1, 1, 1}),
          hPrevs, {0, 1, 0});
    Value dRows = reshape(b, loc, dhw, type({B * T, G * H}));
    Value hRows = reshape(b, loc, hPrevs, type({B * T, H}));
    Value dW = product(b, loc, transpose(b, loc, hRows, {1, 0}), dRows,
                       type({H, G * H}));
    // (As dl.sum lowers: where the input projection's gradient is the same
    // tensor, an LSTM's or an RNN's, its bias gradient is the same op, which
    // CSE merges with this one right after the lowering.)
    Value db = reduce(b, loc, dRows, {0}, ReduceKind::Sum);
    return {dW, db};
  }

  /// `x y` ([M, K] x [K, N]) added to `acc`, or to zeros when `acc` is null.
  static Value product(OpBuilder &b, Location loc, Value x, Value y,
                       RankedTensorType type, Value acc = {}) {
    Value init = acc ? acc : filledTensor(b, loc, type, 0);
    return linalg::MatmulOp::create(b, loc, TypeRange{type}, ValueRange{x, y},
                                    ValueRange{init})
        .getResult(0);
  }
};

/// `dh` (a loop's carried gradient of h_{t-1}, [B, H]) set to zeros, as
/// the init of the product that recomputes it.
Value zeroed(OpBuilder &b, Location loc, Value dh, Type elem) {
  return linalg::FillOp::create(b, loc, scalar(b, loc, elem, 0), dh)
      .getResult(0);
}

/// The gradient of a layer's output sequence as a loop backwards over time
/// takes it: the carried dh entering at the last step, and `seq` ([B, T,
/// H], lowered), of which step t is added to dh at step t. Where only the
/// last step has a gradient (that of `last(h)`: zeros concatenated with
/// one step along the steps), dh enters as that step and `seq` is null:
/// each step adds a state of zeros instead of a step of a [B, T, H]
/// tensor filled with zeros for it (a memset of 884 KB in each training
/// step of the LSTM benchmark).
struct SequenceGrad {
  Value init, seq, zero;

  SequenceGrad(ConversionPatternRewriter &rewriter, Location loc,
               const Recurrence &l, Value dseq, Value lowered) {
    if (Value last = lastStepOnly(rewriter, dseq)) {
      init = reshape(rewriter, loc, last, l.state());
      zero = filledTensor(rewriter, loc, l.state(), 0);
      return;
    }
    init = filledTensor(rewriter, loc, l.state(), 0);
    seq = lowered;
  }
  /// What step `t` adds to the carried dh: a step of `seq`, or zeros.
  Value at(OpBuilder &b, Location loc, const Recurrence &l, Value t) const {
    return seq ? l.step(b, loc, seq, t, 0, l.H) : zero;
  }

private:
  /// The last step ([B, 1, H], lowered) of `dseq` when the other steps
  /// are dl-autodiff's zeros concatenated with it.
  static Value lastStepOnly(ConversionPatternRewriter &rewriter, Value dseq) {
    auto concat = dseq.getDefiningOp<dl::ConcatOp>();
    if (!concat || concat.getAxis() != 1 || concat.getInputs().size() != 2)
      return {};
    auto zeros = concat.getInputs()[0].getDefiningOp<dl::ConstantOp>();
    auto dense =
        zeros ? dyn_cast<DenseFPElementsAttr>(zeros.getValue()) : nullptr;
    Value last = concat.getInputs()[1];
    if (!dense || !dense.isSplat() ||
        !dense.getSplatValue<APFloat>().isZero() ||
        tensorType(last).getDimSize(1) != 1)
      return {};
    return rewriter.getRemappedValue(last);
  }
};

/// The activated LSTM gates i, f, g, o from the scalars of gateInputs.
SmallVector<Value> lstmGates(const Recurrence &l, OpBuilder &b, Location loc,
                             ValueRange args) {
  SmallVector<Value> gates;
  for (int64_t k = 0; k < 4; ++k) {
    Value z = l.preActivation(b, loc, args, k);
    gates.push_back(k == 2 ? Value(math::TanhOp::create(b, loc, z))
                           : sigmoid(b, loc, z));
  }
  return gates;
}

struct LstmLowering : OpConversionPattern<dl::LstmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::LstmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value xw = adaptor.getXw(), whhT = adaptor.getWhhT(), bhh = adaptor.getBhh();
    Recurrence l(xw, whhT);
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
          Value hw = l.product(b, loc, hPrev, whhT, l.type({l.B, 4 * l.H}));
          SmallVector<Value> in = l.gateInputs(b, loc, hw, xw, bhh, t);
          in.push_back(l.step(b, loc, carried[1], t, 0, l.H));
          SmallVector<Value> outs;
          for (int k = 0; k < (saveGates ? 6 : 2); ++k)
            outs.push_back(emptyTensor(b, loc, l.state()));
          SmallVector<Value> hc = l.overStates(
              b, loc, in, outs,
              [&](OpBuilder &b, Location loc, ValueRange args) {
                SmallVector<Value> g = lstmGates(l, b, loc, args);
                // c = f c' + i g; h = o tanh(c).
                Value c = add(b, loc, mul(b, loc, g[1], args[12]),
                              mul(b, loc, g[0], g[2]));
                Value h = mul(b, loc, g[3], math::TanhOp::create(b, loc, c));
                SmallVector<Value> out = {h, c};
                if (saveGates)
                  out.append(g.begin(), g.end());
                return out;
              });
          Value next = arith::AddIOp::create(b, loc, t, one);
          SmallVector<Value> yields = {
              l.setStep(b, loc, hc[0], carried[0], next, 0),
              l.setStep(b, loc, hc[1], carried[1], next, 0)};
          if (saveGates)
            yields.push_back(l.setStepGates(
                b, loc, ValueRange(hc).drop_front(2), carried[2], t));
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
    Value xw = adaptor.getXw(), whhT = adaptor.getWhhT();
    Value seq = adaptor.getSeq(), cells = adaptor.getCells(),
          gates = adaptor.getGates(), grad = adaptor.getGrad();
    Recurrence l(xw, whhT);
    Value whh = transpose(rewriter, loc, whhT, {1, 0}); // [4H, H]
    Value zero = filledTensor(rewriter, loc, l.state(), 0);
    SequenceGrad dseq(rewriter, loc, l, op.getGrad(), grad);
    std::array<Value, 3> bounds = l.steps(rewriter, loc);
    Value begin = bounds[0], end = bounds[1], one = bounds[2];
    Value last = arith::ConstantIndexOp::create(rewriter, loc, l.T - 1);
    // Carried: dh and dc flowing back from step t + 1, and the gradient
    // of xw (one step written per iteration), which is that of the gates'
    // pre-activations z.
    auto loop = scf::ForOp::create(
        rewriter, loc, begin, end, one,
        ValueRange{dseq.init, zero, emptyTensor(rewriter, loc, tensorType(xw))},
        [&](OpBuilder &b, Location loc, Value s, ValueRange carried) {
          Value t = arith::SubIOp::create(b, loc, last, s);
          Value cPrev, first;
          std::tie(cPrev, first) = l.previousStep(b, loc, cells, t);
          SmallVector<Value> in = l.stepGates(b, loc, gates, t);
          in.append({l.step(b, loc, cells, t, 0, l.H), cPrev,
                     dseq.at(b, loc, l, t), carried[0]});
          // The gradients of the pre-activations z (4 gates) and of c_{t-1}
          // (in place of the carried dc from step t + 1).
          SmallVector<Value> outs;
          for (int64_t k = 0; k < 4; ++k)
            outs.push_back(emptyTensor(b, loc, l.state()));
          outs.push_back(carried[1]);
          SmallVector<Value> d = l.overStates(
              b, loc, in, outs,
              [&](OpBuilder &b, Location loc, ValueRange args) {
                ValueRange g = args.take_front(4);
                Value c = args[4], cp = l.previous(b, loc, first, args[5]),
                      dseq = args[6], dhNext = args[7], dcNext = args[12];
                Value oneF = scalar(b, loc, c.getType(), 1);
                auto mulf = [&](Value x, Value y) { return mul(b, loc, x, y); };
                auto addf = [&](Value x, Value y) { return add(b, loc, x, y); };
                auto oneMinus = [&](Value x) { return sub(b, loc, oneF, x); };
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
              });
          Value dxw = l.setStepGates(b, loc, ValueRange(d).take_front(4),
                                     carried[2], t);
          Value dz = l.step(b, loc, dxw, t, 0, 4 * l.H);
          // dh for step t - 1, in place of the carried one.
          Value dh = l.product(b, loc, dz, whh, l.state(),
                               zeroed(b, loc, carried[0], l.elem));
          scf::YieldOp::create(b, loc, ValueRange{dh, d[4], dxw});
        });
    Value dz = loop.getResult(2);
    auto [dW, db] = l.weightGrads(rewriter, loc, seq, dz);
    rewriter.replaceOp(op, {dz, dW, db});
    return success();
  }
};

/// An RNN's activation of `z` (dl.rnn's `act`).
Value rnnActivation(OpBuilder &b, Location loc, StringRef act, double alpha,
                    Value z) {
  if (act == "tanh")
    return math::TanhOp::create(b, loc, z);
  if (act == "sigmoid")
    return sigmoid(b, loc, z);
  if (act == "relu")
    return max(b, loc, z, scalar(b, loc, z.getType(), 0));
  if (act == "leaky_relu")
    return leakyRelu(b, loc, z, alpha);
  return z; // none
}

/// `g` times the derivative of an RNN's activation at the point where its
/// value is `h`.
Value rnnBackward(OpBuilder &b, Location loc, StringRef act, double alpha,
                  Value h, Value g) {
  if (act == "none")
    return g;
  if (act == "tanh" || act == "sigmoid") {
    Value oneF = scalar(b, loc, h.getType(), 1);
    Value slope = act == "tanh" ? sub(b, loc, oneF, mul(b, loc, h, h))
                                : mul(b, loc, h, sub(b, loc, oneF, h));
    return mul(b, loc, g, slope);
  }
  // relu, leaky_relu: h > 0 exactly where the pre-activation is.
  Value zero = scalar(b, loc, h.getType(), 0);
  Value positive =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, h, zero);
  Value otherwise =
      act == "relu" ? zero : mul(b, loc, scalar(b, loc, h.getType(), alpha), g);
  return arith::SelectOp::create(b, loc, positive, g, otherwise);
}

struct RnnLowering : OpConversionPattern<dl::RnnOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::RnnOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value xw = adaptor.getXw(), whhT = adaptor.getWhhT(),
          bhh = adaptor.getBhh();
    StringRef act = op.getAct();
    double alpha = op.getAlpha().convertToDouble();
    Recurrence l(xw, whhT);
    std::array<Value, 3> bounds = l.steps(rewriter, loc);
    // Carried: the sequence of h so far after a step of zeros; step t
    // reads h_{t-1} at t and writes h_t at t + 1.
    auto loop = scf::ForOp::create(
        rewriter, loc, bounds[0], bounds[1], bounds[2],
        ValueRange{filledTensor(rewriter, loc, l.type({l.B, l.T + 1, l.H}), 0)},
        [&](OpBuilder &b, Location loc, Value t, ValueRange carried) {
          Value hPrev = l.step(b, loc, carried[0], t, 0, l.H);
          Value hw = l.product(b, loc, hPrev, whhT, l.state());
          SmallVector<Value> h = l.overStates(
              b, loc, l.gateInputs(b, loc, hw, xw, bhh, t),
              {emptyTensor(b, loc, l.state())},
              [&](OpBuilder &b, Location loc, ValueRange args) {
                return SmallVector<Value>{rnnActivation(
                    b, loc, act, alpha, l.preActivation(b, loc, args, 0))};
              });
          Value next = arith::AddIOp::create(b, loc, t, bounds[2]);
          scf::YieldOp::create(b, loc,
                               l.setStep(b, loc, h[0], carried[0], next, 0));
        });
    rewriter.replaceOp(op, extractAt(rewriter, loc, loop.getResult(0),
                                     {0, 1, 0}, {l.B, l.T, l.H}, {1, 1, 1}));
    return success();
  }
};

struct RnnGradLowering : OpConversionPattern<dl::RnnGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::RnnGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value xw = adaptor.getXw(), whhT = adaptor.getWhhT();
    Value seq = adaptor.getSeq(), grad = adaptor.getGrad();
    StringRef act = op.getAct();
    double alpha = op.getAlpha().convertToDouble();
    Recurrence l(xw, whhT);
    Value whh = transpose(rewriter, loc, whhT, {1, 0});
    std::array<Value, 3> bounds = l.steps(rewriter, loc);
    Value last = arith::ConstantIndexOp::create(rewriter, loc, l.T - 1);
    SequenceGrad dseq(rewriter, loc, l, op.getGrad(), grad);
    // Carried: dh flowing back from step t + 1, and the gradient of xw (one
    // step written per iteration), that of the pre-activation z.
    auto loop = scf::ForOp::create(
        rewriter, loc, bounds[0], bounds[1], bounds[2],
        ValueRange{dseq.init, emptyTensor(rewriter, loc, tensorType(xw))},
        [&](OpBuilder &b, Location loc, Value s, ValueRange carried) {
          Value t = arith::SubIOp::create(b, loc, last, s);
          SmallVector<Value> dz =
              l.overStates(b, loc,
                           {l.step(b, loc, seq, t, 0, l.H),
                            dseq.at(b, loc, l, t), carried[0]},
                           {emptyTensor(b, loc, l.state())},
                           [&](OpBuilder &b, Location loc, ValueRange args) {
                             return SmallVector<Value>{
                                 rnnBackward(b, loc, act, alpha, args[0],
                                             add(b, loc, args[1], args[2]))};
                           });
          Value dxw = l.setStep(b, loc, dz[0], carried[1], t, 0);
          // dh for step t - 1, in place of the carried one.
          Value dh = l.product(b, loc, dz[0], whh, l.state(),
                               zeroed(b, loc, carried[0], l.elem));
          scf::YieldOp::create(b, loc, ValueRange{dh, dxw});
        });
    Value dz = loop.getResult(1);
    auto [dW, db] = l.weightGrads(rewriter, loc, seq, dz);
    rewriter.replaceOp(op, {dz, dW, db});
    return success();
  }
};

struct GruLowering : OpConversionPattern<dl::GruOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::GruOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value xw = adaptor.getXw(), whhT = adaptor.getWhhT(),
          bhh = adaptor.getBhh();
    Recurrence l(xw, whhT);
    std::array<Value, 3> bounds = l.steps(rewriter, loc);
    // Carried: the sequence of h so far after a step of zeros (step t reads
    // h_{t-1} at t and writes h_t at t + 1) and, for the gradient, every
    // step's r, z, n and a_n so far.
    bool saveGates = !op.getGates().use_empty();
    RankedTensorType gatesType =
        cast<RankedTensorType>(op.getGates().getType());
    SmallVector<Value> inits = {
        filledTensor(rewriter, loc, l.type({l.B, l.T + 1, l.H}), 0)};
    if (saveGates)
      inits.push_back(emptyTensor(rewriter, loc, gatesType));
    auto loop = scf::ForOp::create(
        rewriter, loc, bounds[0], bounds[1], bounds[2], inits,
        [&](OpBuilder &b, Location loc, Value t, ValueRange carried) {
          Value hPrev = l.step(b, loc, carried[0], t, 0, l.H);
          Value hw = l.product(b, loc, hPrev, whhT, l.type({l.B, 3 * l.H}));
          SmallVector<Value> in = l.gateInputs(b, loc, hw, xw, bhh, t);
          in.push_back(hPrev);
          SmallVector<Value> outs;
          for (int k = 0; k < (saveGates ? 5 : 1); ++k)
            outs.push_back(emptyTensor(b, loc, l.state()));
          SmallVector<Value> hg = l.overStates(
              b, loc, in, outs,
              [&](OpBuilder &b, Location loc, ValueRange args) {
                // r = sigmoid(x_r + a_r), z = sigmoid(x_z + a_z),
                // n = tanh(x_n + r a_n), h = n + z (h' - n).
                Value r = sigmoid(b, loc, l.preActivation(b, loc, args, 0));
                Value z = sigmoid(b, loc, l.preActivation(b, loc, args, 1));
                Value an = add(b, loc, args[2], args[8]);
                Value n = math::TanhOp::create(
                    b, loc, add(b, loc, args[5], mul(b, loc, r, an)));
                Value h =
                    add(b, loc, n, mul(b, loc, z, sub(b, loc, args[9], n)));
                SmallVector<Value> out = {h};
                if (saveGates)
                  out.append({r, z, n, an});
                return out;
              });
          Value next = arith::AddIOp::create(b, loc, t, bounds[2]);
          SmallVector<Value> yields = {
              l.setStep(b, loc, hg[0], carried[0], next, 0)};
          if (saveGates)
            yields.push_back(l.setStepGates(b, loc, ValueRange(hg).drop_front(),
                                            carried[1], t));
          scf::YieldOp::create(b, loc, yields);
        });
    Value seq = extractAt(rewriter, loc, loop.getResult(0), {0, 1, 0},
                          {l.B, l.T, l.H}, {1, 1, 1});
    rewriter.replaceOp(op, {seq, saveGates
                                     ? loop.getResult(1)
                                     : emptyTensor(rewriter, loc, gatesType)});
    return success();
  }
};

struct GruGradLowering : OpConversionPattern<dl::GruGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::GruGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value xw = adaptor.getXw(), whhT = adaptor.getWhhT();
    Value seq = adaptor.getSeq(), gates = adaptor.getGates(),
          grad = adaptor.getGrad();
    Recurrence l(xw, whhT);
    Value whh = transpose(rewriter, loc, whhT, {1, 0}); // [3H, H]
    std::array<Value, 3> bounds = l.steps(rewriter, loc);
    Value last = arith::ConstantIndexOp::create(rewriter, loc, l.T - 1);
    SequenceGrad dseq(rewriter, loc, l, op.getGrad(), grad);
    // Carried: dh flowing back from step t + 1, and the gradients of xw and
    // of the recurrent product plus bias a (one step of each written per
    // iteration). They differ in the n gate: x_n + r a_n.
    auto loop = scf::ForOp::create(
        rewriter, loc, bounds[0], bounds[1], bounds[2],
        ValueRange{dseq.init, emptyTensor(rewriter, loc, tensorType(xw)),
                   emptyTensor(rewriter, loc, tensorType(xw))},
        [&](OpBuilder &b, Location loc, Value s, ValueRange carried) {
          Value t = arith::SubIOp::create(b, loc, last, s);
          // The saved r, z, n and a_n.
          SmallVector<Value> in = l.stepGates(b, loc, gates, t, 4);
          Value hPrevStep, first;
          std::tie(hPrevStep, first) = l.previousStep(b, loc, seq, t);
          in.append({hPrevStep, dseq.at(b, loc, l, t)});
          // The gradients of the pre-activations of r, z and n, of a_n, and
          // the part of dh_{t-1} through z (in place of the carried dh).
          SmallVector<Value> outs;
          for (int64_t k = 0; k < 4; ++k)
            outs.push_back(emptyTensor(b, loc, l.state()));
          outs.push_back(carried[0]);
          SmallVector<Value> d = l.overStates(
              b, loc, in, outs,
              [&](OpBuilder &b, Location loc, ValueRange args) {
                Value r = args[0], z = args[1], n = args[2], an = args[3],
                      hPrev = l.previous(b, loc, first, args[4]),
                      dseq = args[5], dhNext = args[10];
                Value oneF = scalar(b, loc, r.getType(), 1);
                auto mulf = [&](Value x, Value y) { return mul(b, loc, x, y); };
                auto oneMinus = [&](Value x) { return sub(b, loc, oneF, x); };
                Value dh = add(b, loc, dseq, dhNext);
                Value dn = mulf(mulf(dh, oneMinus(z)), oneMinus(mulf(n, n)));
                Value dz =
                    mulf(mulf(dh, sub(b, loc, hPrev, n)), mulf(z, oneMinus(z)));
                Value dr = mulf(mulf(dn, an), mulf(r, oneMinus(r)));
                return SmallVector<Value>{dr, dz, dn, mulf(dn, r), mulf(dh, z)};
              });
          Value dxw = l.setStepGates(b, loc, ValueRange(d).take_front(3),
                                     carried[1], t);
          Value dhw = l.setStepGates(b, loc, {d[0], d[1], d[3]}, carried[2], t);
          // dh_{t-1} = dh z + da W_hh.
          Value dh = l.product(b, loc, l.step(b, loc, dhw, t, 0, 3 * l.H), whh,
                               l.state(), d[4]);
          scf::YieldOp::create(b, loc, ValueRange{dh, dxw, dhw});
        });
    auto [dW, db] = l.weightGrads(rewriter, loc, seq, loop.getResult(2));
    rewriter.replaceOp(op, {loop.getResult(1), dW, db});
    return success();
  }
};

} // namespace

void dlc::populateRecurrentToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LstmLowering, LstmGradLowering, RnnLowering, RnnGradLowering,
               GruLowering, GruGradLowering>(patterns.getContext());
}
