//===- Codegen.h - LLVM IR to object code and shared libraries ------------===//
//
// Translation of the LLVM dialect to LLVM IR, optimization and object
// emission in-process through LLVM's TargetMachine, and linking a shared
// library with the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TARGET_CODEGEN_H
#define DLC_TARGET_CODEGEN_H

#include "mlir/IR/BuiltinOps.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>

namespace dlc {

struct CodegenOptions {
  std::string cpu = "native"; // an LLVM CPU name, or native
  int optLevel = 2;           // -O0 .. -O3
};

/// A TargetMachine for the host's architecture and `options.cpu`; null with
/// `error` set when the CPU is unknown.
std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const CodegenOptions &options, std::string &error);

/// The f32 lanes of `tm`'s widest vector registers: 16 with AVX-512, 8 with
/// AVX, 4 otherwise.
int64_t vectorWidth(const llvm::TargetMachine &tm);

/// Translates LLVM-dialect modules to one module of LLVM IR for `tm`:
/// the parts are linked, local symbols renamed where their names clash.
std::unique_ptr<llvm::Module>
translateToLLVMIR(llvm::ArrayRef<mlir::ModuleOp> parts, llvm::LLVMContext &ctx,
                  llvm::TargetMachine &tm);

/// Merges the local constants and functions of `module` that are equal:
/// the entries, lowered apart, have the same loops (the forward pass of
/// infer, eval and a training entry). Call it after the glue is emitted,
/// when the entries are local.
void mergeIdentical(llvm::Module &module);

/// Runs LLVM's default optimization pipeline of `optLevel`.
void optimize(llvm::Module &module, llvm::TargetMachine &tm, int optLevel);

/// Writes assembly or an object file of `module` to `os`.
bool emitCode(llvm::Module &module, llvm::TargetMachine &tm,
              llvm::raw_pwrite_stream &os, bool assembly, std::string &error);

/// Emits the (unoptimized) `module` as object files in temporary files
/// (their paths in `objects`, to be removed by the caller): the module is
/// split into up to `parts` modules (its local symbols become hidden
/// ones), each optimized at `options.optLevel` and compiled to machine
/// code on its own thread in its own LLVMContext. The objects do not
/// depend on the timing of the threads.
bool emitObjects(llvm::Module &module, const CodegenOptions &options,
                 unsigned parts, llvm::SmallVectorImpl<std::string> &objects,
                 std::string &error);

/// Links `objects` with the runtime into a shared library at
/// `outputPath` (a temporary name; `finalPath` gives its soname), exporting
/// only the `<model>_` symbols.
bool linkSharedLibrary(llvm::ArrayRef<std::string> objects,
                       llvm::StringRef outputPath,
                       llvm::StringRef finalPath, llvm::StringRef modelName,
                       llvm::StringRef runtimeDir, std::string &error);

/// Builds a static archive at `outputPath` holding one relocatable object:
/// the model's objects and the runtime linked together, every symbol but
/// the `<model>_` functions made local, so several models link into one
/// program.
bool linkStaticArchive(llvm::ArrayRef<std::string> objects,
                       llvm::StringRef outputPath,
                       llvm::StringRef modelName, llvm::StringRef runtimeDir,
                       std::string &error);

} // namespace dlc

#endif // DLC_TARGET_CODEGEN_H
