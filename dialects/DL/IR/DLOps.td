//===- DLOps.td - operations of the dl dialect ------------------------------===//
//
// One op per primitive of the `.dl` language (spec §6), plus the ops that
// declare and access a model's params and states. Grouped as the spec
// groups them: elementwise, linear algebra, reductions, shape, neural-network
// primitives, losses and metrics, variables.
//
//===----------------------------------------------------------------------===//

#ifndef DL_OPS_TD
#define DL_OPS_TD

include "dialects/DL/IR/DLBase.td"

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def DL_ConstantOp : DL_Op<"constant", [ConstantLike, Pure,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "a constant tensor";
  let description = [{
    A tensor whose value is known at compile time; scalar literals of the
    language become 0-d constants that broadcast against the other operand.

    ```mlir
    %c = dl.constant dense<1.000000e-04> : tensor<f32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise unary ops
//===----------------------------------------------------------------------===//

class DL_UnaryOp<string mnemonic, string formula, list<Trait> traits = []>
    : DL_Op<mnemonic, !listconcat(traits, [Pure, SameOperandsAndResultType,
                                           InferTypeOpInterface])> {
  let summary = "elementwise " # mnemonic;
  let description = [{
    Applies `}] # formula # [{` to every element; the result has the type of
    the operand.

    ```mlir
    %y = dl.}] # mnemonic # [{ %x : tensor<64x512xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$x);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
}

def DL_NegOp : DL_UnaryOp<"neg", "-x", [DL_Differentiable]> {
  let arguments = (ins DL_Tensor:$x);
  let results = (outs DL_Tensor:$result);
  let hasFolder = 1;
}
def DL_ReluOp : DL_UnaryOp<"relu", "max(x, 0)", [DL_Differentiable]>;
def DL_SigmoidOp : DL_UnaryOp<"sigmoid", "1 / (1 + exp(-x))", [DL_Differentiable]>;
def DL_TanhOp : DL_UnaryOp<"tanh", "tanh(x)", [DL_Differentiable]>;
def DL_ExpOp : DL_UnaryOp<"exp", "exp(x)", [DL_Differentiable]>;
def DL_LogOp : DL_UnaryOp<"log", "log(x)", [DL_Differentiable]>;
def DL_SqrtOp : DL_UnaryOp<"sqrt", "sqrt(x)", [DL_Differentiable]>;
def DL_AbsOp : DL_UnaryOp<"abs", "|x|", [DL_Differentiable]>;
def DL_SquareOp : DL_UnaryOp<"square", "x * x", [DL_Differentiable]>;
def DL_GeluOp : DL_UnaryOp<"gelu",
    "x * 0.5 * (1 + erf(x / sqrt(2)))  (PyTorch's exact GELU)",
    [DL_Differentiable]>;
def DL_GeluDerivativeOp : DL_UnaryOp<"gelu_derivative",
    "0.5 * (1 + erf(x / sqrt(2))) + x * exp(-x * x / 2) / sqrt(2 pi)  (the "
    "derivative of gelu, used by its gradient)", [DL_NoGradient]>;

def DL_LeakyReluOp : DL_UnaryOp<"leaky_relu", "x > 0 ? x : alpha * x",
                                   [DL_Differentiable]> {
  let arguments = (ins DL_FloatTensor:$x,
                       DefaultValuedAttr<F64Attr, "0.01">:$alpha);
}

def DL_ClipOp : DL_UnaryOp<"clip", "min(max(x, lo), hi)", [DL_Differentiable]> {
  let arguments = (ins DL_FloatTensor:$x, F64Attr:$lo, F64Attr:$hi);
  let hasVerifier = 1;
}

def DL_StopGradientOp : DL_UnaryOp<"stop_gradient",
    "x (the identity), through which no gradient flows", [DL_NoGradient]> {
  let arguments = (ins DL_Tensor:$x);
  let results = (outs DL_Tensor:$result);
  let hasFolder = 1;
}

def DL_ZerosLikeOp : DL_UnaryOp<"zeros_like", "0", [DL_NoGradient]> {
  let arguments = (ins DL_Tensor:$x);
  let results = (outs DL_Tensor:$result);
}

def DL_OnesLikeOp : DL_UnaryOp<"ones_like", "1", [DL_NoGradient]> {
  let arguments = (ins DL_Tensor:$x);
  let results = (outs DL_Tensor:$result);
}

def DL_StepOp : DL_UnaryOp<"step", "x > 0 ? 1 : 0 (the Heaviside step)",
                           [DL_NoGradient]>;

//===----------------------------------------------------------------------===//
// Elementwise binary ops with NumPy broadcasting
//===----------------------------------------------------------------------===//

class DL_BinaryOp<string mnemonic, string verb, string formula,
                  list<Trait> traits = []>
    : DL_Op<mnemonic, !listconcat(traits, [Pure, DL_Differentiable,
          DeclareOpInterfaceMethods<InferTypeOpInterface>])> {
  let summary = "elementwise " # formula # " with broadcasting";
  let description = [{
    Computes `}] # formula # [{` elementwise. The operands broadcast as in
    NumPy: shapes are aligned at their trailing dimensions, and a dimension of
    size 1 or a missing one stretches. Both element types must agree.

    ```mlir
    %y = dl.}] # mnemonic # [{ %a, %b : tensor<64x512xf32>, tensor<512xf32> -> tensor<64x512xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$lhs, DL_Tensor:$rhs);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasFolder = 1;
  let extraClassDeclaration = [{
    /// The verb used in shape errors ("cannot add f32[2] and f32[3]").
    static constexpr const char *getVerb() { return "}] # verb # [{"; }
  }];
}

def DL_AddOp : DL_BinaryOp<"add", "add", "lhs + rhs", [Commutative]>;
def DL_SubOp : DL_BinaryOp<"sub", "subtract", "lhs - rhs">;
def DL_MulOp : DL_BinaryOp<"mul", "multiply", "lhs * rhs", [Commutative]>;
def DL_DivOp : DL_BinaryOp<"div", "divide", "lhs / rhs">;
def DL_MaximumOp : DL_BinaryOp<"maximum", "take the maximum of",
                               "max(lhs, rhs)", [Commutative]>;
def DL_MinimumOp : DL_BinaryOp<"minimum", "take the minimum of",
                               "min(lhs, rhs)", [Commutative]>;
def DL_PowOp : DL_BinaryOp<"pow", "raise", "lhs ** rhs">;

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def DL_MatmulOp : DL_Op<"matmul", [Pure, DL_Differentiable,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "matrix product (2-D x 2-D, batched 3-D x 3-D, 3-D x 2-D)";
  let description = [{
    `[M, K] x [K, N] -> [M, N]`; `[B, M, K] x [B, K, N] -> [B, M, N]`;
    `[B, M, K] x [K, N] -> [B, M, N]` (the right operand is shared by every
    batch). The language's `a @ b`.

    ```mlir
    %y = dl.matmul %x, %w : tensor<64x784xf32>, tensor<784x512xf32> -> tensor<64x512xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$lhs, DL_FloatTensor:$rhs);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
}

def DL_TransposeOp : DL_Op<"transpose", [Pure, DL_Differentiable,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "permutes the dimensions of a tensor";
  let description = [{
    Result dimension `i` is operand dimension `perm[i]`. The language's
    `transpose(x)` without `perm` reverses the dimensions.

    ```mlir
    %t = dl.transpose %w {perm = array<i64: 1, 0>} : tensor<784x512xf32> -> tensor<512x784xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$x, DenseI64ArrayAttr:$perm);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class DL_ReduceOp<string mnemonic, string what, list<Trait> traits = []>
    : DL_Op<mnemonic, !listconcat(traits, [Pure,
          DeclareOpInterfaceMethods<InferTypeOpInterface>])> {
  let summary = "the " # what # " over some or all axes";
  let description = [{
    Reduces `x` to its }] # what # [{ over `axes` (all axes when absent).
    With `keepdims` the reduced axes stay as size 1.

    ```mlir
    %s = dl.}] # mnemonic # [{ %x {axes = array<i64: 1>} : tensor<64x10xf32> -> tensor<64xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$x, OptionalAttr<DenseI64ArrayAttr>:$axes,
                       DefaultValuedAttr<BoolAttr, "false">:$keepdims);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
}

def DL_SumOp : DL_ReduceOp<"sum", "sum", [DL_Differentiable]>;
def DL_MeanOp : DL_ReduceOp<"mean", "mean", [DL_Differentiable]>;
def DL_MaxOp : DL_ReduceOp<"max", "maximum", [DL_Differentiable]>;

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

def DL_ReshapeOp : DL_Op<"reshape", [Pure, DL_Differentiable,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "reinterprets a tensor with another shape";
  let description = [{
    Same elements in row-major order, new shape. At most one entry of
    `shape` may be -1; it is inferred from the element count. `flatten(x)`
    is a reshape to `[x.dim0, -1]`.

    ```mlir
    %y = dl.reshape %x {shape = array<i64: 64, -1>} : tensor<64x1x28x28xf32> -> tensor<64x784xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$x, DenseI64ArrayAttr:$shape);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasFolder = 1;
}

def DL_ConcatOp : DL_Op<"concat", [Pure, DL_Differentiable,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "joins tensors along one axis";
  let description = [{
    All operands have the same rank, element type and sizes except along
    `axis`, where the sizes add up.

    ```mlir
    %y = dl.concat %a, %b {axis = 1} : tensor<4x3xf32>, tensor<4x5xf32> -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins Variadic<DL_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat =
      "$inputs attr-dict `:` type($inputs) `->` type($result)";
}

def DL_SliceOp : DL_Op<"slice", [Pure, DL_Differentiable,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "a contiguous range of one axis";
  let description = [{
    Keeps indices `start .. start + size - 1` of `axis`.

    ```mlir
    %y = dl.slice %x {axis = 1, start = 2, size = 3} : tensor<4x8xf32> -> tensor<4x3xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$x, I64Attr:$axis, I64Attr:$start,
                       I64Attr:$size);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasFolder = 1;
}

def DL_BroadcastToOp : DL_Op<"broadcast_to", [Pure, DL_Differentiable,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "stretches a tensor to a shape by NumPy broadcasting";
  let description = [{
    ```mlir
    %y = dl.broadcast_to %b {shape = array<i64: 64, 10>} : tensor<10xf32> -> tensor<64x10xf32>
    ```
  }];
  let arguments = (ins DL_Tensor:$x, DenseI64ArrayAttr:$shape);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Neural-network primitives
//===----------------------------------------------------------------------===//

class DL_SoftmaxLikeOp<string mnemonic, string formula>
    : DL_Op<mnemonic, [Pure, DL_Differentiable,
                       DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = mnemonic # " along one axis";
  let description = [{
    Computes `}] # formula # [{` along `axis` (numerically stable: the
    maximum is subtracted first). The result has the operand's type.

    ```mlir
    %p = dl.}] # mnemonic # [{ %logits {axis = 1} : tensor<64x10xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$x, I64Attr:$axis);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
}

def DL_SoftmaxOp : DL_SoftmaxLikeOp<"softmax", "exp(x) / sum(exp(x))">;
def DL_LogSoftmaxOp : DL_SoftmaxLikeOp<"log_softmax",
                                       "x - log(sum(exp(x)))">;

def DL_Conv2dOp : DL_Op<"conv2d", [Pure, DL_Differentiable,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "2-D convolution, NCHW input, OIHW weights";
  let description = [{
    `x : [N, C, H, W]`, `w : [O, C, KH, KW]`, optional `b : [O]` ->
    `[N, O, (H + 2 pad - KH) / stride + 1, (W + 2 pad - KW) / stride + 1]`
    (cross-correlation, as `torch.nn.functional.conv2d`; zero padding).

    ```mlir
    %y = dl.conv2d %x, %w, %b {pad = 2} : (tensor<64x1x28x28xf32>, tensor<6x1x5x5xf32>, tensor<6xf32>) -> tensor<64x6x28x28xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$x, DL_FloatTensor:$w,
                       Optional<DL_FloatTensor>:$b,
                       DefaultValuedAttr<I64Attr, "1">:$stride,
                       DefaultValuedAttr<I64Attr, "0">:$pad);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $x `,` $w (`,` $b^)? attr-dict `:` functional-type(operands, results)
  }];
}

class DL_Pool2dOp<string mnemonic, string what>
    : DL_Op<mnemonic, [Pure, DL_Differentiable,
                       DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "2-D " # what # " pooling over NCHW";
  let description = [{
    Takes the }] # what # [{ of each `size x size` window, moving by
    `stride`; no padding, so `[N, C, H, W] -> [N, C, (H - size) / stride + 1,
    (W - size) / stride + 1]`.

    ```mlir
    %y = dl.}] # mnemonic # [{ %x {size = 2, stride = 2} : tensor<64x6x28x28xf32> -> tensor<64x6x14x14xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$x, I64Attr:$size, I64Attr:$stride);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
}

def DL_MaxPool2dOp : DL_Pool2dOp<"max_pool2d", "maximum">;
def DL_AvgPool2dOp : DL_Pool2dOp<"avg_pool2d", "average">;

def DL_DropoutOp : DL_Op<"dropout", [Pure, DL_Differentiable,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "inverted dropout (training entry points only)";
  let description = [{
    Zeroes each element with probability `rate` and scales the others by
    `1 / (1 - rate)`. The mask is a deterministic function of `seed`, the
    call counter `step` (a 0-d f32 tensor) and the element's row-major index
    (docs/language.md gives the hash). The front end emits this op only in
    training entry points, without `step`; dl-autodiff supplies it from the
    entry's `optim/ENTRY/rng_step` state. For a fixed mask the op is linear,
    so its gradient is the same dropout applied to the incoming gradient.

    ```mlir
    %y = dl.dropout %x step(%s : tensor<f32>) {rate = 5.000000e-01 : f64, seed = 7 : i64} : tensor<64x512xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$x, Optional<DL_Scalar>:$step,
                       F64Attr:$rate, I64Attr:$seed);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $x (`step` `(` $step^ `:` type($step) `)`)? attr-dict `:` type($x)
  }];
  let hasVerifier = 1;
}

def DL_BatchNormOp : DL_Op<"batch_norm", [Pure, DL_Differentiable,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "batch normalization over every axis but axis 1";
  let description = [{
    `x : [N, C, ...]`; `gamma`, `beta`, `mean`, `var : [C]`. In training
    (`training` set) it normalizes with the batch statistics (biased
    variance) and also returns the updated running statistics
    `(1 - momentum) * running + momentum * batch` (unbiased variance for
    `var`), as PyTorch does. Otherwise it normalizes with `mean` and `var`
    and returns them unchanged.

    ```mlir
    %y, %m, %v = dl.batch_norm %x, %g, %b, %rm, %rv {training} : (tensor<64x6x28x28xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>) -> (tensor<64x6x28x28xf32>, tensor<6xf32>, tensor<6xf32>)
    ```
  }];
  let arguments = (ins DL_FloatTensor:$x, DL_FloatTensor:$gamma,
                       DL_FloatTensor:$beta, DL_FloatTensor:$mean,
                       DL_FloatTensor:$var,
                       DefaultValuedAttr<F64Attr, "0.1">:$momentum,
                       DefaultValuedAttr<F64Attr, "1e-5">:$eps,
                       UnitAttr:$training);
  let results = (outs DL_FloatTensor:$result, DL_FloatTensor:$new_mean,
                      DL_FloatTensor:$new_var);
  let assemblyFormat = [{
    $x `,` $gamma `,` $beta `,` $mean `,` $var attr-dict `:`
    functional-type(operands, results)
  }];
}

def DL_OneHotOp : DL_Op<"one_hot", [Pure, DL_NoGradient,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "one-hot encoding of integer labels";
  let description = [{
    `labels : i32[...]` -> `f32[..., n]`, 1 where the last index equals the
    label, 0 elsewhere (all 0 for a label outside `[0, n)`).

    ```mlir
    %y = dl.one_hot %labels {n = 10} : tensor<64xi32> -> tensor<64x10xf32>
    ```
  }];
  let arguments = (ins DL_IntTensor:$labels, I64Attr:$n);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$labels attr-dict `:` type($labels) `->` type($result)";
}

def DL_GatherOp : DL_Op<"gather", [Pure, DL_Differentiable,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "rows of a table picked by integer ids (embedding lookup)";
  let description = [{
    `table : [V, D]`, `ids : i32[...]` -> `[..., D]`, row `ids[i]` of the
    table at position `i`. Ids are checked against `V` at run time.

    ```mlir
    %e = dl.gather %table, %ids : tensor<1000x32xf32>, tensor<8x20xi32> -> tensor<8x20x32xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$table, DL_IntTensor:$ids);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $table `,` $ids attr-dict `:` type($table) `,` type($ids) `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Gradients of the neural-network primitives. dl-autodiff builds these in
// backward graphs; their result shapes are not always implied by their
// operands (a strided window may skip trailing rows), so they carry the
// result type and verify it against the forward op's shape rule.
//===----------------------------------------------------------------------===//

def DL_LstmOp : DL_Op<"lstm", [Pure, DL_Differentiable,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "an LSTM layer over a whole sequence, as one loop over time";
  let description = [{
    `xw : [B, T, 4H]` is the input projection of every step (`x W_ih^T +
    b_ih`), `whh_t : [H, 4H]` the transposed recurrent weights and
    `bhh : [4H]` their bias. With `h_0 = c_0 = 0`, for t = 1..T:
    `z = xw_t + h_{t-1} whh_t + bhh`, gates `i, f, g, o` the four slices of
    `z` (sigmoid, sigmoid, tanh, sigmoid, in PyTorch's order),
    `c_t = f c_{t-1} + i g`, `h_t = o tanh(c_t)`. Returns every `h_t`
    (`seq : [B, T, H]`), and for the gradient every `c_t` (`cells :
    [B, T, H]`) and every step's activated gates `i, f, g, o` (`gates :
    [B, T, 4H]`, so the backward pass does not recompute the recurrent
    products; not computed when unused). Lowered to one loop over time, so
    the code of a step is compiled once whatever T is.

    ```mlir
    %seq, %cells, %gates = dl.lstm %xw, %whh_t, %bhh : (tensor<64x28x512xf32>, tensor<128x512xf32>, tensor<512xf32>) -> (tensor<64x28x128xf32>, tensor<64x28x128xf32>, tensor<64x28x512xf32>)
    ```
  }];
  let arguments = (ins DL_FloatTensor:$xw, DL_FloatTensor:$whh_t,
                       DL_FloatTensor:$bhh);
  let results = (outs DL_FloatTensor:$seq, DL_FloatTensor:$cells,
                      DL_FloatTensor:$gates);
  let assemblyFormat = "$xw `,` $whh_t `,` $bhh attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def DL_LstmGradOp : DL_Op<"lstm_grad", [Pure]> {
  let summary = "gradient of dl.lstm, as one loop backwards over time";
  let description = [{
    Given the operands of a `dl.lstm`, its results `seq`, `cells` and
    `gates`, and the gradient `grad : [B, T, H]` of `seq`, returns the
    gradients of `xw`, `whh_t` and `bhh` (backpropagation through time,
    from the saved gates of each step).

    ```mlir
    %dxw, %dw, %db = dl.lstm_grad %xw, %whh_t, %bhh, %seq, %cells, %gates, %g : (tensor<64x28x512xf32>, tensor<128x512xf32>, tensor<512xf32>, tensor<64x28x128xf32>, tensor<64x28x128xf32>, tensor<64x28x512xf32>, tensor<64x28x128xf32>) -> (tensor<64x28x512xf32>, tensor<128x512xf32>, tensor<512xf32>)
    ```
  }];
  let arguments = (ins DL_FloatTensor:$xw, DL_FloatTensor:$whh_t,
                       DL_FloatTensor:$bhh, DL_FloatTensor:$seq,
                       DL_FloatTensor:$cells, DL_FloatTensor:$gates,
                       DL_FloatTensor:$grad);
  let results = (outs DL_FloatTensor:$dxw, DL_FloatTensor:$dwhh_t,
                      DL_FloatTensor:$dbhh);
  let assemblyFormat = [{
    $xw `,` $whh_t `,` $bhh `,` $seq `,` $cells `,` $gates `,` $grad
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def DL_RnnOp : DL_Op<"rnn", [Pure, DL_Differentiable,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "a simple RNN layer over a whole sequence, as one loop over time";
  let description = [{
    `xw : [B, T, H]` is the input projection of every step (`x W_ih^T +
    b_ih`), `whh_t : [H, H]` the transposed recurrent weights and `bhh :
    [H]` their bias. With `h_0 = 0`, for t = 1..T: `h_t = act(xw_t +
    h_{t-1} whh_t + bhh)`, `act` one of `tanh`, `relu`, `sigmoid`,
    `leaky_relu` (slope `alpha`) and `none`: activations whose derivative
    follows from their value, so the gradient needs only the sequence.
    Returns every `h_t` (`seq : [B, T, H]`). Lowered to one loop over time,
    so the code of a step is compiled once whatever T is.

    ```mlir
    %seq = dl.rnn %xw, %whh_t, %bhh {act = "tanh"} : (tensor<32x50x256xf32>, tensor<256x256xf32>, tensor<256xf32>) -> tensor<32x50x256xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$xw, DL_FloatTensor:$whh_t,
                       DL_FloatTensor:$bhh,
                       DefaultValuedAttr<StrAttr, "\"tanh\"">:$act,
                       DefaultValuedAttr<F64Attr, "0.01">:$alpha);
  let results = (outs DL_FloatTensor:$seq);
  let assemblyFormat = "$xw `,` $whh_t `,` $bhh attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def DL_RnnGradOp : DL_Op<"rnn_grad", [Pure]> {
  let summary = "gradient of dl.rnn, as one loop backwards over time";
  let description = [{
    Given the operands and attributes of a `dl.rnn`, its result `seq` and
    the gradient `grad : [B, T, H]` of `seq`, returns the gradients of
    `xw`, `whh_t` and `bhh` (backpropagation through time; the derivative
    of the activation from the saved `h_t`).

    ```mlir
    %dxw, %dw, %db = dl.rnn_grad %xw, %whh_t, %bhh, %seq, %g {act = "tanh"} : (tensor<32x50x256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<32x50x256xf32>, tensor<32x50x256xf32>) -> (tensor<32x50x256xf32>, tensor<256x256xf32>, tensor<256xf32>)
    ```
  }];
  let arguments = (ins DL_FloatTensor:$xw, DL_FloatTensor:$whh_t,
                       DL_FloatTensor:$bhh, DL_FloatTensor:$seq,
                       DL_FloatTensor:$grad,
                       DefaultValuedAttr<StrAttr, "\"tanh\"">:$act,
                       DefaultValuedAttr<F64Attr, "0.01">:$alpha);
  let results = (outs DL_FloatTensor:$dxw, DL_FloatTensor:$dwhh_t,
                      DL_FloatTensor:$dbhh);
  let assemblyFormat = [{
    $xw `,` $whh_t `,` $bhh `,` $seq `,` $grad
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def DL_GruOp : DL_Op<"gru", [Pure, DL_Differentiable,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "a GRU layer over a whole sequence, as one loop over time";
  let description = [{
    `xw : [B, T, 3H]` is the input projection of every step (`x W_ih^T +
    b_ih`), `whh_t : [H, 3H]` the transposed recurrent weights and
    `bhh : [3H]` their bias. With `h_0 = 0`, for t = 1..T: `a = h_{t-1}
    whh_t + bhh`, its slices `a_r, a_z, a_n` and those `x_r, x_z, x_n` of
    `xw_t` (PyTorch's order r, z, n): `r = sigmoid(x_r + a_r)`, `z =
    sigmoid(x_z + a_z)`, `n = tanh(x_n + r a_n)`, `h_t = (1 - z) n + z
    h_{t-1}`. Returns every `h_t` (`seq : [B, T, H]`) and, for the
    gradient, every step's `r, z, n, a_n` (`gates : [B, T, 4H]`, so the
    backward pass does not recompute the recurrent products; not computed
    when unused). Lowered to one loop over time, so the code of a step is
    compiled once whatever T is.

    ```mlir
    %seq, %gates = dl.gru %xw, %whh_t, %bhh : (tensor<64x28x384xf32>, tensor<128x384xf32>, tensor<384xf32>) -> (tensor<64x28x128xf32>, tensor<64x28x512xf32>)
    ```
  }];
  let arguments = (ins DL_FloatTensor:$xw, DL_FloatTensor:$whh_t,
                       DL_FloatTensor:$bhh);
  let results = (outs DL_FloatTensor:$seq, DL_FloatTensor:$gates);
  let assemblyFormat = "$xw `,` $whh_t `,` $bhh attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def DL_GruGradOp : DL_Op<"gru_grad", [Pure]> {
  let summary = "gradient of dl.gru, as one loop backwards over time";
  let description = [{
    Given the operands of a `dl.gru`, its results `seq` and `gates`, and
    the gradient `grad : [B, T, H]` of `seq`, returns the gradients of
    `xw`, `whh_t` and `bhh` (backpropagation through time, from the saved
    gates of each step).

    ```mlir
    %dxw, %dw, %db = dl.gru_grad %xw, %whh_t, %bhh, %seq, %gates, %g : (tensor<64x28x384xf32>, tensor<128x384xf32>, tensor<384xf32>, tensor<64x28x128xf32>, tensor<64x28x512xf32>, tensor<64x28x128xf32>) -> (tensor<64x28x384xf32>, tensor<128x384xf32>, tensor<384xf32>)
    ```
  }];
  let arguments = (ins DL_FloatTensor:$xw, DL_FloatTensor:$whh_t,
                       DL_FloatTensor:$bhh, DL_FloatTensor:$seq,
                       DL_FloatTensor:$gates, DL_FloatTensor:$grad);
  let results = (outs DL_FloatTensor:$dxw, DL_FloatTensor:$dwhh_t,
                      DL_FloatTensor:$dbhh);
  let assemblyFormat = [{
    $xw `,` $whh_t `,` $bhh `,` $seq `,` $gates `,` $grad
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def DL_Conv2dInputGradOp : DL_Op<"conv2d_input_grad", [Pure]> {
  let summary = "gradient of conv2d with respect to its input";
  let description = [{
    Given the gradient `grad : [N, O, OH, OW]` of `conv2d(x, w)` and the
    weights `w : [O, C, KH, KW]`, returns the gradient of `x : [N, C, H, W]`
    (the transposed convolution). `stride` and `pad` are the forward op's.

    ```mlir
    %dx = dl.conv2d_input_grad %g, %w {pad = 2} : (tensor<64x6x28x28xf32>, tensor<6x1x5x5xf32>) -> tensor<64x1x28x28xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$grad, DL_FloatTensor:$w,
                       DefaultValuedAttr<I64Attr, "1">:$stride,
                       DefaultValuedAttr<I64Attr, "0">:$pad);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$grad `,` $w attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def DL_Conv2dWeightGradOp : DL_Op<"conv2d_weight_grad", [Pure]> {
  let summary = "gradient of conv2d with respect to its weights";
  let description = [{
    Given the input `x : [N, C, H, W]` of `conv2d(x, w)` and the gradient
    `grad : [N, O, OH, OW]` of its result, returns the gradient of
    `w : [O, C, KH, KW]`, summed over the batch.

    ```mlir
    %dw = dl.conv2d_weight_grad %x, %g {pad = 2} : (tensor<64x1x28x28xf32>, tensor<64x6x28x28xf32>) -> tensor<6x1x5x5xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$x, DL_FloatTensor:$grad,
                       DefaultValuedAttr<I64Attr, "1">:$stride,
                       DefaultValuedAttr<I64Attr, "0">:$pad);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$x `,` $grad attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def DL_MaxPool2dGradOp : DL_Op<"max_pool2d_grad", [Pure,
    AllTypesMatch<["x", "result"]>]> {
  let summary = "gradient of max_pool2d with respect to its input";
  let description = [{
    Routes each window's gradient to the first position (in row-major window
    order) that holds the window's maximum, as PyTorch does; positions in
    several windows receive the sum. `x` is the forward op's input.

    ```mlir
    %dx = dl.max_pool2d_grad %x, %g {size = 2, stride = 2} : tensor<64x6x28x28xf32>, tensor<64x6x14x14xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$x, DL_FloatTensor:$grad,
                       I64Attr:$size, I64Attr:$stride);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$x `,` $grad attr-dict `:` type($x) `,` type($grad)";
  let hasVerifier = 1;
}

def DL_AvgPool2dGradOp : DL_Op<"avg_pool2d_grad", [Pure]> {
  let summary = "gradient of avg_pool2d with respect to its input";
  let description = [{
    Spreads each window's gradient evenly over its `size * size` positions;
    positions in several windows receive the sum.

    ```mlir
    %dx = dl.avg_pool2d_grad %g {size = 2, stride = 2} : tensor<64x6x14x14xf32> -> tensor<64x6x28x28xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$grad, I64Attr:$size, I64Attr:$stride);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = "$grad attr-dict `:` type($grad) `->` type($result)";
  let hasVerifier = 1;
}

def DL_GatherGradOp : DL_Op<"gather_grad", [Pure]> {
  let summary = "gradient of gather with respect to its table (scatter-add)";
  let description = [{
    `grad : [..., D]`, `ids : i32[...]` -> `[V, D]`: row `v` is the sum of the
    gradient rows whose id is `v` (zero for ids never picked).

    ```mlir
    %dt = dl.gather_grad %g, %ids : tensor<8x20x32xf32>, tensor<8x20xi32> -> tensor<1000x32xf32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$grad, DL_IntTensor:$ids);
  let results = (outs DL_FloatTensor:$result);
  let assemblyFormat = [{
    $grad `,` $ids attr-dict `:` type($grad) `,` type($ids) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Losses and metrics: each returns an f32 scalar
//===----------------------------------------------------------------------===//

class DL_LossOp<string mnemonic, string formula, list<Trait> traits = []>
    : DL_Op<mnemonic, !listconcat(traits, [Pure,
          DeclareOpInterfaceMethods<InferTypeOpInterface>])> {
  let summary = formula;
  let results = (outs DL_Scalar:$result);
}

class DL_PointwiseLossOp<string mnemonic, string formula>
    : DL_LossOp<mnemonic, formula, [DL_Differentiable]> {
  let description = [{
    `}] # formula # [{`, averaged over every element of `pred`
    (`reduction='mean'`). The target broadcasts to the prediction's shape.

    ```mlir
    %l = dl.}] # mnemonic # [{ %pred, %target : tensor<64x1xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$pred, DL_FloatTensor:$target);
  let assemblyFormat = "$pred `,` $target attr-dict `:` type($pred) `,` type($target)";
}

def DL_MseOp : DL_PointwiseLossOp<"mse", "mean squared error (pred - target)^2">;
def DL_BinaryCrossEntropyOp : DL_PointwiseLossOp<"binary_cross_entropy",
    "-(t log p + (1 - t) log(1 - p)), logs clamped at -100 as in PyTorch">;
def DL_BceWithLogitsOp : DL_PointwiseLossOp<"bce_with_logits",
    "max(x, 0) - x t + log(1 + exp(-|x|)), the stable form of BCE on sigmoid(x)">;

def DL_SoftmaxCrossEntropyOp : DL_LossOp<"softmax_cross_entropy",
    "cross-entropy of softmax(logits), averaged over the batch",
    [DL_Differentiable]> {
  let description = [{
    `logits : f32[B, C]` with `labels : i32[B]` (class ids) or
    `f32[B, C]` (one-hot rows or probabilities). Computed with log-sum-exp;
    the mean over the batch is returned (PyTorch's `cross_entropy`).

    ```mlir
    %l = dl.softmax_cross_entropy %logits, %labels : tensor<64x10xf32>, tensor<64xi32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$logits, DL_Tensor:$labels);
  let assemblyFormat = "$logits `,` $labels attr-dict `:` type($logits) `,` type($labels)";
}

def DL_L2Op : DL_LossOp<"l2", "half the sum of squares of its operands",
                       [DL_Differentiable]> {
  let description = [{
    `sum(x^2) / 2` over every element of every operand (weight decay term).

    ```mlir
    %r = dl.l2 %w1, %w2 : tensor<784x512xf32>, tensor<512x10xf32>
    ```
  }];
  let arguments = (ins Variadic<DL_FloatTensor>:$inputs);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs)";
}

def DL_AccuracyOp : DL_LossOp<"accuracy",
    "fraction of rows whose arg-max is the label", [DL_NoGradient]> {
  let description = [{
    `logits : f32[B, C]`, `labels : i32[B]`; the first maximum wins ties.
    Not differentiable: a metric, never a loss.

    ```mlir
    %a = dl.accuracy %logits, %labels : tensor<64x10xf32>, tensor<64xi32>
    ```
  }];
  let arguments = (ins DL_FloatTensor:$logits, DL_IntTensor:$labels);
  let assemblyFormat = "$logits `,` $labels attr-dict `:` type($logits) `,` type($labels)";
}

//===----------------------------------------------------------------------===//
// Params and states
//===----------------------------------------------------------------------===//

class DL_VariableOp<string mnemonic, string what>
    : DL_Op<mnemonic, [Symbol]> {
  let summary = "declares a " # what # " of the model";
  let description = [{
    A persistent tensor owned by the compiled model, named by its `.dl` name
    (`w1`, `h.w`, `D.h.b`). `init` is the initializer (`zeros`, `ones`,
    `constant`, `uniform`, `normal`, `glorot_uniform`, `glorot_normal`,
    `he_uniform`, `he_normal`), `args` its numeric arguments, `seed` its
    seed when the source gives one. `fan_in` / `fan_out` are recorded by the
    front end for the initializers that need them, since only it knows the
    layout (`[in, out]` for dense weights, OIHW for convolutions). States
    that dl-autodiff adds carry a `role`: `slot` (optimizer state, saved in
    checkpoints), `grad` (accumulated gradients, not saved) or `hyper` (a
    run-time settable hyper-parameter, not saved).

    ```mlir
    dl.}] # mnemonic # [{ @w1 : tensor<784x512xf32> {fan_in = 784 : i64, fan_out = 512 : i64, init = "he_normal", seed = 1 : i64}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, TypeAttrOf<DL_Tensor>:$type,
                       StrAttr:$init,
                       DefaultValuedAttr<DenseF64ArrayAttr, "{}">:$args,
                       OptionalAttr<I64Attr>:$seed,
                       OptionalAttr<I64Attr>:$fan_in,
                       OptionalAttr<I64Attr>:$fan_out,
                       OptionalAttr<StrAttr>:$role);
  let assemblyFormat = "$sym_name `:` $type attr-dict";
  let hasVerifier = 1;
}

def DL_ParamOp : DL_VariableOp<"param", "trainable parameter">;
def DL_StateOp : DL_VariableOp<"state", "non-trainable state">;

def DL_LoadOp : DL_Op<"load", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "reads the current value of a param or state";
  let description = [{
    ```mlir
    %w = dl.load @w1 : tensor<784x512xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs DL_Tensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

def DL_AssignOp : DL_Op<"assign", [
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "writes a new value to a state";
  let description = [{
    Used by training entry points for batch-norm running statistics; params
    are written only by the optimizer update.

    ```mlir
    dl.assign @bn.mean, %m : tensor<6xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name, DL_Tensor:$value);
  let assemblyFormat = "$name `,` $value attr-dict `:` type($value)";
}

#endif // DL_OPS_TD
