//===- IRGenExpr.cpp - expressions, names and net calls to dl ops ---------===//
//
// FuncGen builds the body of one entry function: it resolves names (inputs,
// params, bindings, net arguments), lowers operators and calls, and inlines
// net calls with their own scope. Every op is created through buildOp, which
// asks the op for its result type first, so shape errors come from the
// dialect and are reported at the `.dl` location.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/IRGenImpl.h"

#include <limits>

using namespace dlc;
using namespace mlir;

FuncGen::FuncGen(ModelGen &m, func::FuncOp func, bool training)
    : m(m), func(func), builder(func.getBody()), training(training) {
  builder.setInsertionPointToEnd(&func.getBody().front());
  Frame top;
  top.scope = &m.modelScope;
  for (BlockArgument arg : func.getArguments())
    top.args.push_back(arg);
  frames.push_back(std::move(top));
}

Operation *FuncGen::buildGeneric(
    StringRef opName,
    LogicalResult (*infer)(MLIRContext *, std::optional<Location>, ValueRange,
                           DictionaryAttr, OpaqueProperties, RegionRange,
                           SmallVectorImpl<Type> &),
    SLoc at, ValueRange operands, ArrayRef<NamedAttribute> attrs) {
  OperationState state(m.loc(at), opName);
  state.addOperands(operands);
  state.addAttributes(attrs);
  std::string message;
  ScopedDiagnosticHandler handler(&m.ctx, [&](Diagnostic &diag) {
    if (message.empty())
      message = diag.str();
    return success();
  });
  SmallVector<Type> types;
  if (failed(infer(&m.ctx, state.location, state.operands,
                   state.attributes.getDictionary(&m.ctx),
                   state.getRawProperties(), state.regions, types))) {
    m.error(at, message.empty() ? "invalid use of " + opName : message);
    return nullptr;
  }
  for (Type type : types) {
    auto tensor = cast<RankedTensorType>(type);
    if (tensor.getNumElements() > std::numeric_limits<int32_t>::max()) {
      m.error(at, "result " + dl::formatType(type) +
                      " would have more than 2147483647 elements");
      return nullptr;
    }
  }
  state.addTypes(types);
  Operation *op = builder.create(state);
  if (failed(verify(op))) {
    m.error(at, message.empty() ? "invalid use of " + opName : message);
    op->erase();
    return nullptr;
  }
  return op;
}

Value FuncGen::constant(SLoc at, double value, Type elemType) {
  auto type = RankedTensorType::get({}, elemType);
  Attribute element;
  if (isa<FloatType>(elemType))
    element = FloatAttr::get(elemType, value);
  else
    element = IntegerAttr::get(elemType, (int64_t)value);
  return build<dl::ConstantOp>(
      at, {}, {attr("value", DenseElementsAttr::get(type, element))});
}

Value FuncGen::load(StringRef fullName, SLoc at) {
  if (Value cached = loads.lookup(fullName))
    return cached;
  Operation *decl = m.lookupVariable(fullName);
  Type type = isa<dl::ParamOp>(decl) ? cast<dl::ParamOp>(decl).getType()
                                     : cast<dl::StateOp>(decl).getType();
  auto load = dl::LoadOp::create(builder, m.loc(at), type,
                                 FlatSymbolRefAttr::get(&m.ctx, fullName));
  loads[fullName] = load;
  return load;
}

Value FuncGen::genBinding(const NameEntry &entry, StringRef name, SLoc at) {
  Frame &f = frame();
  if (Value cached = f.values.lookup(name))
    return cached;
  if (f.inProgress.count(name.str())) {
    m.error(at, "'" + name + "' is defined in terms of itself");
    return {};
  }
  const Decl &decl = *entry.decl;
  f.inProgress.insert(name.str());
  unsigned savedOrder = f.order;
  std::string savedBinding = f.binding;
  f.order = entry.order;
  f.binding = name.str();
  Value value;
  const Expr &rhs = *decl.value;
  bool found = false;
  if (rhs.kind == Expr::Call && isLayer(rhs.name))
    value = genLayer(rhs, &found);
  else
    value = genExpr(rhs);
  frame().order = savedOrder;
  frame().binding = savedBinding;
  frame().inProgress.erase(name.str());
  if (value)
    frame().values[name] = value;
  return value;
}

Value FuncGen::genName(StringRef name, SLoc at) {
  Frame &f = frame();
  const Scope &scope = *f.scope;
  if (Value cached = f.values.lookup(name))
    return cached;
  auto it = scope.names.find(name);
  if (it != scope.names.end()) {
    const NameEntry &entry = it->second;
    switch (entry.kind) {
    case NameEntry::Dim:
      return constant(at, m.dims.lookup(name), Float32Type::get(&m.ctx));
    case NameEntry::Input:
      return f.args[entry.argIndex];
    case NameEntry::Arg:
      return f.args[entry.argIndex];
    case NameEntry::Param:
    case NameEntry::State:
      if (!m.lookupVariable(scope.prefix + name.str()) &&
          !m.declareFromDecl(*entry.decl, scope))
        return {};
      return load(scope.prefix + name.str(), at);
    case NameEntry::Let:
      if (f.order != ~0u && entry.order >= f.order) {
        m.error(at, "'" + name + "' is used before its definition");
        m.diags.note(entry.decl->nameLoc, "'" + name + "' is defined here");
        return {};
      }
      return genBinding(entry, name, at);
    }
  }
  // A layer parameter such as `h.w`: generate the layer binding `h` if its
  // params do not exist yet.
  std::string full = scope.prefix + name.str();
  if (!m.lookupVariable(full) && name.contains('.')) {
    StringRef first = name.split('.').first;
    auto owner = scope.names.find(first);
    auto net = m.netScopes.find(first.str());
    if (owner != scope.names.end() && owner->second.kind == NameEntry::Let) {
      if (!genBinding(owner->second, owner->first(), at))
        return {};
    } else if (net != m.netScopes.end() && !scope.net &&
               !m.calledNets.count(net->first)) {
      // A param of a net not called yet: run its body once on zeros so its
      // params exist (the dead ops are removed with the rest).
      if (!genNetBody(*net->second.net, placeholders(*net->second.net)))
        return {};
    }
  }
  if (m.lookupVariable(full))
    return load(full, at);
  if (scope.net && m.modelScope.names.count(name)) {
    m.error(at, "'" + name + "' is not visible inside net '" +
                    scope.net->name + "'; pass it as an argument");
    return {};
  }
  std::vector<std::string> candidates = scope.spelled;
  for (const std::string &var : m.variableNames())
    if (StringRef(var).starts_with(scope.prefix))
      candidates.push_back(var.substr(scope.prefix.size()));
  m.error(at, "unknown name '" + name + "'" + didYouMean(name, candidates));
  return {};
}

Value FuncGen::genExpr(const Expr &e, Type elemHint) {
  switch (e.kind) {
  case Expr::Number: {
    Type elem = elemHint ? elemHint : Type(Float32Type::get(&m.ctx));
    if (isa<IntegerType>(elem) && !e.isInt) {
      m.error(e.loc, "literal " + formatNumber(e.number) +
                         " is not an integer, but the other operand is i32");
      return {};
    }
    return constant(e.loc, e.number, elem);
  }
  case Expr::Bool:
    m.error(e.loc, "expected a tensor, found a boolean");
    return {};
  case Expr::List:
    m.error(e.loc, "expected a tensor, found a list");
    return {};
  case Expr::Name:
    return genName(e.name, e.loc);
  case Expr::Call:
    return genCall(e);
  case Expr::Unary: {
    Value x = genExpr(*e.args[0], elemHint);
    return x ? build<dl::NegOp>(e.loc, {x}) : Value();
  }
  case Expr::Binary:
    break;
  }
  // A literal side adopts the element type of the other side.
  const Expr &lhsE = *e.args[0], &rhsE = *e.args[1];
  Value lhs, rhs;
  if (lhsE.kind == Expr::Number && rhsE.kind != Expr::Number) {
    rhs = genExpr(rhsE, elemHint);
    if (!rhs)
      return {};
    lhs = genExpr(lhsE, getElementTypeOrSelf(rhs.getType()));
  } else {
    lhs = genExpr(lhsE, elemHint);
    if (!lhs)
      return {};
    rhs = genExpr(rhsE, getElementTypeOrSelf(lhs.getType()));
  }
  if (!lhs || !rhs)
    return {};
  switch (e.op) {
  case '+': return build<dl::AddOp>(e.loc, {lhs, rhs});
  case '-': return build<dl::SubOp>(e.loc, {lhs, rhs});
  case '*': return build<dl::MulOp>(e.loc, {lhs, rhs});
  case '/': return build<dl::DivOp>(e.loc, {lhs, rhs});
  default:
    for (Value v : {lhs, rhs})
      if (!isa<FloatType>(getElementTypeOrSelf(v.getType()))) {
        m.error(e.loc, "cannot multiply " + dl::formatType(lhs.getType()) +
                           " by " + dl::formatType(rhs.getType()) +
                           ": '@' needs floating-point tensors");
        return {};
      }
    return build<dl::MatmulOp>(e.loc, {lhs, rhs});
  }
}

Value FuncGen::genCall(const Expr &call) {
  auto net = m.netScopes.find(call.name);
  if (net != m.netScopes.end())
    return genNetCall(*net->second.net, call);
  if (isLayer(call.name)) {
    m.error(call.loc, "layer '" + call.name +
                          "' must be the whole right-hand side of a binding "
                          "(e.g. 'o = " +
                          call.name +
                          "(...)'), because its parameters are named after "
                          "the binding");
    return {};
  }
  bool found = false;
  Value value = genBuiltin(call, &found);
  if (found)
    return value;
  if (frame().scope->names.count(call.name)) {
    m.error(call.loc, "'" + call.name + "' is a value, not a function");
    return {};
  }
  std::vector<std::string> candidates;
  for (auto &[name, scope] : m.netScopes)
    candidates.push_back(name);
  for (const std::string &name : functionNames())
    candidates.push_back(name);
  m.error(call.loc, "unknown function '" + call.name + "'" +
                        didYouMean(call.name, candidates));
  return {};
}

Value FuncGen::genNetCall(const NetDef &net, const Expr &call) {
  Scope &scope = m.netScopes[net.name];
  if (!call.kwargs.empty()) {
    m.error(call.kwargs[0].loc, "net '" + net.name +
                                    "' takes positional arguments only");
    return {};
  }
  if (call.args.size() != net.args.size()) {
    m.error(call.loc, "net '" + net.name + "' takes " +
                          Twine(net.args.size()) + " argument" +
                          (net.args.size() == 1 ? "" : "s") + ", found " +
                          Twine(call.args.size()));
    return {};
  }
  std::vector<Value> args;
  for (auto [i, argExpr] : llvm::enumerate(call.args)) {
    RankedTensorType expected = m.evalType(net.args[i].type, scope);
    if (!expected)
      return {};
    Value v = genExpr(*argExpr, expected.getElementType());
    if (!v)
      return {};
    if (v.getType() != expected) {
      m.error(argExpr->loc, "argument '" + net.args[i].name + "' of net '" +
                                net.name + "' must be " +
                                dl::formatType(expected) + ", found " +
                                dl::formatType(v.getType()));
      return {};
    }
    args.push_back(v);
  }
  return genNetBody(net, std::move(args));
}

std::vector<Value> FuncGen::placeholders(const NetDef &net) {
  std::vector<Value> args;
  for (const NetArg &arg : net.args) {
    RankedTensorType type = m.evalType(arg.type, m.netScopes[net.name]);
    if (!type)
      return {};
    args.push_back(build<dl::ConstantOp>(
        arg.loc, {},
        {attr("value", DenseElementsAttr::get(
                           type, builder.getZeroAttr(type.getElementType())))}));
  }
  return args;
}

Value FuncGen::genNetBody(const NetDef &net, std::vector<Value> args) {
  Scope &scope = m.netScopes[net.name];
  if (args.size() != net.args.size())
    return {}; // a placeholder failed; the error is reported
  m.calledNets.insert(net.name);
  Frame f;
  f.scope = &scope;
  f.args = std::move(args);
  frames.push_back(std::move(f));
  Value result;
  bool ok = true;
  // Every declaration is generated (dead values are removed later), so a
  // net's params exist and its errors surface wherever it is called.
  for (auto [i, decl] : llvm::enumerate(net.body)) {
    if (decl.kind == DeclKind::Param || decl.kind == DeclKind::State) {
      if (!m.lookupVariable(scope.prefix + decl.name) &&
          !m.declareFromDecl(decl, scope)) {
        ok = false;
        break;
      }
    } else if (decl.kind == DeclKind::Let) {
      if (!genName(decl.name, decl.nameLoc)) {
        ok = false;
        break;
      }
    } else if (decl.kind == DeclKind::Return) {
      if (decl.value->kind == Expr::Call && isLayer(decl.value->name)) {
        genCall(*decl.value); // reports the error
        ok = false;
        break;
      }
      frame().order = i;
      result = genExpr(*decl.value);
      ok = bool(result);
    }
  }
  frames.pop_back();
  return ok ? result : Value();
}

bool FuncGen::genAll() {
  for (const Decl &decl : m.model->decls) {
    if (decl.kind != DeclKind::Let && decl.kind != DeclKind::Output &&
        decl.kind != DeclKind::Loss && decl.kind != DeclKind::Metric)
      continue;
    if (!decl.value)
      continue; // `output name` publishes an earlier binding
    frame().order = ~0u;
    Value v = genName(decl.name, decl.nameLoc);
    if (!v)
      return false;
    if (decl.kind == DeclKind::Loss || decl.kind == DeclKind::Metric) {
      auto type = cast<RankedTensorType>(v.getType());
      if (type.getRank() != 0 || !type.getElementType().isF32())
        return m.error(decl.value->loc,
                       Twine(decl.kind == DeclKind::Loss ? "loss" : "metric") +
                           " '" + decl.name + "' must be a scalar f32[], found " +
                           dl::formatType(type) +
                           "; reduce it, e.g. with mean(...)");
    }
  }
  return true;
}
