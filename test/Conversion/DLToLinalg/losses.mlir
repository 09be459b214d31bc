// RUN: dl-opt %s -convert-dl-to-linalg -split-input-file | FileCheck %s

// Softmax cross-entropy with class ids: log_softmax (log-sum-exp), the
// label's entry per row, the mean.
// CHECK-LABEL: func.func @xent
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: math.log
// CHECK: tensor.extract
// CHECK: arith.negf
// CHECK: arith.divf
func.func @xent(%l: tensor<4x10xf32>, %y: tensor<4xi32>) -> tensor<f32> {
  %0 = dl.softmax_cross_entropy %l, %y : tensor<4x10xf32>, tensor<4xi32>
  return %0 : tensor<f32>
}

// -----

// The stable form of BCE with logits: max(x, 0) - x t + log1p(exp(-|x|)).
// CHECK-LABEL: func.func @bce_logits
// CHECK: math.absf
// CHECK: math.exp
// CHECK: math.log1p
// CHECK: arith.maximumf
func.func @bce_logits(%x: tensor<4x1xf32>, %t: tensor<f32>) -> tensor<f32> {
  %0 = dl.bce_with_logits %x, %t : tensor<4x1xf32>, tensor<f32>
  return %0 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @mse_l2
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.constant 5.000000e-01 : f32
func.func @mse_l2(%p: tensor<4xf32>, %t: tensor<4xf32>) -> (tensor<f32>, tensor<f32>) {
  %0 = dl.mse %p, %t : tensor<4xf32>, tensor<4xf32>
  %1 = dl.l2 %p : tensor<4xf32>
  return %0, %1 : tensor<f32>, tensor<f32>
}

// -----

// accuracy: the first arg-max per row (a min over matching column ids).
// CHECK-LABEL: func.func @accuracy
// CHECK: arith.cmpf oeq
// CHECK: arith.minsi
// CHECK: arith.cmpi eq
func.func @accuracy(%l: tensor<4x10xf32>, %y: tensor<4xi32>) -> tensor<f32> {
  %0 = dl.accuracy %l, %y : tensor<4x10xf32>, tensor<4xi32>
  return %0 : tensor<f32>
}
