//===- IRGen.h - from the .dl AST to the dl dialect -----------------------===//
//
// The front end's entry point: checks a parsed program (names, dims, nets,
// training declarations) and builds the `dl` module of the model — its
// params and states, and one function per entry point (docs/ir.md).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_FRONTEND_IRGEN_H
#define DLC_FRONTEND_IRGEN_H

#include "compiler/Frontend/AST.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>

namespace dlc {

struct FrontendOptions {
  /// `-D NAME=VALUE` overrides, with the text as given for messages.
  std::map<std::string, int64_t> dimOverrides;
  /// Only the `infer` entry point (no training or eval functions).
  bool inferOnly = false;
};

/// Builds the dl module of the single model in `program`, or reports errors
/// through `diags` and returns null.
mlir::OwningOpRef<mlir::ModuleOp> emitModule(mlir::MLIRContext &context,
                                             const Program &program,
                                             const FrontendOptions &options,
                                             DiagEngine &diags);

/// Parses and lowers `file` in one go (used by dlc and the fuzzer).
mlir::OwningOpRef<mlir::ModuleOp> compileSource(mlir::MLIRContext &context,
                                                const SourceFile &file,
                                                const FrontendOptions &options,
                                                DiagEngine &diags);

} // namespace dlc

#endif // DLC_FRONTEND_IRGEN_H
