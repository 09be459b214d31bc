//===- Parser.h - recursive-descent parser of the .dl language ------------===//
//
// Builds the AST of a `.dl` file. Stops at the first syntax error, which it
// reports through the DiagEngine. Nesting is bounded, so no input can
// exhaust the stack.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_FRONTEND_PARSER_H
#define DLC_FRONTEND_PARSER_H

#include "compiler/Frontend/AST.h"

#include <optional>

namespace dlc {

/// Parses `file`; returns nullopt after reporting an error.
std::optional<Program> parseProgram(const SourceFile &file, DiagEngine &diags);

/// The deepest expression tree the parser accepts.
constexpr unsigned kMaxExprDepth = 256;

} // namespace dlc

#endif // DLC_FRONTEND_PARSER_H
