//===- DLBase.td - the dl dialect, its type constraints and op bases ------===//
//
// The `dl` dialect is the tensor-level IR of dlc: one op per primitive of the
// `.dl` language (spec §6), on builtin ranked tensors with static shapes.
// Shape inference lives with each op (InferTypeOpInterface); its messages are
// written in the language's terms (`f32[64, 784]`) because the front end
// reports them to users verbatim.
//
//===----------------------------------------------------------------------===//

#ifndef DL_BASE_TD
#define DL_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/IR/SymbolInterfaces.td"
include "dialects/DL/Interfaces/DifferentiableOpInterface.td"

def DL_Dialect : Dialect {
  let name = "dl";
  let cppNamespace = "::dl";
  let summary = "Tensor-level IR of the dlc neural-network compiler";
  let description = [{
    Ops of the `.dl` language on statically shaped builtin tensors. A model is
    a `builtin.module` holding `dl.param` / `dl.state` declarations and one
    `func.func` per entry point (see docs/ir.md).
  }];
  let hasConstantMaterializer = 1;
  // Attributes live in the attribute dictionary, so the front end can ask an
  // op for its result types before creating it (see IRGen::build).
  let usePropertiesForAttributes = 0;
}

// Element types of the language: f32 (and f16/bf16 for later mixed
// precision) for values, i32 for labels and indices.
def DL_Float : AnyTypeOf<[F32, F16, BF16]>;
def DL_Tensor : RankedTensorOf<[F32, F16, BF16, I32]>;
def DL_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;
def DL_IntTensor : RankedTensorOf<[I32]>;
def DL_Scalar : 0DTensorOf<[F32]>;

/// Marks ops through which no gradient flows (accuracy, one_hot, ...). The
/// front end uses it to reject losses that cannot be differentiated.
def DL_NoGradient : NativeOpTrait<"NoGradient"> {
  let cppNamespace = "::dl";
}

/// The op implements buildVJP (DLGradients.cpp).
def DL_Differentiable : DeclareOpInterfaceMethods<DifferentiableOpInterface>;

class DL_Op<string mnemonic, list<Trait> traits = []>
    : Op<DL_Dialect, mnemonic, traits>;

#endif // DL_BASE_TD
