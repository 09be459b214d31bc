// RUN: dl-opt %s -dl-autodiff -split-input-file | FileCheck %s

// The backward graphs of the neural-network primitives: each op's rule
// (dialects/DL/IR/DLGradients.cpp) builds dl ops, here checked one op at a
// time.

dl.param @w : tensor<2x3x3x3xf32> {init = "zeros"}
dl.param @b : tensor<2xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[W:.*]] = dl.load @w
// CHECK: %[[C:.*]] = dl.conv2d %[[X:.*]], %[[W]], %{{.*}} {pad = 1 : i64, stride = 2 : i64}
// CHECK: %[[G:.*]] = dl.broadcast_to
// The input gradient is built (and later removed as dead: x is an input),
// the weight gradient correlates x with the gradient, the bias gradient
// sums it over batch and space:
// CHECK: dl.conv2d_input_grad %[[G]], %[[W]] {pad = 1 : i64, stride = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<2x3x3x3xf32>) -> tensor<1x3x5x5xf32>
// CHECK: %[[DW:.*]] = dl.conv2d_weight_grad %[[X]], %[[G]] {pad = 1 : i64, stride = 2 : i64} : (tensor<1x3x5x5xf32>, tensor<1x2x3x3xf32>) -> tensor<2x3x3x3xf32>
// CHECK: %[[DB:.*]] = dl.sum %[[G]] {axes = array<i64: 0, 2, 3>} : tensor<1x2x3x3xf32> -> tensor<2xf32>
// CHECK: dl.add %{{.*}}, %[[DW]]
// CHECK: dl.assign @"grad/step/w"
// CHECK: dl.add %{{.*}}, %[[DB]]
// CHECK: dl.assign @"grad/step/b"
func.func @step(%x: tensor<1x3x5x5xf32> {dl.name = "x"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@w, @b]} {
  %w = dl.load @w : tensor<2x3x3x3xf32>
  %b = dl.load @b : tensor<2xf32>
  %c = dl.conv2d %x, %w, %b {stride = 2, pad = 1} : (tensor<1x3x5x5xf32>, tensor<2x3x3x3xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %l = dl.sum %c : tensor<1x2x3x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Pooling: max routes the window gradient to the argmax (recomputed from
// the forward input), average spreads it.
dl.param @w : tensor<1x2x4x4xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[W:.*]] = dl.load @w
// CHECK: %[[G:.*]] = dl.broadcast_to
// CHECK-DAG: %[[DA:.*]] = dl.avg_pool2d_grad %[[G]] {size = 2 : i64, stride = 2 : i64} : tensor<1x2x2x2xf32> -> tensor<1x2x4x4xf32>
// CHECK-DAG: %[[DM:.*]] = dl.max_pool2d_grad %[[W]], %[[G]] {size = 2 : i64, stride = 2 : i64} : tensor<1x2x4x4xf32>, tensor<1x2x2x2xf32>
// CHECK: dl.add
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@w]} {
  %w = dl.load @w : tensor<1x2x4x4xf32>
  %m = dl.max_pool2d %w {size = 2, stride = 2} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  %a = dl.avg_pool2d %w {size = 2, stride = 2} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  %s = dl.add %m, %a : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32> -> tensor<1x2x2x2xf32>
  %l = dl.sum %s : tensor<1x2x2x2xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Dropout: dl-autodiff gives it the entry's call counter as its step (a
// slot saved with the optimizer state), increments the counter, and
// applies the same mask to the gradient.
dl.param @w : tensor<8xf32> {init = "zeros"}
// CHECK: dl.state @"optim/step/rng_step" : tensor<f32> {init = "zeros", role = "slot"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[S:.*]] = dl.load @"optim/step/rng_step" : tensor<f32>
// CHECK: %[[W:.*]] = dl.load @w
// CHECK: dl.dropout %[[W]] step(%[[S]] : tensor<f32>) {rate = 2.500000e-01 : f64, seed = 9 : i64}
// CHECK: %[[ONE:.*]] = dl.constant dense<1.000000e+00>
// CHECK: %[[NEXT:.*]] = dl.add %[[S]], %[[ONE]]
// CHECK: dl.assign @"optim/step/rng_step", %[[NEXT]]
// CHECK: %[[DG:.*]] = dl.dropout %{{.*}} step(%[[S]] : tensor<f32>) {rate = 2.500000e-01 : f64, seed = 9 : i64}
// CHECK: dl.add %{{.*}}, %[[DG]]
// CHECK: dl.assign @"grad/step/w"
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@w]} {
  %w = dl.load @w : tensor<8xf32>
  %d = dl.dropout %w {rate = 0.25 : f64, seed = 9 : i64} : tensor<8xf32>
  %l = dl.sum %d : tensor<8xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Batch norm in training: the gradient through the batch statistics,
// gamma's as sum(g * xhat), beta's as sum(g); the running statistics are
// only assigned.
dl.param @x : tensor<4x3xf32> {init = "zeros"}
dl.param @gamma : tensor<3xf32> {init = "ones"}
dl.param @beta : tensor<3xf32> {init = "zeros"}
dl.state @mean : tensor<3xf32> {init = "zeros"}
dl.state @var : tensor<3xf32> {init = "ones"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: dl.batch_norm
// CHECK: %[[MU:.*]] = dl.sum %[[X:.*]] {axes = array<i64: 0>, keepdims = true} : tensor<4x3xf32> -> tensor<1x3xf32>
// CHECK: dl.sqrt
// CHECK: %[[SG:.*]] = dl.sum %[[G:.*]] {axes = array<i64: 0>, keepdims = true}
// CHECK: %[[SGX:.*]] = dl.sum %{{.*}} {axes = array<i64: 0>, keepdims = true}
// CHECK-DAG: dl.reshape %[[SGX]] {{.*}} : tensor<1x3xf32> -> tensor<3xf32>
// CHECK-DAG: dl.reshape %[[SG]] {{.*}} : tensor<1x3xf32> -> tensor<3xf32>
// CHECK: dl.assign @"grad/step/x"
// CHECK: dl.assign @"grad/step/gamma"
// CHECK: dl.assign @"grad/step/beta"
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@x, @gamma, @beta]} {
  %x = dl.load @x : tensor<4x3xf32>
  %g = dl.load @gamma : tensor<3xf32>
  %b = dl.load @beta : tensor<3xf32>
  %m = dl.load @mean : tensor<3xf32>
  %v = dl.load @var : tensor<3xf32>
  %y, %nm, %nv = dl.batch_norm %x, %g, %b, %m, %v {training} : (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>)
  dl.assign @mean, %nm : tensor<3xf32>
  dl.assign @var, %nv : tensor<3xf32>
  %sq = dl.square %y : tensor<4x3xf32>
  %l = dl.sum %sq : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Embedding (gather): the table's gradient is a scatter-add of the rows.
// gelu: its derivative op. max: the gradient goes to the maxima.
dl.param @t : tensor<5x2xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[E:.*]] = dl.gather %{{.*}}, %[[IDS:.*]] :
// CHECK: %[[M:.*]] = dl.max %[[GE:.*]] {axes = array<i64: 1>}
// CHECK: %[[TOP:.*]] = dl.reshape %[[M]] {{.*}} : tensor<3xf32> -> tensor<3x1xf32>
// CHECK: dl.step
// CHECK: dl.gelu_derivative %[[E]] : tensor<3x2xf32>
// CHECK: dl.gather_grad %{{.*}}, %[[IDS]] : tensor<3x2xf32>, tensor<3xi32> -> tensor<5x2xf32>
func.func @step(%ids: tensor<3xi32> {dl.name = "ids"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@t]} {
  %t = dl.load @t : tensor<5x2xf32>
  %e = dl.gather %t, %ids : tensor<5x2xf32>, tensor<3xi32> -> tensor<3x2xf32>
  %ge = dl.gelu %e : tensor<3x2xf32>
  %m = dl.max %ge {axes = array<i64: 1>} : tensor<3x2xf32> -> tensor<3xf32>
  %l = dl.sum %m : tensor<3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// An LSTM layer: one dl.lstm_grad (backpropagation through time as one
// op) from the layer's operands, its saved sequences and gates and the
// gradient of its hidden states; its three results flow to xw (and from it to the
// input weights), to the recurrent weights and to their bias.
dl.param @wt : tensor<4x16xf32> {init = "zeros"}
dl.param @bh : tensor<16xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[WT:.*]] = dl.load @wt
// CHECK: %[[BH:.*]] = dl.load @bh
// CHECK: %[[S:.*]], %[[C:.*]], %[[G:.*]] = dl.lstm %[[XW:.*]], %[[WT]], %[[BH]]
// CHECK: %{{.*}}, %[[DW:.*]], %[[DB:.*]] = dl.lstm_grad %[[XW]], %[[WT]], %[[BH]], %[[S]], %[[C]], %[[G]], %{{.*}} : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>)
// CHECK: dl.add %{{.*}}, %[[DW]]
// CHECK: dl.assign @"grad/step/wt"
// CHECK: dl.add %{{.*}}, %[[DB]]
// CHECK: dl.assign @"grad/step/bh"
func.func @step(%xw: tensor<2x3x16xf32> {dl.name = "xw"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@wt, @bh]} {
  %wt = dl.load @wt : tensor<4x16xf32>
  %bh = dl.load @bh : tensor<16xf32>
  %seq, %cells, %gates = dl.lstm %xw, %wt, %bh : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>)
  %l = dl.sum %seq : tensor<2x3x4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A GRU layer: one dl.gru_grad from its operands, its saved sequence and
// gates and the gradient of its hidden states.
dl.param @wt : tensor<4x12xf32> {init = "zeros"}
dl.param @bh : tensor<12xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[WT:.*]] = dl.load @wt
// CHECK: %[[BH:.*]] = dl.load @bh
// CHECK: %[[S:.*]], %[[G:.*]] = dl.gru %[[XW:.*]], %[[WT]], %[[BH]]
// CHECK: %{{.*}}, %[[DW:.*]], %[[DB:.*]] = dl.gru_grad %[[XW]], %[[WT]], %[[BH]], %[[S]], %[[G]], %{{.*}} : (tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>)
// CHECK: dl.add %{{.*}}, %[[DW]]
// CHECK: dl.assign @"grad/step/wt"
// CHECK: dl.add %{{.*}}, %[[DB]]
// CHECK: dl.assign @"grad/step/bh"
func.func @step(%xw: tensor<2x3x12xf32> {dl.name = "xw"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@wt, @bh]} {
  %wt = dl.load @wt : tensor<4x12xf32>
  %bh = dl.load @bh : tensor<12xf32>
  %seq, %gates = dl.gru %xw, %wt, %bh : (tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x16xf32>)
  %l = dl.sum %seq : tensor<2x3x4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// An RNN layer: one dl.rnn_grad from its operands, its sequence and the
// gradient of its hidden states, with the layer's activation.
dl.param @wt : tensor<4x4xf32> {init = "zeros"}
dl.param @bh : tensor<4xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[WT:.*]] = dl.load @wt
// CHECK: %[[BH:.*]] = dl.load @bh
// CHECK: %[[S:.*]] = dl.rnn %[[XW:.*]], %[[WT]], %[[BH]] {act = "leaky_relu", alpha = 2.000000e-01 : f64}
// CHECK: %{{.*}}, %[[DW:.*]], %[[DB:.*]] = dl.rnn_grad %[[XW]], %[[WT]], %[[BH]], %[[S]], %{{.*}} {act = "leaky_relu", alpha = 2.000000e-01 : f64} : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>)
// CHECK: dl.add %{{.*}}, %[[DW]]
// CHECK: dl.assign @"grad/step/wt"
// CHECK: dl.add %{{.*}}, %[[DB]]
// CHECK: dl.assign @"grad/step/bh"
func.func @step(%xw: tensor<2x3x4xf32> {dl.name = "xw"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@wt, @bh]} {
  %wt = dl.load @wt : tensor<4x4xf32>
  %bh = dl.load @bh : tensor<4xf32>
  %seq = dl.rnn %xw, %wt, %bh {act = "leaky_relu", alpha = 0.2 : f64} : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %l = dl.sum %seq : tensor<2x3x4xf32> -> tensor<f32>
  return %l : tensor<f32>
}
