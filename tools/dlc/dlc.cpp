//===- dlc.cpp - the dlc compiler driver ----------------------------------===//
//
// Parses the command line (spec/abi.md §1), runs the front end and writes the
// requested stage. Exit status: 0 success, 1 error in the input, 2 bad
// command line, 3 internal error. Outputs are written atomically (a
// temporary file renamed into place) and only on success.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/IRGen.h"
#include "dialects/DL/IR/DLOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <string>

namespace {

enum ExitCode { kOk = 0, kUserError = 1, kUsageError = 2, kInternalError = 3 };

const char *kHelp = R"(OVERVIEW: dlc - ahead-of-time compiler for neural networks written in .dl

USAGE: dlc MODEL.dl [options]

OPTIONS:
  -o FILE               write the output to FILE ('-' for standard output,
                        the default for --emit=dl)
  --emit=dl             print the dl dialect: params, states and the forward
                        graph of every entry point (infer, each train line,
                        eval) with its training declaration
  -D NAME=VALUE         override the dim NAME (repeatable)
  --infer-only          only the infer entry point
  --mlir-print-debuginfo
                        print the .dl source location of every op
  --version             print the version and exit
  --help                print this help and exit

Code generation (shared libraries, static archives, headers, the later
--emit stages and --target=cuda) is not available in this version; see
README.md for what is implemented.

EXIT STATUS: 0 success, 1 error in the input, 2 bad command line,
3 internal error.
)";

int usage(const llvm::Twine &message) {
  llvm::errs() << "dlc: error: " << message << "\n"
               << "dlc: run 'dlc --help' for the options\n";
  return kUsageError;
}

struct Options {
  std::string input, output;
  std::string emit;
  bool printDebugInfo = false;
  dlc::FrontendOptions frontend;
};

/// Parses argv into `opts`; returns an exit code to stop with, or -1.
int parseArgs(int argc, char **argv, Options &opts) {
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    auto value = [&](llvm::StringRef flag, std::string &out) -> bool {
      if (arg == flag) {
        if (i + 1 >= argc)
          return false;
        out = argv[++i];
        return true;
      }
      out = arg.drop_front(flag.size()).str();
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      llvm::outs() << kHelp;
      return kOk;
    }
    if (arg == "--version") {
      llvm::outs() << "dlc " << DLC_VERSION << " (LLVM/MLIR "
                   << LLVM_VERSION_STRING << ")\n";
      return kOk;
    }
    if (arg.starts_with("-o")) {
      if (!value("-o", opts.output) || opts.output.empty())
        return usage("-o needs a file name");
    } else if (arg.starts_with("--emit=")) {
      opts.emit = arg.drop_front(7).str();
      if (opts.emit != "dl") {
        if (llvm::is_contained({"grad", "linalg", "llvm", "asm", "obj",
                                "header"},
                               opts.emit))
          return usage("--emit=" + opts.emit +
                       " is not available in this version (available: dl)");
        return usage("unknown stage '" + opts.emit + "' in --emit (available: dl)");
      }
    } else if (arg.starts_with("-D")) {
      std::string def;
      if (!value("-D", def))
        return usage("-D needs NAME=VALUE");
      auto [name, text] = llvm::StringRef(def).split('=');
      long long v = 0;
      if (name.empty() || text.empty() || text.getAsInteger(10, v) ||
          v <= 0 || v > 2147483647)
        return usage("-D " + def +
                     ": expected NAME=VALUE with a positive integer VALUE");
      opts.frontend.dimOverrides[name.str()] = v;
    } else if (arg == "--infer-only") {
      opts.frontend.inferOnly = true;
    } else if (arg == "--mlir-print-debuginfo") {
      opts.printDebugInfo = true;
    } else if (arg.starts_with("-") && arg != "-") {
      return usage("unknown option '" + arg + "'");
    } else if (opts.input.empty()) {
      opts.input = arg.str();
    } else {
      return usage("more than one input file ('" + opts.input + "' and '" +
                   arg + "')");
    }
  }
  if (opts.input.empty())
    return usage("no input file");
  if (opts.emit.empty())
    return usage("building a library is not available in this version; "
                 "use --emit=dl");
  if (opts.output.empty())
    opts.output = "-";
  return -1;
}

} // namespace

int main(int argc, char **argv) {
  Options opts;
  if (int code = parseArgs(argc, argv, opts); code >= 0)
    return code;

  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(opts.input, /*IsText=*/false);
  if (!buffer) {
    llvm::errs() << "dlc: error: cannot read '" << opts.input
                 << "': " << buffer.getError().message() << "\n";
    return kUserError;
  }
  if ((*buffer)->getBufferSize() > (1u << 28)) {
    llvm::errs() << "dlc: error: '" << opts.input
                 << "' is too large (more than 256 MiB)\n";
    return kUserError;
  }
  dlc::SourceFile file(opts.input == "-" ? "<stdin>" : opts.input,
                       (*buffer)->getBuffer().str());
  dlc::DiagEngine diags(file, llvm::errs());

  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  auto module = dlc::compileSource(context, file, opts.frontend, diags);
  if (!module)
    return diags.hadError() ? kUserError : kInternalError;
  if (mlir::failed(mlir::verify(*module))) {
    llvm::errs() << "dlc: internal error: the generated IR does not verify\n";
    return kInternalError;
  }

  mlir::OpPrintingFlags flags;
  if (opts.printDebugInfo)
    flags.enableDebugInfo();
  llvm::Error written =
      llvm::writeToOutput(opts.output, [&](llvm::raw_ostream &os) {
        module->print(os, flags);
        return llvm::Error::success();
      });
  if (written) {
    llvm::errs() << "dlc: error: cannot write '" << opts.output
                 << "': " << llvm::toString(std::move(written)) << "\n";
    return kUserError;
  }
  return kOk;
}
