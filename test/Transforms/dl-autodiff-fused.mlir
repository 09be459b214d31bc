// RUN: dl-opt %s -dl-autodiff -split-input-file | FileCheck %s
// RUN: dl-opt %s -dl-autodiff=fuse-step-limit=0 -split-input-file | FileCheck %s --check-prefix=OFF
// RUN: dl-opt %s -dl-autodiff=fuse-step-limit=24 -split-input-file | FileCheck %s --check-prefix=LIMIT

// ENTRY_fused: the forward and backward graphs of ENTRY_accumulate, then
// the update of ENTRY_apply from the batch's gradients directly. A dense
// layer over a batch of 4 does 72 multiply-adds in its step (24 forward,
// twice that backward) over 8 param elements: 9 per element, under the
// default limit (1000) and under 24.

dl.param @w : tensor<3x2xf32> {init = "zeros"}
dl.param @b : tensor<2xf32> {init = "zeros"}

// CHECK-LABEL: func.func @step_accumulate
// CHECK: dl.assign @"grad/step/w"
// CHECK: dl.assign @"grad/step/count"
// CHECK-LABEL: func.func @step_apply()
// CHECK: dl.load @"grad/step/count"
// CHECK: dl.assign @"grad/step/w"

// The same arguments and results as ENTRY_accumulate:
// CHECK-LABEL: func.func @step_fused(%{{.*}}: tensor<4x3xf32> {dl.name = "x"}, %{{.*}}: tensor<4xi32> {dl.name = "y"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"})
// CHECK-SAME: dl.entry = "fused"
// CHECK-SAME: dl.train_entry = "step"
// The step count first, then the forward graph:
// CHECK: dl.assign @"optim/step/t"
// CHECK: %[[W:.*]] = dl.load @w
// CHECK: dl.softmax_cross_entropy
// No gradient buffer is read, added to, divided by the count or cleared;
// each param's update comes right after the last op that reads the param
// or its gradient: the bias's after its gradient (a sum over the batch),
// CHECK-NOT: grad/step
// CHECK: dl.sum %{{.*}} {axes = array<i64: 0>} : tensor<4x2xf32> -> tensor<2xf32>
// CHECK-NOT: grad/step
// CHECK: dl.assign @"optim/step/momentum/b"
// CHECK: dl.assign @b
// the weight's after dz w^T (which reads w) and its gradient x^T dz:
// CHECK-NOT: grad/step
// CHECK: dl.transpose %[[W]]
// CHECK: %[[DW:.*]] = dl.matmul %{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<4x2xf32> -> tensor<3x2xf32>
// CHECK-NOT: grad/step
// CHECK: dl.add %[[DW]], %{{.*}} : tensor<3x2xf32>, tensor<3x2xf32> -> tensor<3x2xf32>
// CHECK: dl.assign @"optim/step/momentum/w"
// CHECK: dl.assign @w
// CHECK-NOT: grad/step
// CHECK: return

// OFF-NOT: step_fused
// LIMIT: func.func @step_fused
// LIMIT: {{^}}// {{-----}}
func.func @step(%x: tensor<4x3xf32> {dl.name = "x"}, %y: tensor<4xi32> {dl.name = "y"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 1.000000e-01 : f64, momentum = 0.9 : f64, nesterov = false, weight_decay = 0.000000e+00 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@w, @b]} {
  %w = dl.load @w : tensor<3x2xf32>
  %z = dl.matmul %x, %w : tensor<4x3xf32>, tensor<3x2xf32> -> tensor<4x2xf32>
  %b = dl.load @b : tensor<2xf32>
  %l = dl.add %z, %b : tensor<4x2xf32>, tensor<2xf32> -> tensor<4x2xf32>
  %loss = dl.softmax_cross_entropy %l, %y : tensor<4x2xf32>, tensor<4xi32>
  return %loss : tensor<f32>
}

// -----

// A batch of 64: 1152 multiply-adds over 8 param elements, 144 per
// element: over 24, so fused under the default limit only.

dl.param @w : tensor<3x2xf32> {init = "zeros"}
dl.param @b : tensor<2xf32> {init = "zeros"}

// CHECK-LABEL: func.func @step_fused
// CHECK-SAME: dl.entry = "fused"
// LIMIT-NOT: step_fused
// LIMIT: {{^}}// {{-----}}
func.func @step(%x: tensor<64x3xf32> {dl.name = "x"}, %y: tensor<64xi32> {dl.name = "y"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 1.000000e-01 : f64, momentum = 0.9 : f64, nesterov = false, weight_decay = 0.000000e+00 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@w, @b]} {
  %w = dl.load @w : tensor<3x2xf32>
  %z = dl.matmul %x, %w : tensor<64x3xf32>, tensor<3x2xf32> -> tensor<64x2xf32>
  %b = dl.load @b : tensor<2xf32>
  %l = dl.add %z, %b : tensor<64x2xf32>, tensor<2xf32> -> tensor<64x2xf32>
  %loss = dl.softmax_cross_entropy %l, %y : tensor<64x2xf32>, tensor<64xi32>
  return %loss : tensor<f32>
}

// -----

// Adam: the update reads the moments and the step's count t; the fused
// step advances t as ENTRY_apply does.

// LIMIT: func.func @step_fused

dl.param @w : tensor<3x2xf32> {init = "zeros"}

// CHECK-LABEL: func.func @step_fused
// CHECK-NOT: grad/step
// CHECK: dl.assign @"optim/step/t"
// CHECK: dl.assign @"optim/step/m/w"
// CHECK: dl.assign @"optim/step/v/w"
// CHECK: dl.pow
// CHECK: dl.sqrt
// CHECK: dl.assign @w
// CHECK-NOT: grad/step
// CHECK: return
func.func @step(%x: tensor<4x3xf32> {dl.name = "x"}, %t: tensor<4x2xf32> {dl.name = "t"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 1.000000e-03 : f64, beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-08 : f64, weight_decay = 0.000000e+00 : f64}, dl.loss = "l", dl.optimizer = "adam", dl.over = [@w]} {
  %w = dl.load @w : tensor<3x2xf32>
  %z = dl.matmul %x, %w : tensor<4x3xf32>, tensor<3x2xf32> -> tensor<4x2xf32>
  %loss = dl.mse %z, %t : tensor<4x2xf32>, tensor<4x2xf32>
  return %loss : tensor<f32>
}

// -----

// SGD declared without momentum: plain bodies besides the general ones,
// step_apply_plain and step_fused_plain, whose updates neither read nor
// write the momentum slots (w -= lr * (g + weight_decay * w)); M_step and
// M_step_apply call them while the momentum is 0. No fused body under the
// limit 0 (OFF), but still the plain apply.

dl.param @w : tensor<3x2xf32> {init = "zeros"}

// CHECK-LABEL: func.func @step_apply()
// CHECK: dl.load @"optim/step/momentum/w"
// CHECK: dl.assign @"optim/step/momentum/w"
// CHECK-LABEL: func.func @step_apply_plain()
// CHECK-SAME: dl.entry = "apply_plain"
// CHECK-SAME: dl.train_entry = "step"
// CHECK-NOT: momentum/w
// CHECK: %[[WD:.*]] = dl.load @"hyper/step/weight_decay"
// CHECK-NOT: momentum/w
// CHECK: dl.assign @w
// CHECK-NOT: momentum/w
// CHECK: return
// CHECK-LABEL: func.func @step_fused(
// CHECK: dl.assign @"optim/step/momentum/w"
// CHECK-LABEL: func.func @step_fused_plain(
// CHECK-SAME: dl.entry = "fused_plain"
// CHECK-NOT: momentum/w
// CHECK: dl.assign @w
// CHECK-NOT: momentum/w
// CHECK: return

// OFF-LABEL: func.func @step_apply_plain()
// OFF-NOT: _fused
func.func @step(%x: tensor<4x3xf32> {dl.name = "x"}, %y: tensor<4xi32> {dl.name = "y"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, nesterov = false, weight_decay = 1.000000e-02 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@w]} {
  %w = dl.load @w : tensor<3x2xf32>
  %z = dl.matmul %x, %w : tensor<4x3xf32>, tensor<3x2xf32> -> tensor<4x2xf32>
  %loss = dl.softmax_cross_entropy %z, %y : tensor<4x2xf32>, tensor<4xi32>
  return %loss : tensor<f32>
}
