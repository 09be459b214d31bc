//===- IRGen.cpp - the dl module of a model -------------------------------===//
//
// Builds the module: params and states (dl.param / dl.state), a check pass
// that lowers every declaration once in source order (so errors come in
// order, and layer params are created in order), then one function per
// entry point — infer, one per `train` line, eval — each keeping only the
// ops and inputs it needs. Training functions carry their declaration
// (loss, optimizer, hyper-parameters, the params they update) as attributes
// for dl-autodiff (docs/ir.md).
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/IRGenImpl.h"

#include "compiler/Frontend/Parser.h"

#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/SetVector.h"

#include <cmath>

using namespace dlc;
using namespace mlir;

std::vector<std::string> ModelGen::variableNames() const {
  return variableOrder;
}

Block::iterator ModelGen::variableInsertPoint() {
  Block &body = module->getBodyRegion().front();
  auto it = body.begin();
  while (it != body.end() && isa<dl::ParamOp, dl::StateOp>(*it))
    ++it;
  return it;
}

/// 32-bit FNV-1a of a name: the seed of an initializer given none, so
/// initial values depend only on the name (and are the same everywhere).
static int64_t nameSeed(StringRef name) {
  uint32_t h = 2166136261u;
  for (char c : name) {
    h ^= (uint8_t)c;
    h *= 16777619u;
  }
  return h & 0x7fffffff;
}

Operation *ModelGen::declareVariable(StringRef name, bool isState,
                                     RankedTensorType type, StringRef init,
                                     ArrayRef<double> args,
                                     std::optional<int64_t> seed,
                                     std::optional<int64_t> fanIn,
                                     std::optional<int64_t> fanOut, SLoc at) {
  if (Operation *existing = variables.lookup(name)) {
    Type existingType = isa<dl::ParamOp>(existing)
                            ? cast<dl::ParamOp>(existing).getType()
                            : cast<dl::StateOp>(existing).getType();
    if (existingType != type || isa<dl::StateOp>(existing) != isState) {
      error(at, "'" + name + "' is already declared as " +
                    (isState ? "a param " : "a state ") +
                    dl::formatType(existingType));
      return nullptr;
    }
    return existing;
  }
  // Fans in our layouts: [in, out] for matrices (x @ w), OIHW beyond.
  ArrayRef<int64_t> shape = type.getShape();
  if (!fanIn) {
    int64_t receptive = 1;
    for (size_t i = 2; i < shape.size(); ++i)
      receptive *= shape[i];
    if (shape.empty()) {
      fanIn = fanOut = 1;
    } else if (shape.size() == 1) {
      fanIn = fanOut = shape[0];
    } else if (shape.size() == 2) {
      fanIn = shape[0];
      fanOut = shape[1];
    } else {
      fanIn = shape[1] * receptive;
      fanOut = shape[0] * receptive;
    }
  }
  OpBuilder b(&ctx);
  b.setInsertionPoint(&module->getBodyRegion().front(),
                      variableInsertPoint());
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("sym_name", b.getStringAttr(name)),
      b.getNamedAttr("type", TypeAttr::get(type)),
      b.getNamedAttr("init", b.getStringAttr(init))};
  if (!args.empty())
    attrs.push_back(b.getNamedAttr("args", b.getDenseF64ArrayAttr(args)));
  bool random = init != "zeros" && init != "ones" && init != "constant";
  if (random)
    attrs.push_back(b.getNamedAttr(
        "seed", b.getI64IntegerAttr(seed ? *seed : nameSeed(name))));
  if (init.contains("glorot") || init.starts_with("he_")) {
    attrs.push_back(b.getNamedAttr("fan_in", b.getI64IntegerAttr(*fanIn)));
    attrs.push_back(b.getNamedAttr("fan_out", b.getI64IntegerAttr(*fanOut)));
  }
  OperationState state(loc(at), isState ? dl::StateOp::getOperationName()
                                        : dl::ParamOp::getOperationName());
  state.addAttributes(attrs);
  Operation *op = b.create(state);
  variables[name] = op;
  variableOrder.push_back(name.str());
  return op;
}

bool ModelGen::declareFromDecl(const Decl &decl, const Scope &scope) {
  bool isState = decl.kind == DeclKind::State;
  RankedTensorType type = evalType(decl.type, scope);
  if (!type)
    return false;
  std::string full = scope.prefix + decl.name;
  if (!decl.value) {
    if (!isState)
      return error(decl.nameLoc, "param '" + decl.name +
                                     "' needs an initializer, e.g. '= zeros' "
                                     "or '= glorot_uniform'");
    return declareVariable(full, true, type, "zeros", {}, std::nullopt,
                           std::nullopt, std::nullopt, decl.nameLoc);
  }
  const Expr &init = *decl.value;
  if (init.kind != Expr::Name && init.kind != Expr::Call)
    return error(init.loc, "expected an initializer (zeros, ones, "
                           "constant(v), uniform(lo, hi), normal(mean, std), "
                           "glorot_uniform, glorot_normal, he_uniform, "
                           "he_normal)");
  static const std::vector<std::pair<std::string, std::vector<std::string>>>
      kInits = {{"zeros", {}},
                {"ones", {}},
                {"constant", {"value"}},
                {"uniform", {"lo", "hi"}},
                {"normal", {"mean", "std"}},
                {"glorot_uniform", {}},
                {"glorot_normal", {}},
                {"he_uniform", {}},
                {"he_normal", {}}};
  auto spec = std::find_if(kInits.begin(), kInits.end(),
                           [&](const auto &s) { return s.first == init.name; });
  if (spec == kInits.end()) {
    std::vector<std::string> names;
    for (const auto &s : kInits)
      names.push_back(s.first);
    return error(init.loc, "unknown initializer '" + init.name + "'" +
                               didYouMean(init.name, names));
  }
  const std::vector<std::string> &params = spec->second;
  std::vector<const Expr *> slots(params.size(), nullptr);
  if (init.args.size() > params.size())
    return error(init.args[params.size()]->loc,
                 init.name + " takes " + Twine(params.size()) + " argument" +
                     (params.size() == 1 ? "" : "s") + ", found " +
                     Twine(init.args.size()));
  for (size_t i = 0; i < init.args.size(); ++i)
    slots[i] = init.args[i].get();
  std::optional<int64_t> seed;
  for (const KwArg &kw : init.kwargs) {
    if (kw.name == "seed") {
      seed = evalInt(*kw.value, scope, "seed");
      if (!seed)
        return false;
      if (*seed < 0)
        return error(kw.value->loc, "seed must be >= 0");
      continue;
    }
    auto it = std::find(params.begin(), params.end(), kw.name);
    if (it == params.end()) {
      std::vector<std::string> names = params;
      names.push_back("seed");
      return error(kw.loc, "unknown keyword argument '" + kw.name + "' for " +
                               init.name + didYouMean(kw.name, names));
    }
    if (slots[it - params.begin()])
      return error(kw.loc, "argument '" + kw.name + "' of " + init.name +
                               " is given twice");
    slots[it - params.begin()] = kw.value.get();
  }
  SmallVector<double> args;
  for (size_t i = 0; i < params.size(); ++i) {
    if (!slots[i])
      return error(init.loc, init.name + " is missing its argument '" +
                                 params[i] + "'");
    auto v = evalNumber(*slots[i], params[i]);
    if (!v)
      return false;
    args.push_back(*v);
  }
  if (init.name == "uniform" && args[0] > args[1])
    return error(init.loc, "uniform needs lo <= hi, found " +
                               formatNumber(args[0]) + " and " + formatNumber(args[1]));
  if (init.name == "normal" && args[1] < 0)
    return error(init.loc, "normal needs std >= 0, found " + formatNumber(args[1]));
  if (type.getElementType().isInteger(32) && init.name != "zeros" &&
      init.name != "ones" && init.name != "constant")
    return error(init.loc, "'" + decl.name + "' is " +
                               dl::formatType(type) + "; integer tensors "
                               "take zeros, ones or constant(v)");
  return declareVariable(full, isState, type, init.name, args, seed,
                         std::nullopt, std::nullopt, decl.nameLoc);
}

std::optional<double> ModelGen::evalNumber(const Expr &e, StringRef what) {
  switch (e.kind) {
  case Expr::Number:
    return e.number;
  case Expr::Unary: {
    auto v = evalNumber(*e.args[0], what);
    return v ? std::optional<double>(-*v) : std::nullopt;
  }
  case Expr::Name:
    if (dims.count(e.name))
      return (double)dims.lookup(e.name);
    break;
  case Expr::Binary: {
    if (e.op == '@')
      break;
    auto a = evalNumber(*e.args[0], what);
    auto b = a ? evalNumber(*e.args[1], what) : std::nullopt;
    if (!b)
      return std::nullopt;
    switch (e.op) {
    case '+': return *a + *b;
    case '-': return *a - *b;
    case '*': return *a * *b;
    default: return *a / *b;
    }
  }
  default:
    break;
  }
  error(e.loc, what + " must be a number");
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Entry functions
//===----------------------------------------------------------------------===//

/// Removes what an entry does not need: ops whose results are unused, and
/// state updates of batch norms that nothing else uses.
static void eraseDeadCode(func::FuncOp fn) {
  Block &block = fn.getBody().front();
  llvm::SetVector<Operation *> live;
  SmallVector<Operation *> worklist = {block.getTerminator()};
  auto mark = [&](Operation *op) {
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        if (live.insert(def))
          worklist.push_back(def);
  };
  while (!worklist.empty())
    mark(worklist.pop_back_val());
  // Assigns keep their values alive only if their op is live anyway.
  for (Operation &op : block)
    if (auto assign = dyn_cast<dl::AssignOp>(op))
      if (Operation *def = assign.getValue().getDefiningOp();
          def && live.contains(def)) {
        live.insert(&op);
        mark(&op);
        while (!worklist.empty())
          mark(worklist.pop_back_val());
      }
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
    if (!op.hasTrait<OpTrait::IsTerminator>() && !live.contains(&op))
      op.erase();
  llvm::BitVector unused(block.getNumArguments());
  for (BlockArgument arg : block.getArguments())
    if (arg.use_empty())
      unused.set(arg.getArgNumber());
  (void)fn.eraseArguments(unused);
}

func::FuncOp ModelGen::buildEntry(StringRef name, StringRef kind,
                                  bool training,
                                  ArrayRef<const Decl *> results) {
  OpBuilder b(&ctx);
  b.setInsertionPointToEnd(&module->getBodyRegion().front());
  auto fn = func::FuncOp::create(b, loc(model->loc), name,
                                 b.getFunctionType(inputTypes, {}));
  Block *block = fn.addEntryBlock();
  for (auto [arg, decl] : llvm::zip(block->getArguments(), inputDecls))
    arg.setLoc(loc(decl->nameLoc));
  FuncGen g(*this, fn, training);
  SmallVector<Value> values;
  for (const Decl *decl : results) {
    Value v = g.genName(decl->name, decl->nameLoc);
    if (!v) {
      fn.erase();
      return nullptr;
    }
    values.push_back(v);
  }
  b.setInsertionPointToEnd(&fn.getBody().front());
  func::ReturnOp::create(b, loc(model->loc), values);
  fn.setType(b.getFunctionType(inputTypes, ValueRange(values).getTypes()));
  for (auto [i, type] : llvm::enumerate(inputTypes))
    fn.setArgAttr(i, "dl.name", b.getStringAttr(inputDecls[i]->name));
  for (auto [i, decl] : llvm::enumerate(results)) {
    fn.setResultAttr(i, "dl.name", b.getStringAttr(decl->name));
    StringRef role = decl->kind == DeclKind::Loss     ? "loss"
                     : decl->kind == DeclKind::Metric ? "metric"
                                                      : "output";
    fn.setResultAttr(i, "dl.role", b.getStringAttr(role));
  }
  fn->setAttr("dl.entry", b.getStringAttr(kind));
  eraseDeadCode(fn);
  return fn;
}

namespace {
/// Which params a loss depends on, and whether differentiably.
struct Dependencies {
  llvm::StringMap<std::string> any;  // param -> "" or what blocks gradients
  llvm::StringMap<bool> differentiable;
};
} // namespace

static Dependencies paramDependencies(Value loss) {
  Dependencies deps;
  // (value, reached through differentiable ops only, first blocker)
  std::set<std::pair<void *, bool>> seen;
  SmallVector<std::tuple<Value, bool, std::string>> worklist = {
      {loss, true, ""}};
  while (!worklist.empty()) {
    auto [value, diff, blocker] = worklist.pop_back_val();
    if (!seen.insert({value.getAsOpaquePointer(), diff}).second)
      continue;
    if (!isa<FloatType>(getElementTypeOrSelf(value.getType())) && diff) {
      diff = false;
      blocker = "an integer tensor";
    }
    Operation *op = value.getDefiningOp();
    if (!op)
      continue;
    if (auto load = dyn_cast<dl::LoadOp>(op)) {
      auto module = op->getParentOfType<ModuleOp>();
      if (!isa_and_nonnull<dl::ParamOp>(
              SymbolTable::lookupSymbolIn(module, load.getNameAttr())))
        continue;
      StringRef name = load.getName();
      if (diff)
        deps.differentiable[name] = true;
      if (!deps.any.count(name) || diff)
        deps.any[name] = blocker;
      continue;
    }
    if (diff && op->hasTrait<dl::NoGradient>()) {
      diff = false;
      blocker = op->getName().stripDialect().str();
    }
    for (Value operand : op->getOperands())
      worklist.push_back({operand, diff, blocker});
  }
  return deps;
}

bool ModelGen::annotateTrain(func::FuncOp fn, const Decl &train) {
  OpBuilder b(&ctx);
  Value loss = fn.getBody().front().getTerminator()->getOperand(0);
  Dependencies deps = paramDependencies(loss);
  auto undifferentiable = [&](StringRef param, SLoc at) {
    return error(at, "loss '" + train.loss +
                         "' cannot be differentiated with respect to '" +
                         param + "': it depends on it only through " +
                         deps.any.lookup(param));
  };
  llvm::SetVector<StringRef> over;
  if (train.over.empty()) {
    for (const std::string &name : variableOrder)
      if (deps.differentiable.count(name))
        over.insert(variables.find(name)->first());
    if (over.empty()) {
      for (const std::string &name : variableOrder)
        if (deps.any.count(name))
          return undifferentiable(name, train.lossLoc);
      return error(train.lossLoc, "loss '" + train.loss +
                                      "' does not depend on any param: "
                                      "there is nothing to train");
    }
  }
  for (auto &[name, at] : train.over) {
    // A net or a layer binding stands for all of its params.
    std::string prefix = name + ".";
    auto layer = modelScope.names.find(name);
    bool isLayer = layer != modelScope.names.end() &&
                   layer->second.kind == NameEntry::Let &&
                   llvm::any_of(variableOrder, [&](const std::string &var) {
                     return StringRef(var).starts_with(prefix);
                   });
    if (netScopes.count(name) || isLayer) {
      size_t before = over.size();
      for (const std::string &var : variableOrder)
        if (StringRef(var).starts_with(name + ".") &&
            isa<dl::ParamOp>(variables.lookup(var)) &&
            deps.differentiable.count(var))
          over.insert(variables.find(var)->first());
      if (over.size() == before)
        return error(at, "train '" + train.name + "' is over " +
                             (isLayer ? "layer '" : "net '") + name +
                             "', but loss '" + train.loss +
                             "' does not depend on any of its params");
      continue;
    }
    Operation *var = variables.lookup(name);
    if (!var) {
      std::vector<std::string> candidates = variableOrder;
      for (auto &[net, scope] : netScopes)
        candidates.push_back(net);
      return error(at, "unknown param or net '" + name + "'" +
                           didYouMean(name, candidates));
    }
    if (isa<dl::StateOp>(var))
      return error(at, "'" + name + "' is a state, not a param; states are "
                                    "not trained");
    Type varType = cast<dl::ParamOp>(var).getType();
    if (!isa<FloatType>(getElementTypeOrSelf(varType)))
      return error(at, "'" + name + "' is " + dl::formatType(varType) +
                           ": integer params cannot be trained");
    if (!deps.any.count(name))
      return error(at, "train '" + train.name + "' is over '" + name +
                           "', but loss '" + train.loss +
                           "' does not depend on it");
    if (!deps.differentiable.count(name))
      return undifferentiable(name, at);
    over.insert(variables.find(name)->first());
  }
  // Keep declaration order, whatever order `over` lists.
  SmallVector<Attribute> refs;
  for (const std::string &name : variableOrder)
    if (over.contains(name))
      refs.push_back(FlatSymbolRefAttr::get(&ctx, name));

  const Expr &opt = *train.optimizer;
  const OptimizerSpec *spec = findOptimizer(opt.name);
  SmallVector<NamedAttribute> hypers;
  std::map<std::string, double> values;
  for (auto [i, hyper] : llvm::enumerate(spec->hypers)) {
    const Expr *given = i < opt.args.size() ? opt.args[i].get() : nullptr;
    for (const KwArg &kw : opt.kwargs)
      if (kw.name == hyper.name)
        given = kw.value.get();
    double value = hyper.dflt;
    if (given && hyper.isBool) {
      if (given->kind != Expr::Bool)
        return error(given->loc, std::string(hyper.name) +
                                     " must be true or false");
      value = given->boolValue;
    } else if (given) {
      auto v = evalNumber(*given, hyper.name);
      if (!v)
        return false;
      value = *v;
      StringRef name = hyper.name;
      bool fraction = name.starts_with("beta") || name == "alpha";
      if (value < 0 || (fraction && value >= 1) || !std::isfinite(value))
        return error(given->loc, name + " must be " +
                                     (fraction ? "in [0, 1)" : ">= 0") +
                                     ", found " + formatNumber(value));
    }
    values[hyper.name] = value;
    hypers.push_back(b.getNamedAttr(
        hyper.name, hyper.isBool ? Attribute(b.getBoolAttr(value != 0))
                                 : Attribute(b.getF64FloatAttr(value))));
  }
  if (values.count("nesterov") && values["nesterov"] != 0 &&
      values["momentum"] <= 0)
    return error(opt.loc, "nesterov needs momentum > 0");
  fn->setAttr("dl.loss", b.getStringAttr(train.loss));
  fn->setAttr("dl.optimizer", b.getStringAttr(opt.name));
  fn->setAttr("dl.hyper", b.getDictionaryAttr(hypers));
  fn->setAttr("dl.over", b.getArrayAttr(refs));
  return true;
}

OwningOpRef<ModuleOp> ModelGen::emit() {
  module = ModuleOp::create(loc(model->loc), model->name);
  (*module)->setAttr("dl.model", StringAttr::get(&ctx, model->name));
  for (const Decl &decl : model->decls) {
    if (decl.kind == DeclKind::Param || decl.kind == DeclKind::State) {
      if (!declareFromDecl(decl, modelScope))
        return nullptr;
    } else if (decl.kind == DeclKind::Input) {
      RankedTensorType type = evalType(decl.type, modelScope);
      if (!type)
        return nullptr;
      inputTypes.push_back(type);
      inputDecls.push_back(&decl);
    }
  }

  // The check pass: every declaration once, in training mode.
  {
    OpBuilder b(&ctx);
    b.setInsertionPointToEnd(&module->getBodyRegion().front());
    auto check = func::FuncOp::create(b, loc(model->loc), "__check",
                                      b.getFunctionType(inputTypes, {}));
    check.addEntryBlock();
    FuncGen g(*this, check, true);
    bool ok = g.genAll();
    // Nets that are never called are still checked, on zeros of their
    // argument types; the params this creates are dropped again.
    std::set<std::string> called = calledNets;
    for (auto &[name, scope] : netScopes) {
      if (!ok || called.count(name))
        continue;
      std::vector<Value> args = g.placeholders(*scope.net);
      ok = args.size() == scope.net->args.size();
      ok = ok && g.genNetBody(*scope.net, std::move(args));
      for (const std::string &var : std::vector<std::string>(variableOrder))
        if (StringRef(var).starts_with(name + ".")) {
          variables.lookup(var)->erase();
          variables.erase(var);
          llvm::erase(variableOrder, var);
        }
    }
    check.erase();
    if (!ok)
      return nullptr;
  }

  std::vector<const Decl *> outputs, losses, metrics;
  for (const Decl &decl : model->decls) {
    if (decl.kind == DeclKind::Output)
      outputs.push_back(&decl);
    if (decl.kind == DeclKind::Loss)
      losses.push_back(&decl);
    if (decl.kind == DeclKind::Metric)
      metrics.push_back(&decl);
  }
  if (!outputs.empty() && !buildEntry("infer", "infer", false, outputs))
    return nullptr;
  if (!options.inferOnly) {
    for (const Decl &decl : model->decls) {
      if (decl.kind != DeclKind::Train)
        continue;
      std::vector<const Decl *> results;
      results.push_back(*llvm::find_if(losses, [&](const Decl *d) {
        return d->name == decl.loss;
      }));
      results.insert(results.end(), metrics.begin(), metrics.end());
      func::FuncOp fn = buildEntry(decl.name, "train", true, results);
      if (!fn || !annotateTrain(fn, decl))
        return nullptr;
    }
    std::vector<const Decl *> evalResults = losses;
    evalResults.insert(evalResults.end(), metrics.begin(), metrics.end());
    if (!evalResults.empty() &&
        !buildEntry("eval", "eval", false, evalResults))
      return nullptr;
  }
  if (failed(verify(*module))) {
    error(model->loc, "internal error: the generated IR does not verify");
    return nullptr;
  }
  return std::move(module);
}

OwningOpRef<ModuleOp> dlc::emitModule(MLIRContext &context,
                                      const Program &program,
                                      const FrontendOptions &options,
                                      DiagEngine &diags) {
  context.getOrLoadDialect<dl::DLDialect>();
  context.getOrLoadDialect<func::FuncDialect>();
  ModelGen gen(context, program, options, diags);
  if (!gen.check())
    return nullptr;
  return gen.emit();
}

OwningOpRef<ModuleOp> dlc::compileSource(MLIRContext &context,
                                         const SourceFile &file,
                                         const FrontendOptions &options,
                                         DiagEngine &diags) {
  std::optional<Program> program = parseProgram(file, diags);
  if (!program)
    return nullptr;
  return emitModule(context, *program, options, diags);
}
