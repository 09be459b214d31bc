//===- VariableLayout.cpp - where params and states live in the arena -----===//
//
// See VariableLayout.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/VariableLayout.h"
#include "dialects/DL/IR/DLOps.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;

uint64_t dlc::elementBytes(Type type) {
  return std::max<uint64_t>(1, type.getIntOrFloatBitWidth() / 8);
}

dlc::VariableLayout dlc::computeVariableLayout(ModuleOp module) {
  VariableLayout layout;
  uint64_t offset = 0;
  for (Operation &op : *module.getBody()) {
    RankedTensorType type;
    StringRef name;
    if (auto param = dyn_cast<dl::ParamOp>(op)) {
      type = cast<RankedTensorType>(param.getType());
      name = param.getSymName();
    } else if (auto state = dyn_cast<dl::StateOp>(op)) {
      type = cast<RankedTensorType>(state.getType());
      name = state.getSymName();
    } else {
      continue;
    }
    offset = llvm::alignTo(offset, kVariableAlignment);
    layout.offsets[name] = offset;
    offset += type.getNumElements() * elementBytes(type.getElementType());
  }
  layout.arenaBytes =
      llvm::alignTo(std::max<uint64_t>(offset, 1), kVariableAlignment);
  return layout;
}
