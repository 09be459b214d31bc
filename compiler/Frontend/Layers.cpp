//===- Layers.cpp - the layers of the .dl language ------------------------===//
//
// dense, conv, batchnorm, rnn, lstm, gru and embedding: each creates its
// params (named after the binding, in PyTorch's layouts and with PyTorch's
// default initializers) and expands to dl ops. The recurrent layers are
// one op over the whole sequence (dl.lstm, dl.gru, dl.rnn), lowered to a
// loop over time (docs/language.md).
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/IRGenImpl.h"

#include "llvm/ADT/StringSwitch.h"

#include <cmath>

using namespace dlc;
using namespace mlir;

static const char *const kLayers[] = {"dense", "conv", "batchnorm", "rnn",
                                      "lstm",  "gru",  "embedding"};

bool FuncGen::isLayer(StringRef name) {
  return llvm::is_contained(kLayers, name);
}

std::vector<std::string> FuncGen::layerNames() {
  return {std::begin(kLayers), std::end(kLayers)};
}

namespace {

/// Builds one layer call bound to `prefix` ("h." or "D.h.").
class LayerGen {
public:
  LayerGen(FuncGen &g, const Expr &call, std::string prefix)
      : g(g), call(call), at(call.loc), prefix(std::move(prefix)) {}

  Value dense(const CallArgs &a);
  Value conv(const CallArgs &a);
  Value batchnorm(const CallArgs &a);
  Value recurrent(const CallArgs &a, StringRef kind);
  Value embedding(const CallArgs &a);

private:
  RankedTensorType f32(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, Float32Type::get(&g.m.ctx));
  }
  /// Declares `prefix + name` and loads it.
  Value param(StringRef name, RankedTensorType type, StringRef init,
              ArrayRef<double> args, bool isState = false) {
    std::string full = prefix + name.str();
    if (!g.m.declareVariable(full, isState, type, init, args, std::nullopt,
                             std::nullopt, std::nullopt, at))
      return {};
    return g.load(full, at);
  }
  /// PyTorch's default for Linear/Conv/RNN weights and biases:
  /// uniform(-1/sqrt(n), 1/sqrt(n)).
  Value uniformParam(StringRef name, RankedTensorType type, int64_t n) {
    double bound = 1.0 / std::sqrt((double)n);
    return param(name, type, "uniform", {-bound, bound});
  }
  std::optional<int64_t> positive(const Expr *e, StringRef what) {
    auto v = g.intArg(e, what);
    if (v && *v <= 0) {
      g.m.error(e->loc, call.name + " " + what + " must be positive, found " +
                            Twine(*v));
      return std::nullopt;
    }
    return v;
  }
  Value reshape(Value x, ArrayRef<int64_t> shape) {
    return g.build<dl::ReshapeOp>(
        at, {x}, {g.attr("shape", g.builder.getDenseI64ArrayAttr(shape))});
  }
  Value slice(Value x, int64_t axis, int64_t start, int64_t size) {
    return g.build<dl::SliceOp>(
        at, {x},
        {g.attr("axis", g.builder.getI64IntegerAttr(axis)),
         g.attr("start", g.builder.getI64IntegerAttr(start)),
         g.attr("size", g.builder.getI64IntegerAttr(size))});
  }
  Value transpose2d(Value x) {
    return g.build<dl::TransposeOp>(
        at, {x}, {g.attr("perm", g.builder.getDenseI64ArrayAttr({1, 0}))});
  }
  Value add(Value a, Value b) { return g.build<dl::AddOp>(at, {a, b}); }
  Value mul(Value a, Value b) { return g.build<dl::MulOp>(at, {a, b}); }
  Value matmul(Value a, Value b) { return g.build<dl::MatmulOp>(at, {a, b}); }

  FuncGen &g;
  const Expr &call;
  SLoc at;
  std::string prefix;
};

Value LayerGen::dense(const CallArgs &a) {
  Value x = g.floatTensorArg(a.slots[0], "dense");
  auto units = x ? positive(a.slots[1], "units") : std::nullopt;
  if (!units)
    return {};
  bool bias = true;
  if (a.slots[3]) {
    auto v = g.boolArg(a.slots[3], "bias");
    if (!v)
      return {};
    bias = *v;
  }
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() != 2 && type.getRank() != 3) {
    g.m.error(a.slots[0]->loc,
              "dense expects an input [batch, features] or [batch, time, "
              "features], found " +
                  dl::formatType(type));
    return {};
  }
  int64_t in = type.getDimSize(type.getRank() - 1);
  Value w = uniformParam("w", f32({in, *units}), in);
  Value y = w ? matmul(x, w) : Value();
  if (y && bias) {
    Value b = uniformParam("b", f32({*units}), in);
    y = b ? add(y, b) : Value();
  }
  return y ? g.applyActivation(a.slots[2], y, at) : Value();
}

Value LayerGen::conv(const CallArgs &a) {
  Value x = g.floatTensorArg(a.slots[0], "conv");
  auto filters = x ? positive(a.slots[1], "filters") : std::nullopt;
  auto kernel = filters ? positive(a.slots[2], "kernel") : std::nullopt;
  if (!kernel)
    return {};
  SmallVector<NamedAttribute> attrs;
  for (auto [slot, name] : {std::pair{3, "stride"}, std::pair{4, "pad"}}) {
    if (!a.slots[slot])
      continue;
    auto v = g.intArg(a.slots[slot], name);
    if (!v)
      return {};
    attrs.push_back(g.attr(name, g.builder.getI64IntegerAttr(*v)));
  }
  bool bias = true;
  if (a.slots[6]) {
    auto v = g.boolArg(a.slots[6], "bias");
    if (!v)
      return {};
    bias = *v;
  }
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() != 4) {
    g.m.error(a.slots[0]->loc,
              "conv expects an NCHW input [batch, channels, height, width], "
              "found " +
                  dl::formatType(type));
    return {};
  }
  int64_t channels = type.getDimSize(1);
  int64_t fanIn = channels * *kernel * *kernel;
  SmallVector<Value> operands = {x};
  Value w = uniformParam("w", f32({*filters, channels, *kernel, *kernel}),
                         fanIn);
  if (!w)
    return {};
  operands.push_back(w);
  if (bias) {
    Value b = uniformParam("b", f32({*filters}), fanIn);
    if (!b)
      return {};
    operands.push_back(b);
  }
  Value y = g.build<dl::Conv2dOp>(at, operands, attrs);
  return y ? g.applyActivation(a.slots[5], y, at) : Value();
}

Value LayerGen::batchnorm(const CallArgs &a) {
  Value x = g.floatTensorArg(a.slots[0], "batchnorm");
  if (!x)
    return {};
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() < 2) {
    g.m.error(a.slots[0]->loc, "batchnorm expects an input [batch, "
                               "channels, ...], found " +
                                   dl::formatType(type));
    return {};
  }
  double momentum = 0.1, eps = 1e-5;
  if (a.slots[1]) {
    auto v = g.floatArg(a.slots[1], "momentum");
    if (!v)
      return {};
    momentum = *v;
  }
  if (a.slots[2]) {
    auto v = g.floatArg(a.slots[2], "eps");
    if (!v)
      return {};
    eps = *v;
  }
  auto channel = f32({type.getDimSize(1)});
  Value gamma = param("gamma", channel, "ones", {});
  Value beta = gamma ? param("beta", channel, "zeros", {}) : Value();
  Value mean = beta ? param("mean", channel, "zeros", {}, true) : Value();
  Value var = mean ? param("var", channel, "ones", {}, true) : Value();
  if (!var)
    return {};
  SmallVector<NamedAttribute> attrs = {
      g.attr("momentum", g.builder.getF64FloatAttr(momentum)),
      g.attr("eps", g.builder.getF64FloatAttr(eps))};
  if (g.training)
    attrs.push_back(g.attr("training", g.builder.getUnitAttr()));
  Operation *op =
      g.buildOp<dl::BatchNormOp>(at, {x, gamma, beta, mean, var}, attrs);
  if (!op)
    return {};
  if (g.training) {
    for (auto [name, result] : {std::pair{"mean", op->getResult(1)},
                                std::pair{"var", op->getResult(2)}}) {
      std::string full = prefix + name;
      dl::AssignOp::create(g.builder, g.m.loc(at),
                           FlatSymbolRefAttr::get(&g.m.ctx, full), result);
      g.loads[full] = result;
    }
  }
  return op->getResult(0);
}

/// rnn, lstm and gru over x : [B, T, I]. The input projection of every
/// step is one matmul; the layer is then one dl.lstm, dl.gru or dl.rnn (a
/// loop over time). An rnn whose activation's derivative does not follow
/// from its value (gelu, softmax, log_softmax) is unrolled over T instead,
/// each step adding the hidden projection. Gates follow PyTorch: lstm (i,
/// f, g, o), gru (r, z, n).
Value LayerGen::recurrent(const CallArgs &a, StringRef kind) {
  Value x = g.floatTensorArg(a.slots[0], kind);
  auto hidden = x ? positive(a.slots[1], "hidden size") : std::nullopt;
  if (!hidden)
    return {};
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() != 3) {
    g.m.error(a.slots[0]->loc, kind + " expects a sequence [batch, time, "
                                      "features], found " +
                                   dl::formatType(type));
    return {};
  }
  const Expr *act = kind == "rnn" ? a.slots[2] : nullptr;
  int64_t B = type.getDimSize(0), T = type.getDimSize(1),
          I = type.getDimSize(2), H = *hidden;
  int64_t gates = kind == "lstm" ? 4 : kind == "gru" ? 3 : 1;
  Value wih = uniformParam("w_ih", f32({gates * H, I}), H);
  Value whh = wih ? uniformParam("w_hh", f32({gates * H, H}), H) : Value();
  Value bih = whh ? uniformParam("b_ih", f32({gates * H}), H) : Value();
  Value bhh = bih ? uniformParam("b_hh", f32({gates * H}), H) : Value();
  if (!bhh)
    return {};
  // x W_ih^T + b_ih for all steps at once: [B*T, I] x [I, G*H].
  Value flat = reshape(x, {B * T, I});
  Value xw = flat ? matmul(flat, transpose2d(wih)) : Value();
  xw = xw ? add(xw, bih) : Value();
  xw = xw ? reshape(xw, {B, T, gates * H}) : Value();
  Value whhT = transpose2d(whh);
  if (!xw || !whhT)
    return {};
  // One op over the whole sequence, lowered to a loop over time (its
  // gradient too): compile time does not grow with T.
  if (kind == "lstm" || kind == "gru") {
    Operation *op = kind == "lstm" ? g.buildOp<dl::LstmOp>(at, {xw, whhT, bhh})
                                   : g.buildOp<dl::GruOp>(at, {xw, whhT, bhh});
    return op ? op->getResult(0) : Value();
  }
  StringRef actName = !act ? "tanh" : act->kind == Expr::Name ? act->name : "";
  if (actName == "tanh" || actName == "relu" || actName == "sigmoid" ||
      actName == "leaky_relu" || actName == "none") {
    Operation *op = g.buildOp<dl::RnnOp>(
        at, {xw, whhT, bhh}, {g.attr("act", g.builder.getStringAttr(actName))});
    return op ? op->getResult(0) : Value();
  }
  Value h;
  SmallVector<Value> steps;
  for (int64_t t = 0; t < T; ++t) {
    Value xt = reshape(slice(xw, 1, t, 1), {B, H});
    // h W_hh^T + b_hh; with h0 = 0 the first step has only the bias.
    Value hw =
        h ? add(matmul(h, whhT), bhh)
          : g.build<dl::BroadcastToOp>(
                at, {bhh},
                {g.attr("shape", g.builder.getDenseI64ArrayAttr({B, H}))});
    h = g.applyActivation(act, add(xt, hw), at);
    if (!h)
      return {};
    steps.push_back(reshape(h, {B, 1, H}));
  }
  if (steps.size() == 1)
    return steps[0];
  return g.build<dl::ConcatOp>(at, steps,
                               {g.attr("axis", g.builder.getI64IntegerAttr(1))});
}

Value LayerGen::embedding(const CallArgs &a) {
  Value ids = g.tensorArg(a.slots[0], IntegerType::get(&g.m.ctx, 32));
  auto vocab = ids ? positive(a.slots[1], "vocab") : std::nullopt;
  auto dim = vocab ? positive(a.slots[2], "dim") : std::nullopt;
  if (!dim)
    return {};
  if (!getElementTypeOrSelf(ids.getType()).isInteger(32)) {
    g.m.error(a.slots[0]->loc, "embedding expects i32 ids, found " +
                                   dl::formatType(ids.getType()));
    return {};
  }
  // nn.Embedding initializes its table from N(0, 1).
  Value table = param("table", f32({*vocab, *dim}), "normal", {0.0, 1.0});
  return table ? g.build<dl::GatherOp>(at, {table, ids}) : Value();
}

} // namespace

Value FuncGen::genLayer(const Expr &call, bool *found) {
  *found = true;
  LayerGen layer(*this, call, frame().scope->prefix + frame().binding + ".");
  CallArgs args;
  StringRef name = call.name;
  if (name == "dense")
    return bindArgs(call, "x, units, act?, bias?", args) ? layer.dense(args)
                                                         : Value();
  if (name == "conv")
    return bindArgs(call, "x, filters, kernel, stride?, pad?, act?, bias?",
                    args)
               ? layer.conv(args)
               : Value();
  if (name == "batchnorm")
    return bindArgs(call, "x, momentum?, eps?", args) ? layer.batchnorm(args)
                                                      : Value();
  if (name == "rnn")
    return bindArgs(call, "x, hidden, act?", args)
               ? layer.recurrent(args, name)
               : Value();
  if (name == "lstm" || name == "gru")
    return bindArgs(call, "x, hidden", args) ? layer.recurrent(args, name)
                                             : Value();
  if (name == "embedding")
    return bindArgs(call, "ids, vocab, dim", args) ? layer.embedding(args)
                                                   : Value();
  *found = false;
  return {};
}
