//===- DifferentiableOpInterface.td - the VJP of a dl op -------------------===//
//
// One interface for every differentiable op: given the gradients of its
// results, build the gradients of its operands from dl ops (reverse mode).
// dl-autodiff walks a training function backwards and calls it op by op.
//
//===----------------------------------------------------------------------===//

#ifndef DL_DIFFERENTIABLE_OP_INTERFACE_TD
#define DL_DIFFERENTIABLE_OP_INTERFACE_TD

include "mlir/IR/OpBase.td"

def DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::dl";
  let description = [{
    An op whose vector-Jacobian product can be written with dl ops.
  }];
  let methods = [
    InterfaceMethod<[{
        Builds, at the builder's insertion point, the gradient of each operand
        from `resultGrads` (one per result; null where a result receives no
        gradient) and appends it to `operandGrads` (one per operand; null
        where an operand has no gradient, e.g. an integer one). Fails only
        for a form of the op whose VJP is not implemented, with a diagnostic.
      }],
      "::llvm::LogicalResult", "buildVJP",
      (ins "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$resultGrads,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGrads)>
  ];
}

#endif // DL_DIFFERENTIABLE_OP_INTERFACE_TD
