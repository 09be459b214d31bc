//===- dlc.cpp - the dlc compiler driver ----------------------------------===//
//
// Parses the command line (spec/abi.md §1), runs the front end and writes the
// requested stage. Exit status: 0 success, 1 error in the input, 2 bad
// command line, 3 internal error. Outputs are written atomically (a
// temporary file renamed into place) and only on success.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/IRGen.h"
#include "compiler/Pipeline/Pipeline.h"
#include "compiler/Target/Codegen.h"
#include "compiler/Target/Glue.h"
#include "compiler/Target/Header.h"
#include "compiler/Target/ModelInfo.h"
#include "dialects/DL/IR/DLOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

enum ExitCode { kOk = 0, kUserError = 1, kUsageError = 2, kInternalError = 3 };

const char *kHelp =
    R"(OVERVIEW: dlc - ahead-of-time compiler for neural networks written in .dl

USAGE: dlc MODEL.dl [options]

  dlc model.dl -o model.so         a shared library with the C interface of
                                   docs/abi.md: infer, eval and one training
                                   entry per train line (default: MODEL.so)
  dlc model.dl -o model.a          a static archive (model and runtime in one
                                   object; link the program with -lm
                                   -lpthread)
  dlc model.dl --emit=STAGE -o -   stop after a stage and print it

OPTIONS:
  -o FILE               the output ('-' for standard output)
  --emit=STAGE          dl      the dl dialect: params, states and the forward
                                graph of every entry point with its training
                                declaration
                        grad    after dl-pool-early, dl-autodiff and
                                dl-simplify (CSE): every training
                                entry as ENTRY_accumulate (forward, backward,
                                gradients) and ENTRY_apply (the optimizer),
                                and, where it pays, ENTRY_fused (forward,
                                backward, optimizer: the step when no
                                gradient is accumulated)
                        linalg  after convert-dl-to-linalg and
                                dl-lower-variables (linalg on tensors)
                        llvm    LLVM IR of the library, optimized
                        asm     assembly
                        obj     an object file
                        header  the C header of the library, with a C++
                                RAII class (dlc::MODEL::Model)
  -D NAME=VALUE         override the dim NAME (repeatable)
  --infer-only          only the infer entry point (no backward graph)
  -O0, -O1, -O2, -O3    optimization level (default -O2); -O0 also skips
                        fusion, register tiling, vectorization, threads
                        and the inline exp/tanh/log approximations
  --no-fuse             do not fuse elementwise ops (each op its own loop)
                        nor a training step with its optimizer update
                        (ENTRY_fused), nor rewrite x @ transpose(w) for a
                        large w (the products as written)
  --cpu=NAME            target CPU: native (default) or an LLVM CPU name
                        such as x86-64-v3, x86-64-v4, znver4
  --target=cpu          CPU code (the default and only target so far)
  --mlir-timing         print the time of every MLIR pass (from linalg on,
                        one report per entry: the entries are lowered in
                        parallel), then of the translation to LLVM IR,
                        LLVM and the link
  --mlir-print-debuginfo
                        print the .dl source location of every op
  --verify-each         verify the IR after every MLIR pass, not only
                        after each pipeline (slower; finds the pass that
                        breaks the IR)
  --version             print the version and exit
  --help                print this help and exit

--target=cuda is not available in this version (see README.md).

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
  std::string emit; // empty: a shared library
  bool printDebugInfo = false;
  dlc::RunOptions run;
  bool fuse = true;
  dlc::FrontendOptions frontend;
  dlc::CodegenOptions codegen;
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
      if (!llvm::is_contained(
              {"dl", "grad", "linalg", "llvm", "asm", "obj", "header"},
              opts.emit))
        return usage("unknown stage '" + opts.emit +
                     "' in --emit (available: dl, grad, linalg, llvm, asm, "
                     "obj, header)");
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
    } else if (arg.size() == 3 && arg.starts_with("-O") && arg[2] >= '0' &&
               arg[2] <= '3') {
      opts.codegen.optLevel = arg[2] - '0';
    } else if (arg.starts_with("--cpu=")) {
      opts.codegen.cpu = arg.drop_front(6).str();
      if (opts.codegen.cpu.empty())
        return usage("--cpu needs a CPU name");
    } else if (arg.starts_with("--target=")) {
      if (arg != "--target=cpu")
        return usage("target '" + arg.drop_front(9) +
                     "' is not available in this version (available: cpu)");
    } else if (arg == "--mlir-timing") {
      opts.run.timing = true;
    } else if (arg == "--verify-each") {
      opts.run.verifyEach = true;
    } else if (arg == "--no-fuse") {
      opts.fuse = false;
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
  if (opts.output.empty()) {
    llvm::StringRef stem = llvm::sys::path::stem(opts.input);
    if (opts.emit.empty())
      opts.output = (stem + ".so").str();
    else if (opts.emit == "obj")
      opts.output = (stem + ".o").str();
    else
      opts.output = "-";
  }
  return -1;
}

/// Lowers a verified dl module to the requested stage or library.
template <typename WriteText>
int generateCode(mlir::ModuleOp module, const Options &opts, const char *argv0,
                 mlir::OpPrintingFlags flags, dlc::DiagEngine &diags,
                 WriteText writeText) {
  // The backward graphs and optimizer updates. Its errors (an op whose
  // gradient is not implemented yet) point at the .dl source.
  {
    bool reported = false;
    mlir::ScopedDiagnosticHandler handler(
        module->getContext(), [&](mlir::Diagnostic &diag) {
          auto loc = llvm::dyn_cast<mlir::FileLineColLoc>(diag.getLocation());
          if (!loc || diag.getSeverity() != mlir::DiagnosticSeverity::Error)
            return mlir::failure();
          diags.error(diags.file().locOf(loc.getLine(), loc.getColumn()),
                      diag.str());
          reported = true;
          return mlir::success();
        });
    if (failed(dlc::runPipeline(
            module,
            dlc::autodiffPipeline(opts.fuse && opts.codegen.optLevel > 0),
            opts.run)))
      return reported ? kUserError : kInternalError;
  }
  if (opts.emit == "grad")
    return writeText([&](llvm::raw_ostream &os) { module.print(os, flags); });
  dlc::ModelInfo info = dlc::collectModelInfo(module);
  auto internal = [](llvm::StringRef what) {
    llvm::errs() << "dlc: internal error: " << what << "\n";
    return kInternalError;
  };
  if (failed(dlc::runPipeline(module, dlc::toLinalgPipeline(), opts.run)))
    return internal("lowering to linalg failed");
  if (opts.emit == "linalg")
    return writeText([&](llvm::raw_ostream &os) { module.print(os, flags); });

  mlir::SymbolTable symbols(module);
  for (auto fn : llvm::make_early_inc_range(module.getOps<mlir::func::FuncOp>()))
    if (fn->hasAttr("dl.entry"))
      if (failed(symbols.rename(fn, (dlc::kEntryPrefix + fn.getSymName()).str())))
        return internal("cannot rename an entry point");
  std::string error;
  auto tm = dlc::createTargetMachine(opts.codegen, error);
  if (!tm)
    return usage(error);
  int64_t width = opts.codegen.optLevel == 0 ? 0 : dlc::vectorWidth(*tm);
  // Each entry is lowered in a module of its own, the entries in parallel.
  auto entries = dlc::runPipelineOnFunctions(
      module,
      dlc::toLLVMPipeline(width, opts.fuse && opts.codegen.optLevel > 0),
      opts.run);
  if (failed(entries))
    return internal("lowering to the LLVM dialect failed");
  // dl-plan-memory grew the arena by each entry's scratch space; the
  // entries share the largest. The header's M_ARENA_BYTES includes it: it
  // is emitted for these options.
  llvm::SmallVector<mlir::ModuleOp> lowered;
  for (mlir::OwningOpRef<mlir::ModuleOp> &part : *entries) {
    lowered.push_back(*part);
    if (auto bytes = part->getOperation()->getAttrOfType<mlir::IntegerAttr>(
            "dl.arena_bytes"))
      info.arenaBytes = std::max(info.arenaBytes, (uint64_t)bytes.getInt());
  }
  if (opts.emit == "header")
    return writeText([&](llvm::raw_ostream &os) {
      dlc::emitHeader(os, info, llvm::sys::path::filename(opts.input));
    });
  // With --mlir-timing, the steps after MLIR's passes are timed too.
  auto lastStep = std::chrono::steady_clock::now();
  auto timeStep = [&](llvm::StringRef step) {
    auto now = std::chrono::steady_clock::now();
    if (opts.run.timing)
      llvm::errs() << llvm::format(
          "dlc: %-36s %.4f s\n", step.str().c_str(),
          std::chrono::duration<double>(now - lastStep).count());
    lastStep = now;
  };
  llvm::LLVMContext llvmContext;
  auto llvmModule = dlc::translateToLLVMIR(lowered, llvmContext, *tm);
  if (!llvmModule)
    return internal("translation to LLVM IR failed");
  dlc::emitGlue(*llvmModule, info, DLC_VERSION);
  dlc::mergeIdentical(*llvmModule);
  timeStep("translation to LLVM IR");
  if (opts.emit == "llvm" || opts.emit == "asm" || opts.emit == "obj")
    dlc::optimize(*llvmModule, *tm, opts.codegen.optLevel);
  if (opts.emit == "llvm")
    return writeText([&](llvm::raw_ostream &os) { llvmModule->print(os, nullptr); });
  if (opts.emit == "asm" || opts.emit == "obj") {
    bool assembly = opts.emit == "asm";
    llvm::Error written = llvm::writeToOutput(
        opts.output, [&](llvm::raw_ostream &os) -> llvm::Error {
          llvm::SmallString<0> code;
          llvm::raw_svector_ostream buffer(code);
          if (!dlc::emitCode(*llvmModule, *tm, buffer, assembly, error))
            return llvm::createStringError(error);
          os << code;
          return llvm::Error::success();
        });
    if (written) {
      llvm::errs() << "dlc: error: cannot write '" << opts.output
                   << "': " << llvm::toString(std::move(written)) << "\n";
      return kUserError;
    }
    return kOk;
  }

  // A shared library or a static archive (-o *.a): objects and result in
  // temporary files, the result renamed into place only on success. The
  // module is compiled to machine code in parts on the machine's cores.
  llvm::SmallVector<std::string> objects;
  auto removeObjects = [&] {
    for (const std::string &object : objects)
      llvm::sys::fs::remove(object);
  };
  unsigned parts = std::min(4u, std::max(1u, std::thread::hardware_concurrency()));
  if (!dlc::emitObjects(*llvmModule, opts.codegen, parts, objects, error)) {
    removeObjects();
    return internal(error);
  }
  timeStep(("LLVM optimization and code generation (" + llvm::Twine(parts) +
            " threads)")
               .str());
  llvm::SmallString<128> library;
  std::string runtimeDir =
      (llvm::sys::path::parent_path(llvm::sys::path::parent_path(
           llvm::sys::fs::getMainExecutable(argv0, (void *)&usage))) +
       "/lib")
          .str();
  library = opts.output;
  library += ".tmp";
  llvm::SmallString<128> unique;
  if (llvm::sys::fs::createUniqueFile(library + "%%%%%%", unique)) {
    removeObjects();
    llvm::errs() << "dlc: error: cannot write '" << opts.output << "'\n";
    return kUserError;
  }
  bool archive = llvm::StringRef(opts.output).ends_with(".a");
  bool linked =
      archive ? dlc::linkStaticArchive(objects, unique, info.name, runtimeDir,
                                       error)
              : dlc::linkSharedLibrary(objects, unique, opts.output, info.name,
                                       runtimeDir, error);
  removeObjects();
  timeStep("link");
  if (!linked) {
    llvm::sys::fs::remove(unique);
    return internal(error);
  }
  if (std::error_code ec = llvm::sys::fs::rename(unique, opts.output)) {
    llvm::sys::fs::remove(unique);
    llvm::errs() << "dlc: error: cannot write '" << opts.output
                 << "': " << ec.message() << "\n";
    return kUserError;
  }
  return kOk;
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

  // Every dialect and its interface implementations (bufferization, LLVM
  // translation...) that the lowering pipelines use.
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::ENABLED);
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
  auto writeText = [&](llvm::function_ref<void(llvm::raw_ostream &)> write) {
    llvm::Error written =
        llvm::writeToOutput(opts.output, [&](llvm::raw_ostream &os) {
          write(os);
          return llvm::Error::success();
        });
    if (!written)
      return kOk;
    llvm::errs() << "dlc: error: cannot write '" << opts.output
                 << "': " << llvm::toString(std::move(written)) << "\n";
    return kUserError;
  };
  if (opts.emit == "dl")
    return writeText([&](llvm::raw_ostream &os) { module->print(os, flags); });
  return generateCode(*module, opts, argv[0], flags, diags, writeText);
}

