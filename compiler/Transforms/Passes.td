//===- Passes.td - the passes of dlc -----------------------------------===//
//
// Every pass dlc runs, runnable on its own through dl-opt.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_PASSES_TD
#define DLC_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertDLToLinalg : Pass<"convert-dl-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower the compute ops of the dl dialect to linalg, tensor, arith and math";
  let description = [{
    Rewrites every forward dl op (elementwise, matmul, reductions, shape ops,
    softmax, convolution, pooling, batch norm, one_hot, gather, losses,
    accuracy) into ops on tensors: linalg structured ops (generic, matmul,
    batch_matmul, transpose, reduce, conv, pooling), tensor slicing and
    reshaping, and scalar arith/math in their bodies, so the later passes can
    fuse, tile and bufferize them. dl.load, dl.assign, dl.param and dl.state
    are left to dl-lower-variables.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::tensor::TensorDialect"
  ];
}

def DLLowerVariables : Pass<"dl-lower-variables", "mlir::ModuleOp"> {
  let summary = "Place params and states in the instance arena and give entries a C calling convention";
  let description = [{
    Lays out every dl.param and dl.state in one byte arena (in declaration
    order, each aligned to 64 bytes), then rewrites each entry function to
    `(arena, inputs..., outputs...)`: the arena is a `memref<N x i8>`, dl.load
    becomes a `memref.view` of the arena read as a tensor, dl.assign writes
    into the view, and results are written into output buffers. The
    declarations are removed; the layout is recorded on the module as
    `dl.arena_bytes` and on each function as `dl.abi`.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::bufferization::BufferizationDialect",
    "mlir::memref::MemRefDialect"
  ];
}

def DLLowerCopies : Pass<"dl-lower-copies", "mlir::ModuleOp"> {
  let summary = "Turn strided memref.copy into linalg.copy";
  let description = [{
    Bufferization copies into and out of strided views (padding, slices)
    with memref.copy, which the LLVM lowering turns into a call to a
    function of MLIR's runner utilities when a layout is not the identity.
    Compiled models depend on nothing but libc and libm, so such copies
    become linalg.copy, lowered to loops like every other linalg op.
    Contiguous copies stay memref.copy (a memcpy).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

#endif // DLC_PASSES_TD
