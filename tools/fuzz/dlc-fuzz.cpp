//===- dlc-fuzz.cpp - libFuzzer target over the .dl front end -------------===//
//
// Feeds arbitrary bytes to the front end as a `.dl` file. A crash, a
// sanitizer report, IR that does not verify, or a failure without a
// diagnostic is a bug.
//
//===----------------------------------------------------------------------===//

#include "compiler/Frontend/IRGen.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  dlc::SourceFile file("fuzz.dl",
                       std::string(reinterpret_cast<const char *>(data), size));
  std::string messages;
  llvm::raw_string_ostream os(messages);
  dlc::DiagEngine diags(file, os);
  auto module = dlc::compileSource(context, file, {}, diags);
  if (module && mlir::failed(mlir::verify(*module)))
    abort();
  if (!module && !diags.hadError())
    abort();
  return 0;
}
