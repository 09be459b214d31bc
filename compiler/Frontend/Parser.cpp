//===- Parser.cpp - recursive-descent parser of the .dl language ----------===//
//
// Grammar (declarations need no separator; `;` is allowed and ignored):
//
//   program := (model | net)*
//   model   := 'model' NAME '{' decl* '}'
//   net     := 'net' NAME '(' (NAME ':' type),* ')' '{' decl* '}'
//   decl    := 'dim' NAME '=' expr | 'input' NAME ':' type
//            | ('param' | 'state') NAME ':' type ['=' expr]
//            | 'output' NAME ['=' expr] | ('loss' | 'metric') NAME '=' expr
//            | 'train' NAME 'minimizes' NAME ['over' NAME,+] 'with' expr
//            | 'return' expr | net | NAME '=' expr
//   type    := NAME ['[' expr,* ']']
//   expr    := term (('+' | '-') term)*
//   term    := unary (('*' | '/' | '@') unary)*
//   unary   := '-' unary | primary
//   primary := NUMBER | 'true' | 'false' | NAME ['(' arg,* ')'] | '(' expr ')'
//            | '[' expr,* ']'
//   arg     := NAME '=' expr | expr
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/Parser.h"

#include "compiler/Frontend/Lexer.h"

#include <cerrno>
#include <cstdlib>

using namespace dlc;

namespace {

class Parser {
public:
  Parser(const SourceFile &file, DiagEngine &diags)
      : lexer_(file, diags), diags_(diags) {
    advance();
  }

  std::optional<Program> parse() {
    Program program;
    while (tok_.kind != Tok::Eof) {
      if (tok_.kind == Tok::KwModel) {
        ModelDef model;
        if (!parseModel(model))
          return std::nullopt;
        program.models.push_back(std::move(model));
      } else if (tok_.kind == Tok::KwNet) {
        if (!parseNet(program.nets))
          return std::nullopt;
      } else if (tok_.kind == Tok::Semi) {
        advance();
      } else {
        if (tok_.kind != Tok::Error)
          diags_.error(tok_.loc, "expected 'model' or 'net', found " +
                                     describe(tok_));
        return std::nullopt;
      }
    }
    // Nets declared inside the model were collected as they were parsed.
    for (NetDef &net : nested_)
      program.nets.push_back(std::move(net));
    return program;
  }

private:
  void advance() { tok_ = lexer_.next(); }

  static std::string describe(const Token &t) {
    if (t.kind == Tok::Ident || t.kind == Tok::Number)
      return "'" + t.text.str() + "'";
    return spell(t.kind).str();
  }

  bool fail(const llvm::Twine &message) {
    if (tok_.kind == Tok::Error)
      return false; // the lexer already reported it
    return diags_.error(tok_.loc, message);
  }

  bool expect(Tok kind, llvm::StringRef context) {
    if (tok_.kind != kind)
      return fail("expected " + spell(kind) + " " + context + ", found " +
                  describe(tok_));
    advance();
    return true;
  }

  bool expectName(std::string &name, SLoc &loc, llvm::StringRef context) {
    if (tok_.kind != Tok::Ident)
      return fail("expected a name " + context + ", found " + describe(tok_));
    name = tok_.text.str();
    loc = tok_.loc;
    advance();
    return true;
  }

  bool parseModel(ModelDef &model) {
    advance(); // 'model'
    if (!expectName(model.name, model.loc, "after 'model'"))
      return false;
    if (model.name.find('.') != std::string::npos)
      return diags_.error(model.loc, "model name '" + model.name +
                                         "' must not contain '.'");
    if (!expect(Tok::LBrace, "to open the model body"))
      return false;
    return parseBody(model.decls, /*inNet=*/false);
  }

  bool parseNet(std::vector<NetDef> &out) {
    NetDef net;
    advance(); // 'net'
    if (!expectName(net.name, net.loc, "after 'net'"))
      return false;
    if (net.name.find('.') != std::string::npos)
      return diags_.error(net.loc, "net name '" + net.name +
                                       "' must not contain '.'");
    if (!expect(Tok::LParen, "after the net name"))
      return false;
    while (tok_.kind != Tok::RParen) {
      NetArg arg;
      if (!expectName(arg.name, arg.loc, "for a net argument") ||
          !expect(Tok::Colon, "after the argument name") ||
          !parseType(arg.type))
        return false;
      net.args.push_back(std::move(arg));
      if (tok_.kind != Tok::Comma)
        break;
      advance();
    }
    if (!expect(Tok::RParen, "to close the net arguments") ||
        !expect(Tok::LBrace, "to open the net body") ||
        !parseBody(net.body, /*inNet=*/true))
      return false;
    out.push_back(std::move(net));
    return true;
  }

  /// Declarations up to and including the closing '}'.
  bool parseBody(std::vector<Decl> &decls, bool inNet) {
    while (tok_.kind != Tok::RBrace) {
      if (tok_.kind == Tok::Semi) {
        advance();
        continue;
      }
      if (tok_.kind == Tok::Eof)
        return fail("expected '}' to close the " +
                    llvm::Twine(inNet ? "net" : "model") +
                    " body, found end of file");
      if (tok_.kind == Tok::KwNet) {
        if (inNet)
          return fail("nets cannot be declared inside a net");
        if (!parseNet(nested_))
          return false;
        continue;
      }
      Decl decl;
      if (!parseDecl(decl))
        return false;
      decls.push_back(std::move(decl));
    }
    advance(); // '}'
    return true;
  }

  bool parseDecl(Decl &d) {
    d.loc = tok_.loc;
    switch (tok_.kind) {
    case Tok::KwDim:
      d.kind = DeclKind::Dim;
      advance();
      return expectName(d.name, d.nameLoc, "after 'dim'") &&
             expect(Tok::Equal, "after the dim name") && parseExpr(d.value);
    case Tok::KwInput:
      d.kind = DeclKind::Input;
      advance();
      return expectName(d.name, d.nameLoc, "after 'input'") &&
             expect(Tok::Colon, "after the input name") && parseType(d.type);
    case Tok::KwParam:
    case Tok::KwState:
      d.kind = tok_.kind == Tok::KwParam ? DeclKind::Param : DeclKind::State;
      advance();
      if (!expectName(d.name, d.nameLoc, "for the declaration") ||
          !expect(Tok::Colon, "after the name") || !parseType(d.type))
        return false;
      if (tok_.kind != Tok::Equal)
        return true;
      advance();
      return parseExpr(d.value);
    case Tok::KwOutput:
      d.kind = DeclKind::Output;
      advance();
      if (!expectName(d.name, d.nameLoc, "after 'output'"))
        return false;
      if (tok_.kind != Tok::Equal)
        return true;
      advance();
      return parseExpr(d.value);
    case Tok::KwLoss:
    case Tok::KwMetric:
      d.kind = tok_.kind == Tok::KwLoss ? DeclKind::Loss : DeclKind::Metric;
      advance();
      return expectName(d.name, d.nameLoc, "for the declaration") &&
             expect(Tok::Equal, "after the name") && parseExpr(d.value);
    case Tok::KwTrain:
      d.kind = DeclKind::Train;
      advance();
      if (!expectName(d.name, d.nameLoc, "for the training entry point") ||
          !expect(Tok::KwMinimizes, "after the entry name") ||
          !expectName(d.loss, d.lossLoc, "of a loss after 'minimizes'"))
        return false;
      if (tok_.kind == Tok::KwOver) {
        advance();
        do {
          if (!d.over.empty())
            advance(); // ','
          std::pair<std::string, SLoc> name;
          if (!expectName(name.first, name.second, "after 'over'"))
            return false;
          d.over.push_back(name);
        } while (tok_.kind == Tok::Comma);
      }
      if (!expect(Tok::KwWith, "before the optimizer"))
        return false;
      return parseExpr(d.optimizer);
    case Tok::KwReturn:
      d.kind = DeclKind::Return;
      advance();
      return parseExpr(d.value);
    case Tok::Ident:
      d.kind = DeclKind::Let;
      d.name = tok_.text.str();
      d.nameLoc = tok_.loc;
      advance();
      if (tok_.kind != Tok::Equal)
        return fail("expected '=' after '" + d.name + "', found " +
                    describe(tok_));
      advance();
      return parseExpr(d.value);
    default:
      return fail("expected a declaration (dim, input, param, state, output, "
                  "loss, metric, train or NAME = EXPR), found " +
                  describe(tok_) +
                  (precedence(tok_.kind) > 0
                       ? "; to continue an expression on the next line, end "
                         "the line with the operator or wrap the expression "
                         "in parentheses"
                       : ""));
    }
  }

  bool parseType(TypeExpr &type) {
    type.loc = tok_.loc;
    SLoc loc;
    if (!expectName(type.elem, loc, "for an element type (f32, i32)"))
      return false;
    if (tok_.kind != Tok::LBracket)
      return true;
    advance();
    while (tok_.kind != Tok::RBracket) {
      ExprPtr dim;
      if (!parseExpr(dim))
        return false;
      type.dims.push_back(std::move(dim));
      if (tok_.kind != Tok::Comma)
        break;
      advance();
    }
    return expect(Tok::RBracket, "to close the shape");
  }

  ExprPtr makeNode(Expr::Kind kind, SLoc loc) {
    return std::make_unique<Expr>(kind, loc);
  }

  bool parseExpr(ExprPtr &out) { return parseLevel(out, 1); }

  static int precedence(Tok kind) {
    switch (kind) {
    case Tok::Plus:
    case Tok::Minus: return 1;
    case Tok::Star:
    case Tok::Slash:
    case Tok::At: return 2;
    default: return 0;
    }
  }

  /// One precedence level: `+ -` (1) over `* / @` (2) over unary;
  /// left-associative.
  bool parseLevel(ExprPtr &out, int level) {
    ExprPtr lhs;
    if (!(level == 2 ? parseUnary(lhs) : parseLevel(lhs, 2)))
      return false;
    while (precedence(tok_.kind) == level &&
           (!tok_.atLineStart || brackets_ > 0)) {
      Token opTok = tok_;
      advance();
      ExprPtr rhs;
      if (!(level == 2 ? parseUnary(rhs) : parseLevel(rhs, 2)))
        return false;
      auto node = makeNode(Expr::Binary, opTok.loc);
      node->op = opTok.text[0];
      node->depth = std::max(lhs->depth, rhs->depth) + 1;
      if (node->depth > kMaxExprDepth)
        return diags_.error(opTok.loc, "expression is too deeply nested "
                                       "(more than " +
                                           llvm::Twine(kMaxExprDepth) +
                                           " levels)");
      node->args.push_back(std::move(lhs));
      node->args.push_back(std::move(rhs));
      lhs = std::move(node);
    }
    out = std::move(lhs);
    return true;
  }

  /// Guards every recursive descent, so deeply nested input is an error.
  struct Nest {
    Parser &p;
    explicit Nest(Parser &p) : p(p) { ++p.nesting_; }
    ~Nest() { --p.nesting_; }
  };
  /// Counts an open bracket until the closing one has been consumed.
  struct Bracket {
    Parser &p;
    explicit Bracket(Parser &p) : p(p) { ++p.brackets_; }
    ~Bracket() { --p.brackets_; }
  };
  bool tooDeep() {
    if (nesting_ <= kMaxExprDepth)
      return false;
    return !fail("expression is too deeply nested (more than " +
                 llvm::Twine(kMaxExprDepth) + " levels)");
  }

  bool parseUnary(ExprPtr &out) {
    Nest nest(*this);
    if (tooDeep())
      return false;
    if (tok_.kind != Tok::Minus)
      return parsePrimary(out);
    SLoc loc = tok_.loc;
    advance();
    ExprPtr operand;
    if (!parseUnary(operand))
      return false;
    // Fold `-literal` so that `-2.0` is a literal, as spec §2 says.
    if (operand->kind == Expr::Number) {
      operand->number = -operand->number;
      operand->intValue = -operand->intValue;
      operand->loc = loc;
      out = std::move(operand);
      return true;
    }
    out = makeNode(Expr::Unary, loc);
    out->op = '-';
    out->depth = operand->depth + 1;
    out->args.push_back(std::move(operand));
    return true;
  }

  bool parseNumber(ExprPtr &out) {
    out = makeNode(Expr::Number, tok_.loc);
    std::string text = tok_.text.str();
    out->isInt = text.find_first_of(".eE") == std::string::npos;
    errno = 0;
    out->number = std::strtod(text.c_str(), nullptr);
    if (errno == ERANGE && out->number != 0.0)
      return fail("number '" + text + "' is out of range");
    if (out->isInt) {
      errno = 0;
      long long v = std::strtoll(text.c_str(), nullptr, 10);
      out->tooLarge = errno == ERANGE;
      out->intValue = v;
    }
    advance();
    return true;
  }

  bool parsePrimary(ExprPtr &out) {
    switch (tok_.kind) {
    case Tok::Number:
      return parseNumber(out);
    case Tok::KwTrue:
    case Tok::KwFalse:
      out = makeNode(Expr::Bool, tok_.loc);
      out->boolValue = tok_.kind == Tok::KwTrue;
      advance();
      return true;
    case Tok::LParen: {
      Bracket bracket(*this);
      advance();
      if (!parseExpr(out))
        return false;
      return expect(Tok::RParen, "to close the parenthesis");
    }
    case Tok::LBracket: {
      Bracket bracket(*this);
      out = makeNode(Expr::List, tok_.loc);
      advance();
      while (tok_.kind != Tok::RBracket) {
        ExprPtr element;
        if (!parseExpr(element))
          return false;
        out->depth = std::max(out->depth, element->depth + 1);
        out->args.push_back(std::move(element));
        if (tok_.kind != Tok::Comma)
          break;
        advance();
      }
      return expect(Tok::RBracket, "to close the list");
    }
    case Tok::Ident: {
      out = makeNode(Expr::Name, tok_.loc);
      out->name = tok_.text.str();
      advance();
      if (tok_.kind != Tok::LParen)
        return true;
      out->kind = Expr::Call;
      Bracket bracket(*this);
      advance();
      while (tok_.kind != Tok::RParen) {
        ExprPtr arg;
        SLoc argLoc = tok_.loc;
        if (!parseExpr(arg))
          return false;
        if (tok_.kind == Tok::Equal) {
          if (arg->kind != Expr::Name)
            return fail("expected ',' or ')' in the argument list, found "
                        "'='");
          advance();
          KwArg kw;
          kw.name = arg->name;
          kw.loc = argLoc;
          if (!parseExpr(kw.value))
            return false;
          out->depth = std::max(out->depth, kw.value->depth + 1);
          out->kwargs.push_back(std::move(kw));
        } else {
          if (!out->kwargs.empty())
            return diags_.error(argLoc, "positional argument after keyword "
                                        "argument '" +
                                            out->kwargs.back().name + "'");
          out->depth = std::max(out->depth, arg->depth + 1);
          out->args.push_back(std::move(arg));
        }
        if (tok_.kind != Tok::Comma)
          break;
        advance();
      }
      return expect(Tok::RParen, "to close the argument list");
    }
    default:
      return fail("expected an expression, found " + describe(tok_));
    }
  }

  Lexer lexer_;
  DiagEngine &diags_;
  Token tok_;
  unsigned nesting_ = 0;
  unsigned brackets_ = 0; // open '(' and '[' around the current token
  std::vector<NetDef> nested_;
};

} // namespace

std::optional<Program> dlc::parseProgram(const SourceFile &file,
                                         DiagEngine &diags) {
  Parser parser(file, diags);
  return parser.parse();
}
