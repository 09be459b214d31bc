//===- IRGenImpl.h - internals shared by the IRGen files ------------------===//
//
// The state of one model's lowering (ModelGen: scopes, dims, variables) and
// of one entry function being built (FuncGen: values, net call frames). Not
// a public header: only compiler/Frontend includes it.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_FRONTEND_IRGENIMPL_H
#define DLC_FRONTEND_IRGENIMPL_H

#include "compiler/Frontend/IRGen.h"
#include "dialects/DL/IR/DLOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/StringMap.h"

#include <optional>
#include <set>

namespace dlc {

/// What a name in a model or net body refers to.
struct NameEntry {
  enum Kind { Dim, Input, Param, State, Let, Arg } kind;
  const Decl *decl = nullptr; // null for net arguments
  unsigned order = 0;         // declaration index, for use-before-definition
  unsigned argIndex = 0;      // Arg: position in the net's arguments
};

/// The names declared in one body (the model's, or one net's).
struct Scope {
  std::string prefix; // "" for the model, "Net." inside net Net
  const NetDef *net = nullptr;
  llvm::StringMap<NameEntry> names;
  std::vector<std::string> spelled; // every name, for "did you mean"
};

/// The lowering of one model: scopes, dims, variables, the module.
class ModelGen {
public:
  ModelGen(mlir::MLIRContext &ctx, const Program &program,
           const FrontendOptions &options, DiagEngine &diags);

  /// Sema (Sema.cpp): builds the scopes and checks everything that does
  /// not need shapes. False after reporting an error.
  bool check();
  /// IRGen (IRGen.cpp): builds the module. Null after reporting an error.
  mlir::OwningOpRef<mlir::ModuleOp> emit();

  mlir::Location loc(SLoc at) const;
  bool error(SLoc at, const llvm::Twine &message) {
    return diags.error(at, message);
  }

  /// Evaluates a compile-time integer (literal, dim, + - * / of those).
  std::optional<int64_t> evalInt(const Expr &e, const Scope &scope,
                                 llvm::StringRef what);
  /// Evaluates a compile-time number (literal, dim, arithmetic of those).
  std::optional<double> evalNumber(const Expr &e, llvm::StringRef what);
  /// The tensor type of a TypeExpr; checks dims and sizes.
  mlir::RankedTensorType evalType(const TypeExpr &type, const Scope &scope);

  /// Declares a param or state (once; a later call with the same name must
  /// have the same type). Null after reporting an error.
  mlir::Operation *declareVariable(llvm::StringRef name, bool isState,
                                   mlir::RankedTensorType type,
                                   llvm::StringRef init,
                                   llvm::ArrayRef<double> args,
                                   std::optional<int64_t> seed,
                                   std::optional<int64_t> fanIn,
                                   std::optional<int64_t> fanOut, SLoc at);
  /// Declares a param or state from its `.dl` declaration.
  bool declareFromDecl(const Decl &decl, const Scope &scope);
  mlir::Operation *lookupVariable(llvm::StringRef fullName) const {
    return variables.lookup(fullName);
  }
  /// Every param and state name, for suggestions.
  std::vector<std::string> variableNames() const;

  mlir::MLIRContext &ctx;
  const Program &program;
  const FrontendOptions &options;
  DiagEngine &diags;
  const ModelDef *model = nullptr;
  Scope modelScope;
  std::map<std::string, Scope> netScopes;
  llvm::StringMap<int64_t> dims;
  std::vector<std::string> dimNames;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  llvm::StringMap<mlir::Operation *> variables;
  std::vector<std::string> variableOrder;
  std::set<std::string> calledNets;
  std::vector<mlir::Type> inputTypes;
  std::vector<const Decl *> inputDecls;

private:
  /// Builds entry `name` returning `results`; null after an error.
  mlir::func::FuncOp buildEntry(llvm::StringRef name, llvm::StringRef kind,
                                bool training,
                                llvm::ArrayRef<const Decl *> results);
  /// Checks a `train` line against its function and records it there.
  bool annotateTrain(mlir::func::FuncOp fn, const Decl &train);
  bool checkScope(Scope &scope, const std::vector<Decl> &decls, bool isNet);
  bool checkNetRecursion();
  bool checkTrainDecls();
  bool evalDims();
  mlir::Block::iterator variableInsertPoint();
};

/// Arguments of a built-in call matched to its signature.
struct CallArgs {
  std::vector<const Expr *> slots; // one per declared parameter, or null
  std::vector<const Expr *> rest;  // the variadic tail
  const Expr *call = nullptr;
};

/// Builds one entry function. Methods return a null Value after reporting
/// an error; callers propagate it.
class FuncGen {
public:
  FuncGen(ModelGen &m, mlir::func::FuncOp func, bool training);

  /// Generates every binding, output, loss and metric in order (the check
  /// pass that reports errors in source order).
  bool genAll();

  mlir::Value genExpr(const Expr &e, mlir::Type elemHint = {});
  mlir::Value genName(llvm::StringRef name, SLoc at);
  mlir::Value genCall(const Expr &call);
  mlir::Value genNetCall(const NetDef &net, const Expr &call);
  /// Zeros of a net's argument types (empty after an error).
  std::vector<mlir::Value> placeholders(const NetDef &net);
  /// The body of a net on argument values.
  mlir::Value genNetBody(const NetDef &net, std::vector<mlir::Value> args);

  /// Matches a call's arguments to a signature like "x, alpha?, *rest".
  bool bindArgs(const Expr &call, llvm::StringRef signature, CallArgs &out);

  // Argument helpers (Builtins.cpp).
  mlir::Value tensorArg(const Expr *e, mlir::Type elemHint = {});
  mlir::Value floatTensorArg(const Expr *e, llvm::StringRef fn);
  std::optional<int64_t> intArg(const Expr *e, llvm::StringRef what);
  std::optional<double> floatArg(const Expr *e, llvm::StringRef what);
  std::optional<bool> boolArg(const Expr *e, llvm::StringRef what);
  std::optional<llvm::SmallVector<int64_t>> intListArg(const Expr *e,
                                                       llvm::StringRef what);
  /// Normalizes a possibly negative axis of a tensor of `rank`; leaves an
  /// out-of-range axis as is so the op reports it.
  static int64_t normAxis(int64_t axis, int64_t rank) {
    return axis < 0 && axis >= -rank ? axis + rank : axis;
  }

  /// Asks the op for its result types, reports its message at `at` if it
  /// refuses, and creates it.
  template <typename OpT>
  mlir::Operation *buildOp(SLoc at, mlir::ValueRange operands,
                           llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    return buildGeneric(OpT::getOperationName(), &OpT::inferReturnTypes, at,
                        operands, attrs);
  }
  template <typename OpT>
  mlir::Value build(SLoc at, mlir::ValueRange operands,
                    llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
    mlir::Operation *op = buildOp<OpT>(at, operands, attrs);
    return op ? op->getResult(0) : mlir::Value();
  }
  mlir::Value constant(SLoc at, double value, mlir::Type elemType);
  mlir::Value load(llvm::StringRef fullName, SLoc at);
  mlir::Value applyActivation(const Expr *act, mlir::Value x, SLoc at);
  mlir::NamedAttribute attr(llvm::StringRef name, mlir::Attribute value) {
    return builder.getNamedAttr(name, value);
  }

  // Built-in functions (Builtins.cpp) and layers (Layers.cpp).
  mlir::Value genBuiltin(const Expr &call, bool *found);
  mlir::Value genLayer(const Expr &call, bool *found);
  static bool isLayer(llvm::StringRef name);
  static std::vector<std::string> layerNames();
  /// Every built-in function and layer name, for suggestions.
  static std::vector<std::string> functionNames();

  ModelGen &m;
  mlir::func::FuncOp func;
  mlir::OpBuilder builder;
  bool training;
  /// The current value of each param or state read in this function (one
  /// dl.load each; a batch-norm update replaces it with the new value).
  llvm::StringMap<mlir::Value> loads;

  /// One body being generated: the model's, or one call of a net.
  struct Frame {
    Scope *scope;
    llvm::StringMap<mlir::Value> values;
    std::vector<mlir::Value> args;
    unsigned order = ~0u; // declaration being generated
    std::string binding;  // its name, for layers
    std::set<std::string> inProgress;
  };
  std::vector<Frame> frames;
  Frame &frame() { return frames.back(); }
  unsigned dropoutCount = 0;

private:
  mlir::Operation *buildGeneric(
      llvm::StringRef opName,
      llvm::LogicalResult (*infer)(mlir::MLIRContext *,
                                   std::optional<mlir::Location>,
                                   mlir::ValueRange, mlir::DictionaryAttr,
                                   mlir::OpaqueProperties, mlir::RegionRange,
                                   llvm::SmallVectorImpl<mlir::Type> &),
      SLoc at, mlir::ValueRange operands,
      llvm::ArrayRef<mlir::NamedAttribute> attrs);
  mlir::Value genBinding(const NameEntry &entry, llvm::StringRef name,
                         SLoc at);
};

} // namespace dlc

#endif // DLC_FRONTEND_IRGENIMPL_H

namespace dlc {

/// A hyper-parameter of an optimizer and its default (NaN: required).
struct HyperSpec {
  const char *name;
  double dflt;
  bool isBool;
};

/// An optimizer of spec §7 with its hyper-parameters in declaration order.
struct OptimizerSpec {
  const char *name;
  std::vector<HyperSpec> hypers;
};

/// The optimizer called `name`, or null.
const OptimizerSpec *findOptimizer(llvm::StringRef name);
/// Every optimizer name, for suggestions.
std::vector<std::string> optimizerNames();

} // namespace dlc
