//===- Builtins.cpp - built-in functions of the .dl language --------------===//
//
// The functions of spec §6 that are not layers: a table from name to
// signature and generator. Signatures are written like Python's
// ("x, alpha?, *rest": `?` optional, `*` variadic); bindArgs matches a call
// against them and reports unknown, missing or repeated arguments.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/IRGenImpl.h"

#include <cmath>
#include <limits>

using namespace dlc;
using namespace mlir;

//===----------------------------------------------------------------------===//
// Argument matching and conversion
//===----------------------------------------------------------------------===//

bool FuncGen::bindArgs(const Expr &call, StringRef signature, CallArgs &out) {
  SmallVector<StringRef> parts;
  signature.split(parts, ", ", -1, /*KeepEmpty=*/false);
  std::vector<std::string> names;
  std::vector<bool> required;
  int variadic = -1;
  for (StringRef part : parts) {
    if (part.consume_front("*")) {
      variadic = names.size();
      names.push_back(part.str());
      required.push_back(false);
      continue;
    }
    bool optional = part.consume_back("?");
    names.push_back(part.str());
    required.push_back(!optional);
  }
  out.call = &call;
  out.slots.assign(names.size(), nullptr);
  size_t next = 0;
  for (const ExprPtr &arg : call.args) {
    if (variadic == 0) {
      out.rest.push_back(arg.get());
      continue;
    }
    while (next < names.size() && (int)next == variadic)
      ++next;
    if (next >= names.size()) {
      size_t max = names.size() - (variadic >= 0 ? 1 : 0);
      return m.error(arg->loc, call.name + " takes at most " + Twine(max) +
                                   " positional argument" +
                                   (max == 1 ? "" : "s") + ", found " +
                                   Twine(call.args.size()));
    }
    out.slots[next++] = arg.get();
  }
  std::vector<std::string> keywordNames;
  for (auto [i, name] : llvm::enumerate(names))
    if ((int)i != variadic)
      keywordNames.push_back(name);
  for (const KwArg &kw : call.kwargs) {
    auto it = std::find(names.begin(), names.end(), kw.name);
    if (it == names.end() || it - names.begin() == variadic)
      return m.error(kw.loc, "unknown keyword argument '" + kw.name +
                                 "' for " + call.name +
                                 didYouMean(kw.name, keywordNames));
    size_t index = it - names.begin();
    if (out.slots[index])
      return m.error(kw.loc, "argument '" + kw.name + "' of " + call.name +
                                 " is given twice");
    out.slots[index] = kw.value.get();
  }
  for (size_t i = 0; i < names.size(); ++i)
    if (required[i] && !out.slots[i])
      return m.error(call.loc, call.name + " is missing its argument '" +
                                   names[i] + "'");
  if (variadic >= 0 && out.rest.empty())
    return m.error(call.loc, call.name + " needs at least one tensor");
  return true;
}

Value FuncGen::tensorArg(const Expr *e, Type elemHint) {
  return genExpr(*e, elemHint);
}

Value FuncGen::floatTensorArg(const Expr *e, StringRef fn) {
  Value v = genExpr(*e);
  if (v && !isa<FloatType>(getElementTypeOrSelf(v.getType()))) {
    m.error(e->loc, fn + " expects a floating-point tensor, found " +
                        dl::formatType(v.getType()));
    return {};
  }
  return v;
}

std::optional<int64_t> FuncGen::intArg(const Expr *e, StringRef what) {
  return m.evalInt(*e, *frame().scope, what);
}

std::optional<double> FuncGen::floatArg(const Expr *e, StringRef what) {
  return m.evalNumber(*e, what);
}

std::optional<bool> FuncGen::boolArg(const Expr *e, StringRef what) {
  if (e->kind == Expr::Bool)
    return e->boolValue;
  m.error(e->loc, what + " must be true or false");
  return std::nullopt;
}

std::optional<SmallVector<int64_t>> FuncGen::intListArg(const Expr *e,
                                                        StringRef what) {
  SmallVector<int64_t> values;
  if (e->kind != Expr::List) {
    auto v = intArg(e, what);
    if (!v)
      return std::nullopt;
    values.push_back(*v);
    return values;
  }
  for (const ExprPtr &element : e->args) {
    auto v = intArg(element.get(), what);
    if (!v)
      return std::nullopt;
    values.push_back(*v);
  }
  return values;
}

Value FuncGen::applyActivation(const Expr *act, Value x, SLoc at) {
  if (!act)
    return x;
  if (act->kind != Expr::Name) {
    m.error(act->loc, "act must be the name of an activation (none, relu, "
                      "leaky_relu, sigmoid, tanh, gelu, softmax, "
                      "log_softmax)");
    return {};
  }
  StringRef name = act->name;
  if (name == "none")
    return x;
  if (name == "relu")
    return build<dl::ReluOp>(at, {x});
  if (name == "leaky_relu")
    return build<dl::LeakyReluOp>(at, {x});
  if (name == "sigmoid")
    return build<dl::SigmoidOp>(at, {x});
  if (name == "tanh")
    return build<dl::TanhOp>(at, {x});
  if (name == "gelu")
    return build<dl::GeluOp>(at, {x});
  if (name == "softmax" || name == "log_softmax") {
    auto rank = cast<RankedTensorType>(x.getType()).getRank();
    auto axis = attr("axis", builder.getI64IntegerAttr(rank - 1));
    return name == "softmax" ? build<dl::SoftmaxOp>(at, {x}, {axis})
                             : build<dl::LogSoftmaxOp>(at, {x}, {axis});
  }
  std::vector<std::string> known = {"none",    "relu", "leaky_relu",
                                    "sigmoid", "tanh", "gelu",
                                    "softmax", "log_softmax"};
  m.error(act->loc, "unknown activation '" + name + "'" +
                        didYouMean(name, known));
  return {};
}

//===----------------------------------------------------------------------===//
// The table of built-in functions
//===----------------------------------------------------------------------===//

namespace {

using Gen = Value (*)(FuncGen &, const CallArgs &);

struct Builtin {
  const char *name;
  const char *signature;
  Gen gen;
};

SLoc at(const CallArgs &a) { return a.call->loc; }

template <typename OpT> Value unary(FuncGen &g, const CallArgs &a) {
  Value x = g.floatTensorArg(a.slots[0], a.call->name);
  return x ? g.build<OpT>(at(a), {x}) : Value();
}

template <typename OpT> Value anyUnary(FuncGen &g, const CallArgs &a) {
  Value x = g.tensorArg(a.slots[0]);
  return x ? g.build<OpT>(at(a), {x}) : Value();
}

/// Two tensors where a literal adopts the other's element type.
bool twoTensors(FuncGen &g, const Expr *ea, const Expr *eb, Value &va,
                Value &vb) {
  if (ea->kind == Expr::Number && eb->kind != Expr::Number) {
    vb = g.tensorArg(eb);
    va = vb ? g.tensorArg(ea, getElementTypeOrSelf(vb.getType())) : Value();
  } else {
    va = g.tensorArg(ea);
    vb = va ? g.tensorArg(eb, getElementTypeOrSelf(va.getType())) : Value();
  }
  return va && vb;
}

template <typename OpT> Value binary(FuncGen &g, const CallArgs &a) {
  Value x, y;
  if (!twoTensors(g, a.slots[0], a.slots[1], x, y))
    return {};
  return g.build<OpT>(at(a), {x, y});
}

Value genLeakyRelu(FuncGen &g, const CallArgs &a) {
  Value x = g.floatTensorArg(a.slots[0], "leaky_relu");
  if (!x)
    return {};
  double alpha = 0.01;
  if (a.slots[1]) {
    auto v = g.floatArg(a.slots[1], "alpha");
    if (!v)
      return {};
    alpha = *v;
  }
  return g.build<dl::LeakyReluOp>(
      at(a), {x}, {g.attr("alpha", g.builder.getF64FloatAttr(alpha))});
}

Value genClip(FuncGen &g, const CallArgs &a) {
  Value x = g.floatTensorArg(a.slots[0], "clip");
  auto lo = x ? g.floatArg(a.slots[1], "lo") : std::nullopt;
  auto hi = lo ? g.floatArg(a.slots[2], "hi") : std::nullopt;
  if (!hi)
    return {};
  if (*lo > *hi) {
    g.m.error(at(a), "clip needs lo <= hi, found lo = " + formatNumber(*lo) +
                         " and hi = " + formatNumber(*hi));
    return {};
  }
  return g.build<dl::ClipOp>(at(a), {x},
                             {g.attr("lo", g.builder.getF64FloatAttr(*lo)),
                              g.attr("hi", g.builder.getF64FloatAttr(*hi))});
}

Value genPow(FuncGen &g, const CallArgs &a) {
  Value x = g.floatTensorArg(a.slots[0], "pow");
  if (!x)
    return {};
  Value p = g.tensorArg(a.slots[1], getElementTypeOrSelf(x.getType()));
  return p ? g.build<dl::PowOp>(at(a), {x, p}) : Value();
}

Value genMatmul(FuncGen &g, const CallArgs &a) {
  Value x = g.floatTensorArg(a.slots[0], "matmul");
  Value y = x ? g.floatTensorArg(a.slots[1], "matmul") : Value();
  return y ? g.build<dl::MatmulOp>(at(a), {x, y}) : Value();
}

Value genTranspose(FuncGen &g, const CallArgs &a) {
  Value x = g.tensorArg(a.slots[0]);
  if (!x)
    return {};
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<int64_t> perm;
  if (a.slots[1]) {
    auto p = g.intListArg(a.slots[1], "perm");
    if (!p)
      return {};
    for (int64_t v : *p)
      perm.push_back(FuncGen::normAxis(v, rank));
  } else {
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  }
  return g.build<dl::TransposeOp>(
      at(a), {x}, {g.attr("perm", g.builder.getDenseI64ArrayAttr(perm))});
}

template <typename OpT> Value reduce(FuncGen &g, const CallArgs &a) {
  Value x = g.tensorArg(a.slots[0]);
  if (!x)
    return {};
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<NamedAttribute> attrs;
  if (a.slots[1]) {
    auto axes = g.intListArg(a.slots[1], "axis");
    if (!axes)
      return {};
    for (int64_t &axis : *axes)
      axis = FuncGen::normAxis(axis, rank);
    attrs.push_back(g.attr("axes", g.builder.getDenseI64ArrayAttr(*axes)));
  }
  if (a.slots[2]) {
    auto keep = g.boolArg(a.slots[2], "keepdims");
    if (!keep)
      return {};
    attrs.push_back(g.attr("keepdims", g.builder.getBoolAttr(*keep)));
  }
  if (std::is_same_v<OpT, dl::MeanOp> &&
      !isa<FloatType>(getElementTypeOrSelf(x.getType()))) {
    g.m.error(at(a), "mean expects a floating-point tensor, found " +
                         dl::formatType(x.getType()));
    return {};
  }
  return g.build<OpT>(at(a), {x}, attrs);
}

Value reshapeTo(FuncGen &g, SLoc loc, Value x, ArrayRef<int64_t> shape) {
  return g.build<dl::ReshapeOp>(
      loc, {x}, {g.attr("shape", g.builder.getDenseI64ArrayAttr(shape))});
}

Value genReshape(FuncGen &g, const CallArgs &a) {
  Value x = g.tensorArg(a.slots[0]);
  if (!x)
    return {};
  if (a.slots[1]->kind != Expr::List) {
    g.m.error(a.slots[1]->loc, "reshape expects a shape list such as "
                               "[B, -1]");
    return {};
  }
  auto shape = g.intListArg(a.slots[1], "a reshape size");
  return shape ? reshapeTo(g, at(a), x, *shape) : Value();
}

Value genFlatten(FuncGen &g, const CallArgs &a) {
  Value x = g.tensorArg(a.slots[0]);
  if (!x)
    return {};
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() < 1) {
    g.m.error(at(a), "flatten expects a tensor of rank >= 1, found " +
                         dl::formatType(type));
    return {};
  }
  return reshapeTo(g, at(a), x, {type.getDimSize(0), -1});
}

Value genConcat(FuncGen &g, const CallArgs &a) {
  SmallVector<Value> inputs;
  for (const Expr *e : a.rest) {
    Value v = g.tensorArg(e);
    if (!v)
      return {};
    inputs.push_back(v);
  }
  int64_t axis = 0;
  if (a.slots[1]) {
    auto v = g.intArg(a.slots[1], "axis");
    if (!v)
      return {};
    axis = *v;
  }
  int64_t rank = cast<RankedTensorType>(inputs[0].getType()).getRank();
  return g.build<dl::ConcatOp>(
      at(a), inputs,
      {g.attr("axis", g.builder.getI64IntegerAttr(
                          FuncGen::normAxis(axis, rank)))});
}

Value genSlice(FuncGen &g, const CallArgs &a) {
  Value x = g.tensorArg(a.slots[0]);
  if (!x)
    return {};
  auto axis = g.intArg(a.slots[1], "axis");
  auto start = axis ? g.intArg(a.slots[2], "start") : std::nullopt;
  auto size = start ? g.intArg(a.slots[3], "size") : std::nullopt;
  if (!size)
    return {};
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  return g.build<dl::SliceOp>(
      at(a), {x},
      {g.attr("axis",
              g.builder.getI64IntegerAttr(FuncGen::normAxis(*axis, rank))),
       g.attr("start", g.builder.getI64IntegerAttr(*start)),
       g.attr("size", g.builder.getI64IntegerAttr(*size))});
}

Value genBroadcastTo(FuncGen &g, const CallArgs &a) {
  Value x = g.tensorArg(a.slots[0]);
  auto shape = x ? g.intListArg(a.slots[1], "a size") : std::nullopt;
  if (!shape)
    return {};
  return g.build<dl::BroadcastToOp>(
      at(a), {x}, {g.attr("shape", g.builder.getDenseI64ArrayAttr(*shape))});
}

template <typename OpT> Value softmaxLike(FuncGen &g, const CallArgs &a) {
  Value x = g.floatTensorArg(a.slots[0], a.call->name);
  if (!x)
    return {};
  int64_t axis = -1;
  if (a.slots[1]) {
    auto v = g.intArg(a.slots[1], "axis");
    if (!v)
      return {};
    axis = *v;
  }
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  return g.build<OpT>(at(a), {x},
                      {g.attr("axis", g.builder.getI64IntegerAttr(
                                          FuncGen::normAxis(axis, rank)))});
}

Value genConv2d(FuncGen &g, const CallArgs &a) {
  SmallVector<Value> operands;
  for (int i = 0; i < 3; ++i) {
    if (!a.slots[i])
      continue;
    Value v = g.floatTensorArg(a.slots[i], "conv2d");
    if (!v)
      return {};
    operands.push_back(v);
  }
  SmallVector<NamedAttribute> attrs;
  for (auto [slot, name] : {std::pair{3, "stride"}, std::pair{4, "pad"}}) {
    if (!a.slots[slot])
      continue;
    auto v = g.intArg(a.slots[slot], name);
    if (!v)
      return {};
    attrs.push_back(g.attr(name, g.builder.getI64IntegerAttr(*v)));
  }
  return g.build<dl::Conv2dOp>(at(a), operands, attrs);
}

template <typename OpT> Value pool(FuncGen &g, const CallArgs &a) {
  Value x = g.floatTensorArg(a.slots[0], a.call->name);
  if (!x)
    return {};
  int64_t size = 2;
  if (a.slots[1]) {
    auto v = g.intArg(a.slots[1], "size");
    if (!v)
      return {};
    size = *v;
  }
  int64_t stride = size;
  if (a.slots[2]) {
    auto v = g.intArg(a.slots[2], "stride");
    if (!v)
      return {};
    stride = *v;
  }
  return g.build<OpT>(at(a), {x},
                      {g.attr("size", g.builder.getI64IntegerAttr(size)),
                       g.attr("stride", g.builder.getI64IntegerAttr(stride))});
}

Value genDropout(FuncGen &g, const CallArgs &a) {
  Value x = g.floatTensorArg(a.slots[0], "dropout");
  auto rate = x ? g.floatArg(a.slots[1], "rate") : std::nullopt;
  if (!rate)
    return {};
  if (*rate < 0 || *rate >= 1) {
    g.m.error(a.slots[1]->loc,
              "dropout rate must be in [0, 1), found " + formatNumber(*rate));
    return {};
  }
  // Default seeds number the dropouts of an entry in order, so masks are
  // deterministic and two dropouts never share one.
  int64_t seed = 0x5eed + g.dropoutCount++;
  if (a.slots[2]) {
    auto v = g.intArg(a.slots[2], "seed");
    if (!v)
      return {};
    seed = *v;
  }
  if (!g.training || *rate == 0)
    return x; // inference mode: the identity
  return g.build<dl::DropoutOp>(
      at(a), {x},
      {g.attr("rate", g.builder.getF64FloatAttr(*rate)),
       g.attr("seed", g.builder.getI64IntegerAttr(seed))});
}

/// The full name of the state an argument names (`bn_mean`, `h.mean`).
std::optional<std::string> stateName(FuncGen &g, const Expr *e,
                                     StringRef what) {
  if (e->kind == Expr::Name) {
    std::string full = g.frame().scope->prefix + e->name;
    if (g.m.lookupVariable(full) &&
        isa<dl::StateOp>(g.m.lookupVariable(full)))
      return full;
  }
  g.m.error(e->loc, "batch_norm's " + what +
                        " must name a state declared with 'state'");
  return std::nullopt;
}

Value genBatchNorm(FuncGen &g, const CallArgs &a) {
  SmallVector<Value> operands;
  for (int i = 0; i < 5; ++i) {
    Value v = g.floatTensorArg(a.slots[i], "batch_norm");
    if (!v)
      return {};
    operands.push_back(v);
  }
  auto meanName = stateName(g, a.slots[3], "mean_state");
  auto varName = meanName ? stateName(g, a.slots[4], "var_state")
                          : std::nullopt;
  if (!varName)
    return {};
  double momentum = 0.1, eps = 1e-5;
  if (a.slots[5]) {
    auto v = g.floatArg(a.slots[5], "momentum");
    if (!v)
      return {};
    momentum = *v;
  }
  if (a.slots[6]) {
    auto v = g.floatArg(a.slots[6], "eps");
    if (!v)
      return {};
    eps = *v;
  }
  SmallVector<NamedAttribute> attrs = {
      g.attr("momentum", g.builder.getF64FloatAttr(momentum)),
      g.attr("eps", g.builder.getF64FloatAttr(eps))};
  if (g.training)
    attrs.push_back(g.attr("training", g.builder.getUnitAttr()));
  Operation *op = g.buildOp<dl::BatchNormOp>(at(a), operands, attrs);
  if (!op)
    return {};
  if (g.training) {
    // Running statistics are updated in training entries only; later reads
    // in the same entry see the new values.
    for (auto [name, result] :
         {std::pair{*meanName, op->getResult(1)},
          std::pair{*varName, op->getResult(2)}}) {
      dl::AssignOp::create(g.builder, g.m.loc(at(a)),
                           FlatSymbolRefAttr::get(&g.m.ctx, name), result);
      g.loads[name] = result;
    }
  }
  return op->getResult(0);
}

Value genOneHot(FuncGen &g, const CallArgs &a) {
  Value labels = g.tensorArg(a.slots[0], IntegerType::get(&g.m.ctx, 32));
  auto n = labels ? g.intArg(a.slots[1], "n") : std::nullopt;
  if (!n)
    return {};
  if (!getElementTypeOrSelf(labels.getType()).isInteger(32)) {
    g.m.error(a.slots[0]->loc, "one_hot expects i32 labels, found " +
                                   dl::formatType(labels.getType()));
    return {};
  }
  return g.build<dl::OneHotOp>(at(a), {labels},
                               {g.attr("n", g.builder.getI64IntegerAttr(*n))});
}

Value genLast(FuncGen &g, const CallArgs &a) {
  Value x = g.tensorArg(a.slots[0]);
  if (!x)
    return {};
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() != 3) {
    g.m.error(at(a), "last expects a sequence [batch, time, features], "
                     "found " +
                         dl::formatType(type));
    return {};
  }
  int64_t steps = type.getDimSize(1);
  Value step = g.build<dl::SliceOp>(
      at(a), {x},
      {g.attr("axis", g.builder.getI64IntegerAttr(1)),
       g.attr("start", g.builder.getI64IntegerAttr(steps - 1)),
       g.attr("size", g.builder.getI64IntegerAttr(1))});
  return step ? reshapeTo(g, at(a), step,
                          {type.getDimSize(0), type.getDimSize(2)})
              : Value();
}

template <typename OpT> Value pointwiseLoss(FuncGen &g, const CallArgs &a) {
  Value pred = g.floatTensorArg(a.slots[0], a.call->name);
  if (!pred)
    return {};
  Value target = g.tensorArg(a.slots[1], getElementTypeOrSelf(pred.getType()));
  return target ? g.build<OpT>(at(a), {pred, target}) : Value();
}

template <typename OpT> Value classification(FuncGen &g, const CallArgs &a) {
  Value logits = g.floatTensorArg(a.slots[0], a.call->name);
  Value labels = logits ? g.tensorArg(a.slots[1]) : Value();
  return labels ? g.build<OpT>(at(a), {logits, labels}) : Value();
}

Value genL2(FuncGen &g, const CallArgs &a) {
  SmallVector<Value> inputs;
  for (const Expr *e : a.rest) {
    Value v = g.floatTensorArg(e, "l2");
    if (!v)
      return {};
    inputs.push_back(v);
  }
  return g.build<dl::L2Op>(at(a), inputs);
}

const Builtin kBuiltins[] = {
    {"relu", "x", unary<dl::ReluOp>},
    {"sigmoid", "x", unary<dl::SigmoidOp>},
    {"tanh", "x", unary<dl::TanhOp>},
    {"exp", "x", unary<dl::ExpOp>},
    {"log", "x", unary<dl::LogOp>},
    {"sqrt", "x", unary<dl::SqrtOp>},
    {"abs", "x", unary<dl::AbsOp>},
    {"square", "x", unary<dl::SquareOp>},
    {"gelu", "x", unary<dl::GeluOp>},
    {"leaky_relu", "x, alpha?", genLeakyRelu},
    {"clip", "x, lo, hi", genClip},
    {"pow", "x, p", genPow},
    {"maximum", "a, b", binary<dl::MaximumOp>},
    {"minimum", "a, b", binary<dl::MinimumOp>},
    {"matmul", "a, b", genMatmul},
    {"transpose", "x, perm?", genTranspose},
    {"sum", "x, axis?, keepdims?", reduce<dl::SumOp>},
    {"mean", "x, axis?, keepdims?", reduce<dl::MeanOp>},
    {"max", "x, axis?, keepdims?", reduce<dl::MaxOp>},
    {"reshape", "x, shape", genReshape},
    {"flatten", "x", genFlatten},
    {"concat", "*tensors, axis?", genConcat},
    {"slice", "x, axis, start, size", genSlice},
    {"broadcast_to", "x, shape", genBroadcastTo},
    {"softmax", "x, axis?", softmaxLike<dl::SoftmaxOp>},
    {"log_softmax", "x, axis?", softmaxLike<dl::LogSoftmaxOp>},
    {"conv2d", "x, w, b?, stride?, pad?", genConv2d},
    {"max_pool2d", "x, size?, stride?", pool<dl::MaxPool2dOp>},
    {"avg_pool2d", "x, size?, stride?", pool<dl::AvgPool2dOp>},
    {"dropout", "x, rate, seed?", genDropout},
    {"batch_norm", "x, gamma, beta, mean_state, var_state, momentum?, eps?",
     genBatchNorm},
    {"one_hot", "labels, n", genOneHot},
    {"zeros_like", "x", anyUnary<dl::ZerosLikeOp>},
    {"ones_like", "x", anyUnary<dl::OnesLikeOp>},
    {"stop_gradient", "x", anyUnary<dl::StopGradientOp>},
    {"last", "x", genLast},
    {"mse", "pred, target", pointwiseLoss<dl::MseOp>},
    {"binary_cross_entropy", "p, target",
     pointwiseLoss<dl::BinaryCrossEntropyOp>},
    {"bce_with_logits", "logits, target", pointwiseLoss<dl::BceWithLogitsOp>},
    {"softmax_cross_entropy", "logits, labels",
     classification<dl::SoftmaxCrossEntropyOp>},
    {"accuracy", "logits, labels", classification<dl::AccuracyOp>},
    {"l2", "*params", genL2},
};

} // namespace

Value FuncGen::genBuiltin(const Expr &call, bool *found) {
  for (const Builtin &builtin : kBuiltins) {
    if (call.name != builtin.name)
      continue;
    *found = true;
    CallArgs args;
    if (!bindArgs(call, builtin.signature, args))
      return {};
    return builtin.gen(*this, args);
  }
  *found = false;
  return {};
}

std::vector<std::string> FuncGen::functionNames() {
  std::vector<std::string> names;
  for (const Builtin &builtin : kBuiltins)
    names.push_back(builtin.name);
  for (const std::string &layer : layerNames())
    names.push_back(layer);
  return names;
}
