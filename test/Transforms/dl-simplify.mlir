// RUN: dl-opt %s -dl-simplify -split-input-file | FileCheck %s
// RUN: dl-opt %s -dl-simplify=transposed-products=false -split-input-file | FileCheck %s --check-prefix=PLAIN

// Constant arithmetic on splats folds; identities disappear.
// CHECK-LABEL: func.func @fold
// CHECK-DAG: %[[C:.*]] = dl.constant dense<7.500000e-01> : tensor<f32>
// CHECK: %[[M:.*]] = dl.mul %arg0, %[[C]]
// CHECK: return %[[M]], %arg0
func.func @fold(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %half = dl.constant dense<0.5> : tensor<f32>
  %c = dl.constant dense<1.5> : tensor<f32>
  %one = dl.constant dense<1.0> : tensor<f32>
  %zero = dl.constant dense<0.0> : tensor<f32>
  %k = dl.mul %half, %c : tensor<f32>, tensor<f32> -> tensor<f32>
  %y = dl.mul %k, %x : tensor<f32>, tensor<4xf32> -> tensor<4xf32>
  %a = dl.mul %x, %one : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %b = dl.add %zero, %a : tensor<f32>, tensor<4xf32> -> tensor<4xf32>
  %d = dl.div %b, %one : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %e = dl.sub %d, %zero : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  return %y, %e : tensor<4xf32>, tensor<4xf32>
}

// -----

// An identity that would change the type stays: x * 1 with x 0-d and the
// result [4] is a broadcast.
// CHECK-LABEL: func.func @broadcasting_identity
// CHECK: dl.mul
func.func @broadcasting_identity(%x: tensor<f32>) -> tensor<4xf32> {
  %one = dl.constant dense<1.0> : tensor<4xf32>
  %y = dl.mul %x, %one : tensor<f32>, tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// The log_softmax gradient's exp(log_softmax(x)) is softmax(x), and CSE
// merges it with the softmax the forward graph computes.
// CHECK-LABEL: func.func @softmax
// CHECK: %[[S:.*]] = dl.softmax %arg0 {axis = 1 : i64}
// CHECK-NOT: dl.exp
// CHECK-NOT: dl.softmax
// CHECK: return %[[S]], %[[S]]
func.func @softmax(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %s = dl.softmax %x {axis = 1} : tensor<2x3xf32>
  %l = dl.log_softmax %x {axis = 1} : tensor<2x3xf32>
  %e = dl.exp %l : tensor<2x3xf32>
  return %s, %e : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Scalings merge; negations fold into them and into add/sub.
// CHECK-LABEL: func.func @scalings
// CHECK-DAG: %[[C:.*]] = dl.constant dense<6.000000e+00> : tensor<f32>
// CHECK: %[[M:.*]] = dl.mul %arg0, %[[C]]
// CHECK: %[[S:.*]] = dl.sub %arg1, %[[M]]
// CHECK: %[[A:.*]] = dl.add %[[S]], %arg0
// CHECK: return %[[A]]
func.func @scalings(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %two = dl.constant dense<2.0> : tensor<f32>
  %three = dl.constant dense<3.0> : tensor<f32>
  %a = dl.mul %two, %x : tensor<f32>, tensor<4xf32> -> tensor<4xf32>
  %b = dl.mul %a, %three : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  %n = dl.neg %b : tensor<4xf32>
  %s = dl.add %y, %b : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %t = dl.neg %s : tensor<4xf32>
  %u = dl.neg %n : tensor<4xf32>
  %v = dl.add %y, %n : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %nx = dl.neg %x : tensor<4xf32>
  %w = dl.sub %v, %nx : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

// Dead gradients: values nothing uses go, with what only they used; loads
// and assigns stay.
dl.state @g : tensor<4xf32> {init = "zeros"}
// CHECK-LABEL: func.func @dead
// CHECK-NOT: dl.transpose
// CHECK-NOT: dl.matmul
// CHECK: dl.load @g
// CHECK: dl.assign @g
func.func @dead(%x: tensor<4x4xf32>, %y: tensor<4xf32>) {
  %t = dl.transpose %x {perm = array<i64: 1, 0>} : tensor<4x4xf32> -> tensor<4x4xf32>
  %m = dl.matmul %t, %x : tensor<4x4xf32>, tensor<4x4xf32> -> tensor<4x4xf32>
  %g = dl.load @g : tensor<4xf32>
  %s = dl.add %g, %y : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  dl.assign @g, %s : tensor<4xf32>
  return
}

// -----

// -(c * x) with nothing else to fold into: the constant absorbs the sign.
// CHECK-LABEL: func.func @negated_scaling
// CHECK: %[[C:.*]] = dl.constant dense<-2.500000e-01> : tensor<f32>
// CHECK: dl.mul %arg0, %[[C]]
// CHECK-NOT: dl.neg
func.func @negated_scaling(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = dl.constant dense<0.25> : tensor<f32>
  %a = dl.mul %c, %x : tensor<f32>, tensor<4xf32> -> tensor<4xf32>
  %n = dl.neg %a : tensor<4xf32>
  return %n : tensor<4xf32>
}

// -----

// x @ transpose(w) with w larger than x and the result together (a dense
// layer in PyTorch's [out, in] layout, or dY @ transpose(W) in dense()'s
// backward): at more than one row, transpose(w @ transpose(x)), so the
// lowering copies x and the result (the transposed operands) instead of w;
// at one row, a row reduction per output, x broadcast over w's rows; at 2
// to 4 rows with rows of 256 or more (a multiple of 16), dot products,
// sum(reshape(x, [M, 1, K]) * w, axis = 2). Left alone: a w smaller than x and the result (an output layer of 10
// classes at batch 64), a w that is not transposed.
// CHECK-LABEL: func.func @product_by_transposed_rows
// CHECK: %[[XT:.*]] = dl.transpose %arg0 {perm = array<i64: 1, 0>} : tensor<8x784xf32> -> tensor<784x8xf32>
// CHECK: %[[P:.*]] = dl.matmul %arg1, %[[XT]] : tensor<512x784xf32>, tensor<784x8xf32> -> tensor<512x8xf32>
// CHECK: %[[Y:.*]] = dl.transpose %[[P]] {perm = array<i64: 1, 0>} : tensor<512x8xf32> -> tensor<8x512xf32>
// CHECK: %[[M:.*]] = dl.mul %arg2, %arg1 : tensor<1x784xf32>, tensor<512x784xf32> -> tensor<512x784xf32>
// CHECK: %[[S:.*]] = dl.sum %[[M]] {axes = array<i64: 1>} : tensor<512x784xf32> -> tensor<512xf32>
// CHECK: %[[V:.*]] = dl.reshape %[[S]] {shape = array<i64: 1, 512>} : tensor<512xf32> -> tensor<1x512xf32>
// CHECK: %[[WT:.*]] = dl.transpose %arg3 {perm = array<i64: 1, 0>} : tensor<10x512xf32> -> tensor<512x10xf32>
// CHECK: %[[O:.*]] = dl.matmul %arg4, %[[WT]] : tensor<64x512xf32>, tensor<512x10xf32> -> tensor<64x10xf32>
// CHECK: %[[Q:.*]] = dl.matmul %arg0, %arg5 : tensor<8x784xf32>, tensor<784x512xf32> -> tensor<8x512xf32>
// CHECK: %[[X4:.*]] = dl.reshape %arg6 {shape = array<i64: 4, 1, 784>} : tensor<4x784xf32> -> tensor<4x1x784xf32>
// CHECK: %[[M4:.*]] = dl.mul %[[X4]], %arg1 : tensor<4x1x784xf32>, tensor<512x784xf32> -> tensor<4x512x784xf32>
// CHECK: %[[D:.*]] = dl.sum %[[M4]] {axes = array<i64: 2>} : tensor<4x512x784xf32> -> tensor<4x512xf32>
// CHECK: return %[[Y]], %[[V]], %[[O]], %[[Q]], %[[D]]
// With transposed-products=false (dlc -O0 and --no-fuse), as written.
// PLAIN-LABEL: func.func @product_by_transposed_rows
// PLAIN-NOT: dl.sum
// PLAIN-COUNT-5: dl.matmul %arg
// PLAIN: return
func.func @product_by_transposed_rows(%x: tensor<8x784xf32>, %w: tensor<512x784xf32>, %v: tensor<1x784xf32>,
                                      %w3: tensor<10x512xf32>, %h: tensor<64x512xf32>, %b: tensor<784x512xf32>,
                                      %x4: tensor<4x784xf32>)
    -> (tensor<8x512xf32>, tensor<1x512xf32>, tensor<64x10xf32>, tensor<8x512xf32>, tensor<4x512xf32>) {
  %wt = dl.transpose %w {perm = array<i64: 1, 0>} : tensor<512x784xf32> -> tensor<784x512xf32>
  %y = dl.matmul %x, %wt : tensor<8x784xf32>, tensor<784x512xf32> -> tensor<8x512xf32>
  %r = dl.matmul %v, %wt : tensor<1x784xf32>, tensor<784x512xf32> -> tensor<1x512xf32>
  %w3t = dl.transpose %w3 {perm = array<i64: 1, 0>} : tensor<10x512xf32> -> tensor<512x10xf32>
  %o = dl.matmul %h, %w3t : tensor<64x512xf32>, tensor<512x10xf32> -> tensor<64x10xf32>
  %q = dl.matmul %x, %b : tensor<8x784xf32>, tensor<784x512xf32> -> tensor<8x512xf32>
  %d = dl.matmul %x4, %wt : tensor<4x784xf32>, tensor<784x512xf32> -> tensor<4x512xf32>
  return %y, %r, %o, %q, %d : tensor<8x512xf32>, tensor<1x512xf32>, tensor<64x10xf32>, tensor<8x512xf32>, tensor<4x512xf32>
}
