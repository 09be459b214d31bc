//===- Lexer.cpp - tokens of the .dl language -----------------------------===//
//
// A hand-written lexer over the whole buffer. Numbers are only delimited
// here; the parser converts them and reports overflow.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/Lexer.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"

using namespace dlc;

static bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool isDigit(char c) { return c >= '0' && c <= '9'; }
static bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }

Token Lexer::make(Tok kind, size_t start) const {
  Token t;
  t.kind = kind;
  t.text = text_.substr(start, pos_ - start);
  t.loc = SLoc{static_cast<uint32_t>(start)};
  t.atLineStart = sawNewline_;
  return t;
}

Token Lexer::next() {
  // Skip whitespace and comments.
  sawNewline_ = pos_ == 0;
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '\n')
      sawNewline_ = true;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
        c == '\v') {
      ++pos_;
    } else if (c == '#' || (c == '/' && pos_ + 1 < text_.size() &&
                            text_[pos_ + 1] == '/')) {
      while (pos_ < text_.size() && text_[pos_] != '\n')
        ++pos_;
    } else {
      break;
    }
  }
  size_t start = pos_;
  if (pos_ >= text_.size())
    return make(Tok::Eof, start);
  char c = text_[pos_];

  if (isIdentStart(c)) {
    while (pos_ < text_.size() && isIdentChar(text_[pos_]))
      ++pos_;
    // Dotted names: `h.w`, `D.h.b`.
    while (pos_ + 1 < text_.size() && text_[pos_] == '.' &&
           isIdentStart(text_[pos_ + 1])) {
      ++pos_;
      while (pos_ < text_.size() && isIdentChar(text_[pos_]))
        ++pos_;
    }
    Token t = make(Tok::Ident, start);
    t.kind = llvm::StringSwitch<Tok>(t.text)
                 .Case("model", Tok::KwModel)
                 .Case("net", Tok::KwNet)
                 .Case("dim", Tok::KwDim)
                 .Case("input", Tok::KwInput)
                 .Case("param", Tok::KwParam)
                 .Case("state", Tok::KwState)
                 .Case("output", Tok::KwOutput)
                 .Case("loss", Tok::KwLoss)
                 .Case("metric", Tok::KwMetric)
                 .Case("train", Tok::KwTrain)
                 .Case("minimizes", Tok::KwMinimizes)
                 .Case("over", Tok::KwOver)
                 .Case("with", Tok::KwWith)
                 .Case("return", Tok::KwReturn)
                 .Case("true", Tok::KwTrue)
                 .Case("false", Tok::KwFalse)
                 .Default(Tok::Ident);
    return t;
  }

  if (isDigit(c) || (c == '.' && pos_ + 1 < text_.size() &&
                     isDigit(text_[pos_ + 1]))) {
    while (pos_ < text_.size() && isDigit(text_[pos_]))
      ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      while (pos_ < text_.size() && isDigit(text_[pos_]))
        ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      size_t save = pos_++;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-'))
        ++pos_;
      if (pos_ < text_.size() && isDigit(text_[pos_])) {
        while (pos_ < text_.size() && isDigit(text_[pos_]))
          ++pos_;
      } else {
        pos_ = save; // `2e` is the number 2 followed by the name `e`
      }
    }
    if (pos_ < text_.size() && isIdentStart(text_[pos_])) {
      while (pos_ < text_.size() && isIdentChar(text_[pos_]))
        ++pos_;
      diags_.error(SLoc{(uint32_t)start},
                   "invalid number '" + text_.substr(start, pos_ - start) +
                       "'");
      return make(Tok::Error, start);
    }
    return make(Tok::Number, start);
  }

  ++pos_;
  switch (c) {
  case '{': return make(Tok::LBrace, start);
  case '}': return make(Tok::RBrace, start);
  case '(': return make(Tok::LParen, start);
  case ')': return make(Tok::RParen, start);
  case '[': return make(Tok::LBracket, start);
  case ']': return make(Tok::RBracket, start);
  case ',': return make(Tok::Comma, start);
  case ':': return make(Tok::Colon, start);
  case ';': return make(Tok::Semi, start);
  case '=': return make(Tok::Equal, start);
  case '+': return make(Tok::Plus, start);
  case '-': return make(Tok::Minus, start);
  case '*': return make(Tok::Star, start);
  case '/': return make(Tok::Slash, start);
  case '@': return make(Tok::At, start);
  default: break;
  }
  std::string shown;
  if (c >= 0x20 && c < 0x7f)
    shown = std::string("'") + c + "'";
  else
    shown = llvm::formatv("byte 0x{0:x-2}", (unsigned)(unsigned char)c).str();
  diags_.error(SLoc{(uint32_t)start}, "unexpected character " + shown);
  return make(Tok::Error, start);
}

llvm::StringRef dlc::spell(Tok kind) {
  switch (kind) {
  case Tok::Eof: return "end of file";
  case Tok::Error: return "invalid token";
  case Tok::Ident: return "a name";
  case Tok::Number: return "a number";
  case Tok::KwModel: return "'model'";
  case Tok::KwNet: return "'net'";
  case Tok::KwDim: return "'dim'";
  case Tok::KwInput: return "'input'";
  case Tok::KwParam: return "'param'";
  case Tok::KwState: return "'state'";
  case Tok::KwOutput: return "'output'";
  case Tok::KwLoss: return "'loss'";
  case Tok::KwMetric: return "'metric'";
  case Tok::KwTrain: return "'train'";
  case Tok::KwMinimizes: return "'minimizes'";
  case Tok::KwOver: return "'over'";
  case Tok::KwWith: return "'with'";
  case Tok::KwReturn: return "'return'";
  case Tok::KwTrue: return "'true'";
  case Tok::KwFalse: return "'false'";
  case Tok::LBrace: return "'{'";
  case Tok::RBrace: return "'}'";
  case Tok::LParen: return "'('";
  case Tok::RParen: return "')'";
  case Tok::LBracket: return "'['";
  case Tok::RBracket: return "']'";
  case Tok::Comma: return "','";
  case Tok::Colon: return "':'";
  case Tok::Semi: return "';'";
  case Tok::Equal: return "'='";
  case Tok::Plus: return "'+'";
  case Tok::Minus: return "'-'";
  case Tok::Star: return "'*'";
  case Tok::Slash: return "'/'";
  case Tok::At: return "'@'";
  }
  return "token";
}
