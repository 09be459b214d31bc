//===- VariableLayout.h - where params and states live in the arena -------===//
//
// One function decides the arena layout, used by dl-lower-variables (the
// views the code reads) and by the reflection data (what the runtime
// initializes, saves and loads), so the two cannot disagree.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TRANSFORMS_VARIABLELAYOUT_H
#define DLC_TRANSFORMS_VARIABLELAYOUT_H

#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/StringMap.h"

namespace dlc {

/// Byte alignment of every variable (a cache line; enough for AVX-512).
constexpr uint64_t kVariableAlignment = 64;

struct VariableLayout {
  llvm::StringMap<uint64_t> offsets; // byte offset of each variable
  uint64_t arenaBytes = 0;           // a multiple of kVariableAlignment
};

/// Lays out the module's dl.param and dl.state ops in declaration order.
VariableLayout computeVariableLayout(mlir::ModuleOp module);

/// Bytes of one element of `type` (f32/i32: 4, f16/bf16: 2).
uint64_t elementBytes(mlir::Type type);

} // namespace dlc

#endif // DLC_TRANSFORMS_VARIABLELAYOUT_H
