//===- Diagnostics.h - located errors of the .dl front end ----------------===//
//
// A source buffer and the error reporter of the front end. Errors print as
// `file:line:col: error: message`, then the source line and a caret under
// the column (spec §9).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_FRONTEND_DIAGNOSTICS_H
#define DLC_FRONTEND_DIAGNOSTICS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dlc {

/// A position in the source: a byte offset into the buffer.
struct SLoc {
  uint32_t offset = 0;
};

/// The text of one `.dl` file, with line lookup.
class SourceFile {
public:
  SourceFile(std::string path, std::string text);
  llvm::StringRef path() const { return path_; }
  llvm::StringRef text() const { return text_; }
  /// 1-based line and column of `loc`.
  std::pair<unsigned, unsigned> lineCol(SLoc loc) const;
  /// The position of 1-based `line` and `col` (clamped into the file).
  SLoc locOf(unsigned line, unsigned col) const;
  /// The text of the 1-based line `line`, without its newline.
  llvm::StringRef lineText(unsigned line) const;

private:
  std::string path_, text_;
  std::vector<uint32_t> lineStarts_;
};

/// Collects and prints the front end's errors.
class DiagEngine {
public:
  DiagEngine(const SourceFile &file, llvm::raw_ostream &os)
      : file_(file), os_(os) {}
  /// Reports an error at `loc`; returns false so callers can `return error()`.
  bool error(SLoc loc, const llvm::Twine &message);
  /// A note attached to the previous error.
  void note(SLoc loc, const llvm::Twine &message);
  bool hadError() const { return errors_ > 0; }
  unsigned errorCount() const { return errors_; }
  const SourceFile &file() const { return file_; }

private:
  void print(SLoc loc, llvm::StringRef kind, const llvm::Twine &message);
  const SourceFile &file_;
  llvm::raw_ostream &os_;
  unsigned errors_ = 0;
};

/// A number as a user would write it: `0.5`, `1e-05`, `3`.
std::string formatNumber(double value);

/// The candidate closest to `name` by edit distance, if it is close enough
/// to be a likely typo; empty otherwise.
std::string closestMatch(llvm::StringRef name,
                         llvm::ArrayRef<std::string> candidates);

/// "; did you mean 'x'?" or "".
std::string didYouMean(llvm::StringRef name,
                       llvm::ArrayRef<std::string> candidates);

} // namespace dlc

#endif // DLC_FRONTEND_DIAGNOSTICS_H
