// RUN: dl-opt %s -dl-autodiff -split-input-file | FileCheck %s
// RUN: dl-opt %s -dl-autodiff -split-input-file -canonicalize -cse | FileCheck %s --check-prefix=SIMPLE

// A dense layer with softmax cross-entropy, trained with sgd: the backward
// graph is dl ops, the gradients are accumulated, the update reads its
// hyper-parameters from states.

dl.param @w : tensor<3x2xf32> {init = "zeros"}
dl.param @b : tensor<2xf32> {init = "zeros"}

// CHECK-DAG: dl.state @"grad/step/w" : tensor<3x2xf32> {init = "zeros", role = "grad"}
// CHECK-DAG: dl.state @"grad/step/count" : tensor<f32> {init = "zeros", role = "grad"}
// CHECK-DAG: dl.state @"optim/step/t" : tensor<f32> {init = "zeros", role = "slot"}
// CHECK-DAG: dl.state @"optim/step/momentum/w" : tensor<3x2xf32> {init = "zeros", role = "slot"}
// CHECK-DAG: dl.state @"hyper/step/lr" : tensor<f32> {args = array<f64: 1.000000e-01>, init = "constant", role = "hyper"}

// CHECK-LABEL: func.func @step_accumulate
// CHECK-SAME: dl.entry = "accumulate"
// CHECK-SAME: dl.train_entry = "step"
// CHECK: %[[W:.*]] = dl.load @w
// CHECK: %[[Z:.*]] = dl.matmul %[[X:.*]], %[[W]]
// CHECK: %[[L:.*]] = dl.add %[[Z]], %{{.*}}
// CHECK: dl.softmax_cross_entropy %[[L]], %[[Y:.*]] :
// softmax(z) - one_hot(y), scaled by 1/B:
// CHECK: %[[P:.*]] = dl.softmax %[[L]] {axis = 1 : i64}
// CHECK: %[[OH:.*]] = dl.one_hot %[[Y]] {n = 2 : i64}
// CHECK: %[[D:.*]] = dl.sub %[[P]], %[[OH]]
// CHECK: %[[DZ:.*]] = dl.mul %{{.*}}, %[[D]]
// The bias gradient sums over the batch; the weight's is x^T dz:
// CHECK: %[[DB:.*]] = dl.sum %[[DZ]] {axes = array<i64: 0>} : tensor<4x2xf32> -> tensor<2xf32>
// CHECK: %[[XT:.*]] = dl.transpose %[[X]] {perm = array<i64: 1, 0>}
// CHECK: %[[DW:.*]] = dl.matmul %[[XT]], %[[DZ]] : tensor<3x4xf32>, tensor<4x2xf32> -> tensor<3x2xf32>
// CHECK: %[[G:.*]] = dl.load @"grad/step/w"
// CHECK: %[[S:.*]] = dl.add %[[G]], %[[DW]]
// CHECK: dl.assign @"grad/step/w", %[[S]]
// CHECK: dl.assign @"grad/step/count"

// CHECK-LABEL: func.func @step_apply()
// CHECK-SAME: dl.entry = "apply"
// CHECK: dl.load @"grad/step/count"
// CHECK: dl.maximum
// CHECK: dl.assign @"optim/step/t"
// CHECK: dl.load @"hyper/step/momentum"
// CHECK: dl.assign @"optim/step/momentum/w"
// CHECK: dl.load @"hyper/step/lr"
// CHECK: dl.assign @w
// CHECK: dl.zeros_like
// CHECK: dl.assign @"grad/step/w"

// After canonicalization and CSE the gradient of the input x is gone (the
// VJP builds it, nothing uses it).
// SIMPLE-LABEL: func.func @step_accumulate
// SIMPLE-NOT: dl.transpose %{{.*}} {perm = array<i64: 1, 0>} : tensor<3x2xf32>
// SIMPLE: return
func.func @step(%x: tensor<4x3xf32> {dl.name = "x"}, %y: tensor<4xi32> {dl.name = "y"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 1.000000e-01 : f64, momentum = 0.9 : f64, nesterov = false, weight_decay = 0.000000e+00 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@w, @b]} {
  %w = dl.load @w : tensor<3x2xf32>
  %z = dl.matmul %x, %w : tensor<4x3xf32>, tensor<3x2xf32> -> tensor<4x2xf32>
  %b = dl.load @b : tensor<2xf32>
  %l = dl.add %z, %b : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %loss = dl.softmax_cross_entropy %l, %y : tensor<4x2xf32>, tensor<4xi32>
  return %loss : tensor<f32>
}

// -----

// adam: first and second moments, bias corrections with pow(beta, t).
dl.param @w : tensor<3xf32> {init = "zeros"}

// CHECK-DAG: dl.state @"optim/adam/m/w"
// CHECK-DAG: dl.state @"optim/adam/v/w"
// CHECK-LABEL: func.func @adam_apply()
// CHECK: dl.assign @"optim/adam/m/w"
// CHECK: dl.assign @"optim/adam/v/w"
// CHECK: dl.pow
// CHECK: dl.sqrt
// CHECK: dl.assign @w
func.func @adam(%x: tensor<3xf32> {dl.name = "x"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64, lr = 1.0e-3 : f64, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "adam", dl.over = [@w]} {
  %w = dl.load @w : tensor<3xf32>
  %p = dl.mul %w, %x : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  %l = dl.sum %p : tensor<3xf32> -> tensor<f32>
  return %l : tensor<f32>
}
