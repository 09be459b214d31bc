//===- DLBuilder.h - building dl ops with inferred types ------------------===//
//
// A small builder of dl ops whose result types the ops infer, with the
// arithmetic, reshaping and reductions that gradients and optimizer updates
// are written with (DLGradients.cpp, dl-autodiff).
//
//===----------------------------------------------------------------------===//

#ifndef DL_IR_DLBUILDER_H
#define DL_IR_DLBUILDER_H

#include "dialects/DL/IR/DLOps.h"

namespace dl {

/// Builds an op with inferred result types; returns its first result.
template <typename OpT>
mlir::Value make(mlir::OpBuilder &b, mlir::Location loc,
                 mlir::ValueRange operands,
                 llvm::ArrayRef<mlir::NamedAttribute> attrs = {}) {
  return OpT::create(b, loc, operands, attrs)->getResult(0);
}

inline mlir::RankedTensorType typeOf(mlir::Value v) {
  return mlir::cast<mlir::RankedTensorType>(v.getType());
}

/// dl ops at one insertion point and location.
struct GraphBuilder {
  mlir::OpBuilder &b;
  mlir::Location loc;

  mlir::Value add(mlir::Value x, mlir::Value y) { return make<AddOp>(b, loc, {x, y}); }
  mlir::Value sub(mlir::Value x, mlir::Value y) { return make<SubOp>(b, loc, {x, y}); }
  mlir::Value mul(mlir::Value x, mlir::Value y) { return make<MulOp>(b, loc, {x, y}); }
  mlir::Value div(mlir::Value x, mlir::Value y) { return make<DivOp>(b, loc, {x, y}); }
  mlir::Value neg(mlir::Value x) { return make<NegOp>(b, loc, {x}); }
  mlir::Value step(mlir::Value x) { return make<StepOp>(b, loc, {x}); }
  mlir::Value matmul(mlir::Value x, mlir::Value y) {
    return make<MatmulOp>(b, loc, {x, y});
  }
  /// A 0-d constant of `elem` (f32 when null).
  mlir::Value constant(double value, mlir::Type elem = {});
  /// A 0-d constant with the element type of `like`.
  mlir::Value c(double value, mlir::Value like) {
    return constant(value, typeOf(like).getElementType());
  }
  /// Zeros of `type` (a splat constant).
  mlir::Value zeros(mlir::RankedTensorType type);
  mlir::Value reshape(mlir::Value x, llvm::ArrayRef<int64_t> shape);
  mlir::Value transpose(mlir::Value x, llvm::ArrayRef<int64_t> perm);
  mlir::Value sum(mlir::Value x, llvm::ArrayRef<int64_t> axes, bool keepdims);
  mlir::Value broadcastTo(mlir::Value x, llvm::ArrayRef<int64_t> shape);
  mlir::Value softmax(mlir::Value x, int64_t axis, bool log);
  /// `grad` (of a broadcast result) summed back to `target`'s shape.
  mlir::Value unbroadcast(mlir::Value grad, mlir::Type target);
  mlir::Value load(llvm::StringRef name, mlir::Type type);
  void assign(llvm::StringRef name, mlir::Value value);
};

} // namespace dl

#endif // DL_IR_DLBUILDER_H
