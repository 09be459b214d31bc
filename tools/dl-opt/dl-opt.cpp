//===- dl-opt.cpp - the pass runner of dlc, for lit tests -----------------===//
//
// `mlir-opt` with the `dl` dialect and every upstream dialect and pass
// registered, so tests run any pass on hand-written IR.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "dialects/DL/IR/DLOps.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  dlc::registerDLCPasses();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<dl::DLDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "dl-opt: the dlc pass runner\n", registry));
}
