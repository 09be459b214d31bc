//===- DLOps.h - the dl dialect and its operations ------------------------===//
//
// Declares the `dl` dialect, its ops (generated from DLOps.td) and the small
// helpers shared by the ops' shape functions and the front end.
//
//===----------------------------------------------------------------------===//

#ifndef DL_IR_DLOPS_H
#define DL_IR_DLOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/DL/Interfaces/DifferentiableOpInterface.h"

#include <string>

namespace dl {

/// Ops through which no gradient flows (accuracy, one_hot, stop_gradient...).
template <typename ConcreteType>
class NoGradient : public mlir::OpTrait::TraitBase<ConcreteType, NoGradient> {};

/// Formats a tensor type in the language's notation: `f32[64, 784]`, `f32[]`.
std::string formatType(mlir::Type type);

/// Positions of a window of `k` moving by `stride` over `n` padded by `pad`
/// on each side: the output size of convolution and pooling.
inline int64_t windowCount(int64_t n, int64_t k, int64_t stride, int64_t pad) {
  return (n + 2 * pad - k) / stride + 1;
}

} // namespace dl

#include "dialects/DL/IR/DLOpsDialect.h.inc"

#define GET_OP_CLASSES
#include "dialects/DL/IR/DLOps.h.inc"

#endif // DL_IR_DLOPS_H
