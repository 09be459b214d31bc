//===- Lexer.h - tokens of the .dl language -------------------------------===//
//
// Splits a `.dl` buffer into tokens (spec §2): identifiers (dotted names
// such as `h.w` included), keywords, numbers and punctuation; `//` and `#`
// comments are skipped. Any other byte is an error, never a crash.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_FRONTEND_LEXER_H
#define DLC_FRONTEND_LEXER_H

#include "compiler/Frontend/Diagnostics.h"

namespace dlc {

enum class Tok {
  Eof,
  Error,
  Ident,
  Number,
  // Keywords.
  KwModel, KwNet, KwDim, KwInput, KwParam, KwState, KwOutput, KwLoss,
  KwMetric, KwTrain, KwMinimizes, KwOver, KwWith, KwReturn, KwTrue, KwFalse,
  // Punctuation.
  LBrace, RBrace, LParen, RParen, LBracket, RBracket, Comma, Colon, Semi,
  Equal, Plus, Minus, Star, Slash, At,
};

/// A token: its kind, its text and where it starts.
struct Token {
  Tok kind = Tok::Eof;
  llvm::StringRef text;
  SLoc loc;
  /// The first token of its line: a binary operator there does not
  /// continue the expression of the line before (outside brackets).
  bool atLineStart = false;
};

/// Produces tokens one at a time.
class Lexer {
public:
  Lexer(const SourceFile &file, DiagEngine &diags)
      : text_(file.text()), diags_(diags) {}
  Token next();

private:
  Token make(Tok kind, size_t start) const;
  llvm::StringRef text_;
  DiagEngine &diags_;
  size_t pos_ = 0;
  bool sawNewline_ = true;
};

/// How a token kind is spelled in messages ("'{'", "identifier").
llvm::StringRef spell(Tok kind);

} // namespace dlc

#endif // DLC_FRONTEND_LEXER_H
