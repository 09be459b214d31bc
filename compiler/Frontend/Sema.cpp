//===- Sema.cpp - declaration-level checks of a .dl program ---------------===//
//
// Everything that can be checked before shapes are known: one model per
// file, unique names in each body, what may appear in a net, dims and their
// `-D` overrides, recursion among nets, and the form of `train` lines and
// their optimizers. Shape and type errors come from the dl ops themselves,
// during IRGen.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/IRGenImpl.h"

#include "llvm/ADT/StringSwitch.h"

#include <cmath>
#include <functional>
#include <limits>

using namespace dlc;
using namespace mlir;

static const double kRequired = std::numeric_limits<double>::quiet_NaN();

static const std::vector<OptimizerSpec> &optimizers() {
  static const std::vector<OptimizerSpec> specs = {
      {"sgd",
       {{"lr", kRequired, false},
        {"momentum", 0.0, false},
        {"nesterov", 0.0, true},
        {"weight_decay", 0.0, false}}},
      {"adam",
       {{"lr", 1e-3, false},
        {"beta1", 0.9, false},
        {"beta2", 0.999, false},
        {"eps", 1e-8, false},
        {"weight_decay", 0.0, false}}},
      {"adamw",
       {{"lr", 1e-3, false},
        {"beta1", 0.9, false},
        {"beta2", 0.999, false},
        {"eps", 1e-8, false},
        {"weight_decay", 0.01, false}}},
      {"rmsprop",
       {{"lr", 0.01, false}, {"alpha", 0.99, false}, {"eps", 1e-8, false}}},
  };
  return specs;
}

const OptimizerSpec *dlc::findOptimizer(llvm::StringRef name) {
  for (const OptimizerSpec &spec : optimizers())
    if (name == spec.name)
      return &spec;
  return nullptr;
}

std::vector<std::string> dlc::optimizerNames() {
  std::vector<std::string> names;
  for (const OptimizerSpec &spec : optimizers())
    names.push_back(spec.name);
  return names;
}

/// C and C++ keywords: a model or entry name becomes a C function prefix
/// and a C++ namespace or method name in the generated header.
static bool isCKeyword(llvm::StringRef name) {
  static const char *const kKeywords[] = {
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor",
      "bool", "break", "case", "catch", "char", "char8_t", "char16_t",
      "char32_t", "class", "compl", "concept", "const", "consteval",
      "constexpr", "constinit", "const_cast", "continue", "co_await",
      "co_return", "co_yield", "decltype", "default", "delete", "do",
      "double", "dynamic_cast", "else", "enum", "explicit", "export",
      "extern", "false", "float", "for", "friend", "goto", "if", "inline",
      "int", "long", "mutable", "namespace", "new", "noexcept", "not",
      "not_eq", "nullptr", "operator", "or", "or_eq", "private", "protected",
      "public", "register", "reinterpret_cast", "requires", "restrict",
      "return", "short", "signed", "sizeof", "static", "static_assert",
      "static_cast", "struct", "switch", "template", "this", "thread_local",
      "throw", "true", "try", "typedef", "typeid", "typename", "union",
      "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while",
      "xor", "xor_eq"};
  for (const char *keyword : kKeywords)
    if (name == keyword)
      return true;
  return false;
}

ModelGen::ModelGen(MLIRContext &ctx, const Program &program,
                   const FrontendOptions &options, DiagEngine &diags)
    : ctx(ctx), program(program), options(options), diags(diags) {}

Location ModelGen::loc(SLoc at) const {
  auto [line, col] = diags.file().lineCol(at);
  return FileLineColLoc::get(&ctx, diags.file().path(), line, col);
}

static const char *kindName(DeclKind kind) {
  switch (kind) {
  case DeclKind::Dim: return "dim";
  case DeclKind::Input: return "input";
  case DeclKind::Param: return "param";
  case DeclKind::State: return "state";
  case DeclKind::Let: return "binding";
  case DeclKind::Output: return "output";
  case DeclKind::Loss: return "loss";
  case DeclKind::Metric: return "metric";
  case DeclKind::Train: return "train";
  case DeclKind::Return: return "return";
  }
  return "declaration";
}

bool ModelGen::checkScope(Scope &scope, const std::vector<Decl> &decls,
                          bool isNet) {
  auto declare = [&](const std::string &name, SLoc at,
                     NameEntry entry) -> bool {
    auto [it, inserted] = scope.names.try_emplace(name, entry);
    if (!inserted) {
      error(at, "redefinition of '" + name + "'");
      SLoc prev = it->second.decl ? it->second.decl->nameLoc : at;
      if (!it->second.decl && scope.net)
        for (const NetArg &arg : scope.net->args)
          if (arg.name == name)
            prev = arg.loc;
      diags.note(prev, "'" + name + "' was first defined here");
      return false;
    }
    scope.spelled.push_back(name);
    return true;
  };
  if (isNet)
    for (auto [i, arg] : llvm::enumerate(scope.net->args)) {
      NameEntry entry{NameEntry::Arg, nullptr, 0, (unsigned)i};
      if (!declare(arg.name, arg.loc, entry))
        return false;
    }
  bool sawReturn = false;
  unsigned inputs = 0;
  for (auto [i, decl] : llvm::enumerate(decls)) {
    if (sawReturn)
      return error(decl.loc, "nothing may follow 'return' in a net");
    if (isNet && (decl.kind == DeclKind::Dim || decl.kind == DeclKind::Input ||
                  decl.kind == DeclKind::Output ||
                  decl.kind == DeclKind::Loss ||
                  decl.kind == DeclKind::Metric ||
                  decl.kind == DeclKind::Train))
      return error(decl.loc, "'" + llvm::Twine(kindName(decl.kind)) +
                                 "' is not allowed in a net; a net takes "
                                 "arguments and returns one value");
    if (!isNet && decl.kind == DeclKind::Return)
      return error(decl.loc, "'return' is only allowed in a net");
    if (!decl.name.empty() && decl.name.find('.') != std::string::npos &&
        decl.kind != DeclKind::Train)
      return error(decl.nameLoc, "'" + decl.name +
                                     "' cannot be declared: dotted names "
                                     "are reserved for layer parameters");
    NameEntry entry{NameEntry::Let, &decl, (unsigned)i, 0};
    switch (decl.kind) {
    case DeclKind::Dim: entry.kind = NameEntry::Dim; break;
    case DeclKind::Input:
      entry.kind = NameEntry::Input;
      entry.argIndex = inputs++;
      break;
    case DeclKind::Param: entry.kind = NameEntry::Param; break;
    case DeclKind::State: entry.kind = NameEntry::State; break;
    case DeclKind::Return: sawReturn = true; continue;
    case DeclKind::Train: continue;
    case DeclKind::Output:
      // `output name` alone publishes an existing binding.
      if (!decl.value) {
        auto it = scope.names.find(decl.name);
        if (it == scope.names.end() || it->second.kind != NameEntry::Let)
          return error(decl.nameLoc,
                       "'output " + decl.name + "' needs '= EXPR' or an "
                       "earlier binding named '" + decl.name + "'" +
                           didYouMean(decl.name, scope.spelled));
        continue;
      }
      break;
    default: break;
    }
    if (!declare(decl.name, decl.nameLoc, entry))
      return false;
  }
  if (isNet && !sawReturn)
    return error(scope.net->loc, "net '" + scope.net->name +
                                     "' has no 'return'");
  return true;
}

std::optional<int64_t> ModelGen::evalInt(const Expr &e, const Scope &scope,
                                         llvm::StringRef what) {
  constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
  switch (e.kind) {
  case Expr::Number:
    if (!e.isInt) {
      error(e.loc, what + " must be an integer, found " +
                       formatNumber(e.number));
      return std::nullopt;
    }
    if (e.tooLarge || e.intValue > kMax || e.intValue < -kMax) {
      error(e.loc, what + " is out of range (at most " + llvm::Twine(kMax) +
                       ")");
      return std::nullopt;
    }
    return e.intValue;
  case Expr::Name: {
    auto it = dims.find(e.name);
    if (it != dims.end())
      return it->second;
    auto entry = scope.names.find(e.name);
    if (entry != scope.names.end() || (scope.net && modelScope.names.count(
                                                        e.name)))
      error(e.loc, what + " must be a compile-time integer, but '" + e.name +
                       "' is not a dim");
    else
      error(e.loc, "unknown dim '" + e.name + "'" +
                       didYouMean(e.name, dimNames));
    return std::nullopt;
  }
  case Expr::Unary: {
    auto v = evalInt(*e.args[0], scope, what);
    if (!v)
      return std::nullopt;
    return -*v;
  }
  case Expr::Binary: {
    auto a = evalInt(*e.args[0], scope, what);
    if (!a)
      return std::nullopt;
    auto b = evalInt(*e.args[1], scope, what);
    if (!b)
      return std::nullopt;
    int64_t r = 0;
    switch (e.op) {
    case '+': r = *a + *b; break;
    case '-': r = *a - *b; break;
    case '*': r = *a * *b; break;
    case '/':
      if (*b == 0) {
        error(e.loc, "division by zero in " + what);
        return std::nullopt;
      }
      r = *a / *b;
      break;
    default:
      error(e.loc, what + " cannot use '@'");
      return std::nullopt;
    }
    if (r > kMax || r < -kMax) {
      error(e.loc, what + " is out of range (at most " + llvm::Twine(kMax) +
                       ")");
      return std::nullopt;
    }
    return r;
  }
  default:
    error(e.loc, what + " must be a compile-time integer");
    return std::nullopt;
  }
}

RankedTensorType ModelGen::evalType(const TypeExpr &type, const Scope &scope) {
  Type elem = llvm::StringSwitch<Type>(type.elem)
                  .Case("f32", Float32Type::get(&ctx))
                  .Case("i32", IntegerType::get(&ctx, 32))
                  .Case("f16", Float16Type::get(&ctx))
                  .Case("bf16", BFloat16Type::get(&ctx))
                  .Default(Type());
  if (!elem) {
    error(type.loc, "unknown element type '" + type.elem +
                        "'; expected f32, i32, f16 or bf16");
    return nullptr;
  }
  SmallVector<int64_t> shape;
  int64_t count = 1;
  for (const ExprPtr &d : type.dims) {
    auto v = evalInt(*d, scope, "a dimension");
    if (!v)
      return nullptr;
    if (*v <= 0) {
      error(d->loc, "dimension sizes must be positive, found " +
                        llvm::Twine(*v));
      return nullptr;
    }
    count *= *v;
    if (count > std::numeric_limits<int32_t>::max()) {
      error(type.loc, "tensor type has more than 2147483647 elements");
      return nullptr;
    }
    shape.push_back(*v);
  }
  return RankedTensorType::get(shape, elem);
}

bool ModelGen::evalDims() {
  for (const Decl &decl : model->decls) {
    if (decl.kind != DeclKind::Dim)
      continue;
    std::optional<int64_t> value;
    auto it = options.dimOverrides.find(decl.name);
    if (it != options.dimOverrides.end())
      value = it->second;
    else
      value = evalInt(*decl.value, modelScope, "dim '" + decl.name + "'");
    if (!value)
      return false;
    if (*value <= 0)
      return error(decl.value->loc, "dim '" + decl.name +
                                        "' must be positive, found " +
                                        llvm::Twine(*value));
    dims[decl.name] = *value;
    dimNames.push_back(decl.name);
  }
  for (auto &[name, value] : options.dimOverrides)
    if (!dims.count(name))
      return error(model->loc, "-D " + name + "=" + std::to_string(value) +
                                   ": model '" + model->name +
                                   "' has no dim '" + name + "'" +
                                   didYouMean(name, dimNames));
  return true;
}

/// Calls of nets anywhere under `e`.
static void collectNetCalls(const Expr &e,
                            const std::map<std::string, Scope> &nets,
                            std::vector<const Expr *> &out) {
  if (e.kind == Expr::Call && nets.count(e.name))
    out.push_back(&e);
  for (const ExprPtr &arg : e.args)
    collectNetCalls(*arg, nets, out);
  for (const KwArg &kw : e.kwargs)
    collectNetCalls(*kw.value, nets, out);
}

bool ModelGen::checkNetRecursion() {
  // Depth-first search over the call graph; a back edge is a cycle.
  std::map<std::string, int> state; // 0 new, 1 on stack, 2 done
  std::vector<std::string> stack;
  std::function<bool(const std::string &)> visit =
      [&](const std::string &name) -> bool {
    state[name] = 1;
    stack.push_back(name);
    for (const Decl &decl : netScopes[name].net->body) {
      std::vector<const Expr *> calls;
      if (decl.value)
        collectNetCalls(*decl.value, netScopes, calls);
      for (const Expr *call : calls) {
        if (state[call->name] == 1) {
          std::string cycle;
          auto start = std::find(stack.begin(), stack.end(), call->name);
          for (auto it = start; it != stack.end(); ++it)
            cycle += *it + " -> ";
          return error(call->loc, "recursion among nets: " + cycle +
                                      call->name);
        }
        if (state[call->name] == 0 && !visit(call->name))
          return false;
      }
    }
    stack.pop_back();
    state[name] = 2;
    return true;
  };
  for (auto &[name, scope] : netScopes)
    if (state[name] == 0 && !visit(name))
      return false;
  return true;
}

bool ModelGen::checkTrainDecls() {
  std::set<std::string> entries = {"infer", "eval"};
  for (const Decl &decl : model->decls) {
    if (decl.kind != DeclKind::Train)
      continue;
    if (decl.name.find('.') != std::string::npos)
      return error(decl.nameLoc, "entry name '" + decl.name +
                                     "' must not contain '.'");
    if (isCKeyword(decl.name))
      return error(decl.nameLoc, "entry name '" + decl.name +
                                     "' is a C or C++ keyword; the library's "
                                     "functions are named after entries, "
                                     "choose another name");
    if (decl.name == "infer" || decl.name == "eval")
      return error(decl.nameLoc, "'" + decl.name +
                                     "' is reserved for the entry point "
                                     "of that name; choose another name");
    if (!entries.insert(decl.name).second)
      return error(decl.nameLoc, "redefinition of training entry '" +
                                     decl.name + "'");
    auto it = modelScope.names.find(decl.loss);
    if (it == modelScope.names.end())
      return error(decl.lossLoc, "unknown loss '" + decl.loss + "'" +
                                     didYouMean(decl.loss,
                                                modelScope.spelled));
    if (it->second.decl->kind != DeclKind::Loss)
      return error(decl.lossLoc, "'" + decl.loss + "' is a " +
                                     kindName(it->second.decl->kind) +
                                     ", not a loss; declare it with 'loss " +
                                     decl.loss + " = ...'");
    const Expr &opt = *decl.optimizer;
    if (opt.kind != Expr::Call && opt.kind != Expr::Name)
      return error(opt.loc, "expected an optimizer such as sgd(lr = 0.1)");
    const OptimizerSpec *spec = findOptimizer(opt.name);
    if (!spec)
      return error(opt.loc, "unknown optimizer '" + opt.name +
                                "'; expected sgd, adam, adamw or rmsprop" +
                                didYouMean(opt.name, optimizerNames()));
    if (opt.args.size() > spec->hypers.size())
      return error(opt.args[spec->hypers.size()]->loc,
                   opt.name + " takes at most " +
                       llvm::Twine(spec->hypers.size()) + " arguments");
    std::vector<std::string> names;
    for (const HyperSpec &h : spec->hypers)
      names.push_back(h.name);
    std::set<std::string> given;
    for (size_t i = 0; i < opt.args.size(); ++i)
      given.insert(spec->hypers[i].name);
    for (const KwArg &kw : opt.kwargs) {
      if (std::find(names.begin(), names.end(), kw.name) == names.end())
        return error(kw.loc, "unknown keyword argument '" + kw.name +
                                 "' for optimizer " + opt.name +
                                 didYouMean(kw.name, names));
      if (!given.insert(kw.name).second)
        return error(kw.loc, "argument '" + kw.name + "' of " + opt.name +
                                 " is given twice");
    }
    for (const HyperSpec &h : spec->hypers)
      if (std::isnan(h.dflt) && !given.count(h.name))
        return error(opt.loc, "optimizer " + opt.name + " needs '" +
                                  h.name + "', e.g. " + opt.name + "(" +
                                  h.name + " = 0.01)");
  }
  return true;
}

bool ModelGen::check() {
  if (program.models.empty())
    return error(SLoc{(uint32_t)diags.file().text().size()},
                 "expected a 'model' declaration, found none");
  if (program.models.size() > 1)
    return error(program.models[1].loc,
                 "only one model per file is allowed; '" +
                     program.models[0].name + "' is already declared");
  model = &program.models[0];
  if (isCKeyword(model->name))
    return error(model->loc, "model name '" + model->name +
                                 "' is a C or C++ keyword; the library's "
                                 "functions are prefixed with it, choose "
                                 "another name");
  for (const NetDef &net : program.nets) {
    if (FuncGen::isLayer(net.name) || findOptimizer(net.name))
      return error(net.loc, "net name '" + net.name +
                                "' is a built-in name; choose another");
    Scope scope;
    scope.prefix = net.name + ".";
    scope.net = &net;
    if (!netScopes.emplace(net.name, std::move(scope)).second)
      return error(net.loc, "redefinition of net '" + net.name + "'");
  }
  modelScope.prefix = "";
  if (!checkScope(modelScope, model->decls, /*isNet=*/false))
    return false;
  for (auto &[name, scope] : netScopes)
    if (!checkScope(scope, scope.net->body, /*isNet=*/true))
      return false;
  return evalDims() && checkNetRecursion() && checkTrainDecls();
}
