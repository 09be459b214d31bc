//===- Diagnostics.cpp - located errors of the .dl front end --------------===//
//
// Prints errors with the quoted source line and a caret, and suggests the
// closest known name for typos.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/Diagnostics.h"

#include <algorithm>
#include <cstdio>

using namespace dlc;

SourceFile::SourceFile(std::string path, std::string text)
    : path_(std::move(path)), text_(std::move(text)) {
  lineStarts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n')
      lineStarts_.push_back(i + 1);
}

std::pair<unsigned, unsigned> SourceFile::lineCol(SLoc loc) const {
  auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(),
                             loc.offset);
  unsigned line = it - lineStarts_.begin();
  return {line, loc.offset - lineStarts_[line - 1] + 1};
}

SLoc SourceFile::locOf(unsigned line, unsigned col) const {
  if (line == 0 || line > lineStarts_.size())
    return SLoc{(uint32_t)text_.size()};
  uint64_t offset = lineStarts_[line - 1] + (col ? col - 1 : 0);
  return SLoc{(uint32_t)std::min<uint64_t>(offset, text_.size())};
}

llvm::StringRef SourceFile::lineText(unsigned line) const {
  if (line == 0 || line > lineStarts_.size())
    return {};
  llvm::StringRef rest = llvm::StringRef(text_).drop_front(
      lineStarts_[line - 1]);
  return rest.take_until([](char c) { return c == '\n' || c == '\r'; });
}

bool DiagEngine::error(SLoc loc, const llvm::Twine &message) {
  ++errors_;
  print(loc, "error", message);
  return false;
}

void DiagEngine::note(SLoc loc, const llvm::Twine &message) {
  print(loc, "note", message);
}

void DiagEngine::print(SLoc loc, llvm::StringRef kind,
                       const llvm::Twine &message) {
  auto [line, col] = file_.lineCol(loc);
  os_ << file_.path() << ':' << line << ':' << col << ": " << kind << ": "
      << message << '\n';
  // Quote at most 160 columns of the line around the caret, with
  // unprintable bytes shown as '?' so binary input cannot garble a terminal.
  llvm::StringRef text = file_.lineText(line);
  size_t start = col > 120 ? col - 80 : 0;
  llvm::StringRef shown = text.substr(start, 160);
  std::string quoted, caret;
  for (char c : shown)
    quoted += (c == '\t' || (c >= 0x20 && c < 0x7f)) ? c : '?';
  for (size_t i = start; i + 1 < col && i < text.size(); ++i)
    caret += text[i] == '\t' ? '\t' : ' ';
  os_ << quoted << '\n' << caret << "^\n";
}

std::string dlc::closestMatch(llvm::StringRef name,
                              llvm::ArrayRef<std::string> candidates) {
  std::string best;
  unsigned bestDistance = ~0u;
  unsigned limit = std::max<unsigned>(1, (name.size() + 2) / 3);
  for (const std::string &candidate : candidates) {
    unsigned d = name.edit_distance(candidate, true, limit + 1);
    if (d <= limit && d < bestDistance && candidate != name) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

std::string dlc::didYouMean(llvm::StringRef name,
                            llvm::ArrayRef<std::string> candidates) {
  std::string best = closestMatch(name, candidates);
  return best.empty() ? std::string() : "; did you mean '" + best + "'?";
}

std::string dlc::formatNumber(double value) {
  char buffer[32];
  snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}
