//===- AST.h - syntax tree of the .dl language ----------------------------===//
//
// What the parser produces: a program of models and nets, each a list of
// declarations (spec §4) whose right-hand sides are expressions. Names are
// resolved later, by Sema and IRGen.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_FRONTEND_AST_H
#define DLC_FRONTEND_AST_H

#include "compiler/Frontend/Diagnostics.h"

#include <memory>
#include <string>
#include <vector>

namespace dlc {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// `name = value` inside a call.
struct KwArg {
  std::string name;
  SLoc loc;
  ExprPtr value;
};

/// An expression. `Binary` ops are '+', '-', '*', '/', '@'; `Unary` is '-'.
struct Expr {
  enum Kind { Number, Bool, Name, Unary, Binary, Call, List } kind;
  SLoc loc;
  /// Number: its value; `isInt` when written without '.' or exponent, and
  /// `intValue` then holds it unless `tooLarge`.
  double number = 0;
  bool isInt = false, tooLarge = false, boolValue = false;
  int64_t intValue = 0;
  /// Name: the identifier; Call: the callee.
  std::string name;
  char op = 0;
  /// Unary/Binary operands, call positional arguments, list elements.
  std::vector<ExprPtr> args;
  std::vector<KwArg> kwargs;
  /// Height of the tree under this node (1 for a leaf).
  unsigned depth = 1;

  Expr(Kind kind, SLoc loc) : kind(kind), loc(loc) {}
};

/// `f32[B, 784]`: an element type and dims (integer literals or dim names).
struct TypeExpr {
  std::string elem;
  SLoc loc;
  std::vector<ExprPtr> dims;
};

enum class DeclKind {
  Dim, Input, Param, State, Let, Output, Loss, Metric, Train, Return
};

/// One declaration of a model or net.
struct Decl {
  DeclKind kind;
  SLoc loc;          // the keyword (or the name of a plain binding)
  std::string name;  // empty for `return`
  SLoc nameLoc;
  TypeExpr type;     // input, param, state
  ExprPtr value;     // dim value, initializer, right-hand side, return value
  // train ENTRY minimizes LOSS [over NAMES] with OPT(...)
  std::string loss;
  SLoc lossLoc;
  std::vector<std::pair<std::string, SLoc>> over;
  ExprPtr optimizer;
};

struct NetArg {
  std::string name;
  SLoc loc;
  TypeExpr type;
};

/// `net Name(args) { decls; return expr }`.
struct NetDef {
  std::string name;
  SLoc loc;
  std::vector<NetArg> args;
  std::vector<Decl> body;
};

/// `model name { decls }`.
struct ModelDef {
  std::string name;
  SLoc loc;
  std::vector<Decl> decls;
};

/// A whole `.dl` file. Nets live in one namespace, wherever declared.
struct Program {
  std::vector<ModelDef> models;
  std::vector<NetDef> nets;
};

} // namespace dlc

#endif // DLC_FRONTEND_AST_H
