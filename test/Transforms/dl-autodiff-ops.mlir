// RUN: dl-opt %s -dl-autodiff -split-input-file | FileCheck %s

// The backward graph of each elementwise, shape, softmax and loss op: one
// training function per op, whose loss is the sum (or the value) of the op
// on a param %p. The gradient of the sum, 1 broadcast to the shape, is %G.
// (The neural-network ops are in dl-autodiff-nn.mlir.)

// -----

dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[Y:.*]] = dl.neg %[[P]]
// CHECK: %[[G:.*]] = dl.broadcast_to
// CHECK: %[[D:.*]] = dl.neg %[[G]]
// CHECK: dl.add %{{.*}}, %[[D]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %y = dl.neg %p : tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[Y:.*]] = dl.relu %[[P]]
// CHECK: %[[G:.*]] = dl.broadcast_to
// relu: g * step(y), y > 0 exactly where x > 0
// CHECK: %[[S:.*]] = dl.step %[[Y]]
// CHECK: %[[D:.*]] = dl.mul %[[G]], %[[S]]
// CHECK: dl.add %{{.*}}, %[[D]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %y = dl.relu %p : tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[Y:.*]] = dl.leaky_relu %[[P]]
// CHECK: %[[G:.*]] = dl.broadcast_to
// leaky_relu: g * (alpha + (1 - alpha) step(x)), step(y) with alpha >= 0
// CHECK: %[[S:.*]] = dl.step %[[Y]]
// CHECK: %[[A:.*]] = dl.mul %{{.*}}, %[[S]]
// CHECK: %[[F:.*]] = dl.add %{{.*}}, %[[A]]
// CHECK: dl.mul %[[G]], %[[F]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %y = dl.leaky_relu %p {alpha = 0.2 : f64} : tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A negative slope makes y > 0 where x < 0 too: the mask reads x.
dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: dl.leaky_relu %[[P]]
// CHECK: dl.step %[[P]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %y = dl.leaky_relu %p {alpha = -0.5 : f64} : tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[Y:.*]] = dl.sigmoid %[[P]]
// CHECK: %[[G:.*]] = dl.broadcast_to
// sigmoid: g * y (1 - y)
// CHECK: %[[M:.*]] = dl.sub %{{.*}}, %[[Y]]
// CHECK: %[[D:.*]] = dl.mul %[[Y]], %[[M]]
// CHECK: dl.mul %[[G]], %[[D]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %y = dl.sigmoid %p : tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[Y:.*]] = dl.tanh %[[P]]
// CHECK: %[[G:.*]] = dl.broadcast_to
// tanh: g * (1 - y^2)
// CHECK: %[[SQ:.*]] = dl.mul %[[Y]], %[[Y]]
// CHECK: %[[D:.*]] = dl.sub %{{.*}}, %[[SQ]]
// CHECK: dl.mul %[[G]], %[[D]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %y = dl.tanh %p : tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[Y:.*]] = dl.exp %[[P]]
// CHECK: %[[G:.*]] = dl.broadcast_to
// exp: g * y
// CHECK: %[[D:.*]] = dl.mul %[[G]], %[[Y]]
// CHECK: dl.add %{{.*}}, %[[D]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %y = dl.exp %p : tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[Y:.*]] = dl.log %[[P]]
// CHECK: %[[G:.*]] = dl.broadcast_to
// log: g * (1 / x)
// CHECK: %[[R:.*]] = dl.div %{{.*}}, %[[P]]
// CHECK: dl.mul %[[G]], %[[R]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %y = dl.log %p : tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[Y:.*]] = dl.sqrt %[[P]]
// CHECK: %[[G:.*]] = dl.broadcast_to
// sqrt: g * (0.5 / y)
// CHECK: %[[R:.*]] = dl.div %{{.*}}, %[[Y]]
// CHECK: dl.mul %[[G]], %[[R]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %y = dl.sqrt %p : tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[Y:.*]] = dl.abs %[[P]]
// CHECK: %[[G:.*]] = dl.broadcast_to
// abs: g * (2 step(x) - 1)
// CHECK: %[[S:.*]] = dl.step %[[P]]
// CHECK: %[[T:.*]] = dl.mul %{{.*}}, %[[S]]
// CHECK: %[[D:.*]] = dl.sub %[[T]], %{{.*}}
// CHECK: dl.mul %[[G]], %[[D]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %y = dl.abs %p : tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[Y:.*]] = dl.square %[[P]]
// CHECK: %[[G:.*]] = dl.broadcast_to
// square: g * 2x
// CHECK: %[[D:.*]] = dl.mul %{{.*}}, %[[P]]
// CHECK: dl.mul %[[G]], %[[D]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %y = dl.square %p : tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[Y:.*]] = dl.clip %[[P]]
// CHECK: %[[G:.*]] = dl.broadcast_to
// clip: g * step(x - lo) * step(hi - x)
// CHECK: %[[A:.*]] = dl.sub %[[P]], %{{.*}}
// CHECK: %[[SA:.*]] = dl.step %[[A]]
// CHECK: %[[B:.*]] = dl.sub %{{.*}}, %[[P]]
// CHECK: %[[SB:.*]] = dl.step %[[B]]
// CHECK: %[[D:.*]] = dl.mul %[[SA]], %[[SB]]
// CHECK: dl.mul %[[G]], %[[D]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %y = dl.clip %p {hi = 1.0 : f64, lo = -1.0 : f64} : tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// add with a broadcast right operand: the gradients of both sides,
// the right one summed back over the broadcast axis.
dl.param @p : tensor<4x3xf32> {init = "zeros"}
dl.param @q : tensor<3xf32> {init = "ones"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[G:.*]] = dl.broadcast_to
// CHECK: %[[DQ:.*]] = dl.sum %[[G]] {axes = array<i64: 0>} : tensor<4x3xf32> -> tensor<3xf32>
// CHECK: dl.add %{{.*}}, %[[G]]
// CHECK: dl.assign @"grad/step/p"
// CHECK: dl.add %{{.*}}, %[[DQ]]
// CHECK: dl.assign @"grad/step/q"
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p, @q]} {
  %p = dl.load @p : tensor<4x3xf32>
  %q = dl.load @q : tensor<3xf32>
  %y = dl.add %p, %q : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// sub with a broadcast right operand: the gradients of both sides,
// the right one summed back over the broadcast axis.
dl.param @p : tensor<4x3xf32> {init = "zeros"}
dl.param @q : tensor<3xf32> {init = "ones"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[G:.*]] = dl.broadcast_to
// CHECK: %[[N:.*]] = dl.neg %[[G]]
// CHECK: %[[DQ:.*]] = dl.sum %[[N]] {axes = array<i64: 0>}
// CHECK: dl.add %{{.*}}, %[[DQ]]
// CHECK: dl.assign @"grad/step/q"
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p, @q]} {
  %p = dl.load @p : tensor<4x3xf32>
  %q = dl.load @q : tensor<3xf32>
  %y = dl.sub %p, %q : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// mul with a broadcast right operand: the gradients of both sides,
// the right one summed back over the broadcast axis.
dl.param @p : tensor<4x3xf32> {init = "zeros"}
dl.param @q : tensor<3xf32> {init = "ones"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[Q:.*]] = dl.load @q
// CHECK: %[[G:.*]] = dl.broadcast_to
// CHECK: %[[DP:.*]] = dl.mul %[[G]], %[[Q]]
// CHECK: %[[T:.*]] = dl.mul %[[G]], %[[P]]
// CHECK: %[[DQ:.*]] = dl.sum %[[T]] {axes = array<i64: 0>}
// CHECK: dl.add %{{.*}}, %[[DP]]
// CHECK: dl.add %{{.*}}, %[[DQ]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p, @q]} {
  %p = dl.load @p : tensor<4x3xf32>
  %q = dl.load @q : tensor<3xf32>
  %y = dl.mul %p, %q : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// div with a broadcast right operand: the gradients of both sides,
// the right one summed back over the broadcast axis.
dl.param @p : tensor<4x3xf32> {init = "zeros"}
dl.param @q : tensor<3xf32> {init = "ones"}
// CHECK-LABEL: func.func @step_accumulate
// d(x/y)/dy = -(x/y)/y
// CHECK: %[[Q:.*]] = dl.load @q
// CHECK: %[[Y:.*]] = dl.div
// CHECK: %[[G:.*]] = dl.broadcast_to
// CHECK: %[[DP:.*]] = dl.div %[[G]], %[[Q]]
// CHECK: %[[T:.*]] = dl.mul %[[G]], %[[Y]]
// CHECK: %[[U:.*]] = dl.div %[[T]], %[[Q]]
// CHECK: %[[N:.*]] = dl.neg %[[U]]
// CHECK: dl.sum %[[N]] {axes = array<i64: 0>}
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p, @q]} {
  %p = dl.load @p : tensor<4x3xf32>
  %q = dl.load @q : tensor<3xf32>
  %y = dl.div %p, %q : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// maximum with a broadcast right operand: the gradients of both sides,
// the right one summed back over the broadcast axis.
dl.param @p : tensor<4x3xf32> {init = "zeros"}
dl.param @q : tensor<3xf32> {init = "ones"}
// CHECK-LABEL: func.func @step_accumulate
// the larger side gets g: g step(x - y), the other g - that
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[Q:.*]] = dl.load @q
// CHECK: %[[G:.*]] = dl.broadcast_to
// CHECK: %[[D:.*]] = dl.sub %[[P]], %[[Q]]
// CHECK: %[[S:.*]] = dl.step %[[D]]
// CHECK: %[[F:.*]] = dl.mul %[[G]], %[[S]]
// CHECK: %[[R:.*]] = dl.sub %[[G]], %[[F]]
// CHECK: dl.sum %[[R]] {axes = array<i64: 0>}
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p, @q]} {
  %p = dl.load @p : tensor<4x3xf32>
  %q = dl.load @q : tensor<3xf32>
  %y = dl.maximum %p, %q : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// minimum with a broadcast right operand: the gradients of both sides,
// the right one summed back over the broadcast axis.
dl.param @p : tensor<4x3xf32> {init = "zeros"}
dl.param @q : tensor<3xf32> {init = "ones"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[Q:.*]] = dl.load @q
// CHECK: %[[G:.*]] = dl.broadcast_to
// CHECK: %[[D:.*]] = dl.sub %[[Q]], %[[P]]
// CHECK: %[[S:.*]] = dl.step %[[D]]
// CHECK: %[[F:.*]] = dl.mul %[[G]], %[[S]]
// CHECK: dl.sub %[[G]], %[[F]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p, @q]} {
  %p = dl.load @p : tensor<4x3xf32>
  %q = dl.load @q : tensor<3xf32>
  %y = dl.minimum %p, %q : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// pow with a broadcast right operand: the gradients of both sides,
// the right one summed back over the broadcast axis.
dl.param @p : tensor<4x3xf32> {init = "zeros"}
dl.param @q : tensor<3xf32> {init = "ones"}
// CHECK-LABEL: func.func @step_accumulate
// d(x^p)/dx = p x^(p-1), d(x^p)/dp = x^p log x
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[Q:.*]] = dl.load @q
// CHECK: %[[Y:.*]] = dl.pow %[[P]], %[[Q]]
// CHECK: %[[QM:.*]] = dl.sub %[[Q]], %{{.*}}
// CHECK: %[[PW:.*]] = dl.pow %[[P]], %[[QM]]
// CHECK: dl.mul %[[Q]], %[[PW]]
// CHECK: %[[LG:.*]] = dl.log %[[P]]
// CHECK: dl.mul %[[Y]], %[[LG]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p, @q]} {
  %p = dl.load @p : tensor<4x3xf32>
  %q = dl.load @q : tensor<3xf32>
  %y = dl.pow %p, %q : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  %l = dl.sum %y : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// mean: the gradient spread over the reduced axis, divided by its size;
// transpose: the inverse permutation; reshape: back to the shape.
dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[G0:.*]] = dl.broadcast_to %{{.*}} -> tensor<12xf32>
// CHECK: %[[GR:.*]] = dl.reshape %[[G0]] {{.*}} -> tensor<4x3xf32>
// CHECK: %[[GU:.*]] = dl.sum %[[GR]] {axes = array<i64: 0>} : tensor<4x3xf32> -> tensor<3xf32>
// CHECK: %[[GK:.*]] = dl.reshape %[[GU]] {{.*}} -> tensor<3x1xf32>
// CHECK: %[[GB:.*]] = dl.broadcast_to %[[GK]] {{.*}} -> tensor<3x4xf32>
// CHECK: %[[GM:.*]] = dl.div %[[GB]], %{{.*}}
// CHECK: dl.transpose %[[GM]] {perm = array<i64: 1, 0>} : tensor<3x4xf32> -> tensor<4x3xf32>
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %t = dl.transpose %p {perm = array<i64: 1, 0>} : tensor<4x3xf32> -> tensor<3x4xf32>
  %m = dl.mean %t {axes = array<i64: 1>} : tensor<3x4xf32> -> tensor<3xf32>
  %b = dl.broadcast_to %m {shape = array<i64: 4, 3>} : tensor<3xf32> -> tensor<4x3xf32>
  %r = dl.reshape %b {shape = array<i64: 12>} : tensor<4x3xf32> -> tensor<12xf32>
  %l = dl.sum %r : tensor<12xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// concat: a slice of the gradient per operand; slice: the gradient placed
// between zeros along the axis.
dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[G:.*]] = dl.broadcast_to %{{.*}} -> tensor<4x2xf32>
// CHECK: %[[Z:.*]] = dl.constant dense<0.000000e+00> : tensor<4x4xf32>
// CHECK: %[[C:.*]] = dl.concat %[[Z]], %[[G]] {axis = 1 : i64}
// CHECK: %[[A:.*]] = dl.slice %[[C]] {axis = 1 : i64, size = 3 : i64, start = 0 : i64}
// CHECK: %[[B:.*]] = dl.slice %[[C]] {axis = 1 : i64, size = 3 : i64, start = 3 : i64}
// CHECK: dl.add %[[A]], %[[B]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %c = dl.concat %p, %p {axis = 1} : tensor<4x3xf32>, tensor<4x3xf32> -> tensor<4x6xf32>
  %s = dl.slice %c {axis = 1, start = 4, size = 2} : tensor<4x6xf32> -> tensor<4x2xf32>
  %l = dl.sum %s : tensor<4x2xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// softmax: y (g - sum(g y)); log_softmax: g - exp(y) sum(g).
dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[S:.*]] = dl.softmax %[[P:.*]] {axis = 1 : i64}
// CHECK: %[[L:.*]] = dl.log_softmax %[[P]] {axis = 1 : i64}
// CHECK: %[[G:.*]] = dl.broadcast_to
// CHECK: %[[T:.*]] = dl.sum %[[G]] {axes = array<i64: 1>, keepdims = true}
// CHECK: %[[E:.*]] = dl.exp %[[L]]
// CHECK: %[[M:.*]] = dl.mul %[[E]], %[[T]]
// CHECK: dl.sub %[[G]], %[[M]]
// CHECK: %[[GY:.*]] = dl.mul %[[G]], %[[S]]
// CHECK: %[[D:.*]] = dl.sum %[[GY]] {axes = array<i64: 1>, keepdims = true}
// CHECK: %[[C:.*]] = dl.sub %[[G]], %[[D]]
// CHECK: dl.mul %[[S]], %[[C]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %s = dl.softmax %p {axis = 1} : tensor<4x3xf32>
  %ls = dl.log_softmax %p {axis = 1} : tensor<4x3xf32>
  %a = dl.add %s, %ls : tensor<4x3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  %l = dl.sum %a : tensor<4x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// mse: 2 (p - t) / N, with 1/N folded into the scale.
dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[D:.*]] = dl.sub %[[P]], %{{.*}}
// CHECK: dl.mul %{{.*}}, %[[D]]
// CHECK: dl.assign @"grad/step/p"
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %t = dl.constant dense<0.25> : tensor<4x3xf32>
  %l = dl.mse %p, %t : tensor<4x3xf32>, tensor<4x3xf32>
  return %l : tensor<f32>
}

// -----

// binary_cross_entropy: (p - t) / max(p (1 - p), 1e-12) / N, as PyTorch.
dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[Q:.*]] = dl.sub %{{.*}}, %[[P]]
// CHECK: %[[PQ:.*]] = dl.mul %[[P]], %[[Q]]
// CHECK: %[[DEN:.*]] = dl.maximum %[[PQ]], %{{.*}}
// CHECK: %[[D:.*]] = dl.sub %[[P]], %{{.*}}
// CHECK: dl.div %[[D]], %[[DEN]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %t = dl.constant dense<0.25> : tensor<4x3xf32>
  %l = dl.binary_cross_entropy %p, %t : tensor<4x3xf32>, tensor<4x3xf32>
  return %l : tensor<f32>
}

// -----

// bce_with_logits: (sigmoid(x) - t) / N.
dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[S:.*]] = dl.sigmoid %[[P]]
// CHECK: %[[D:.*]] = dl.sub %[[S]], %{{.*}}
// CHECK: dl.mul %{{.*}}, %[[D]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %t = dl.constant dense<0.25> : tensor<4x3xf32>
  %l = dl.bce_with_logits %p, %t : tensor<4x3xf32>, tensor<4x3xf32>
  return %l : tensor<f32>
}

// -----

// softmax_cross_entropy with probability targets: softmax(z) sum(t) - t,
// over the batch (integer labels: dl-autodiff.mlir).
dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: %[[S:.*]] = dl.softmax %[[P]] {axis = 1 : i64}
// CHECK: %[[MASS:.*]] = dl.sum %[[T:.*]] {axes = array<i64: 1>, keepdims = true}
// CHECK: %[[SM:.*]] = dl.mul %[[S]], %[[MASS]]
// CHECK: %[[D:.*]] = dl.sub %[[SM]], %[[T]]
// CHECK: dl.mul %{{.*}}, %[[D]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %t = dl.constant dense<0.25> : tensor<4x3xf32>
  %l = dl.softmax_cross_entropy %p, %t : tensor<4x3xf32>, tensor<4x3xf32>
  return %l : tensor<f32>
}

// -----

// l2: each operand's gradient is g * operand.
dl.param @p : tensor<4x3xf32> {init = "zeros"}
// CHECK-LABEL: func.func @step_accumulate
// CHECK: %[[P:.*]] = dl.load @p
// CHECK: dl.l2 %[[P]]
// CHECK: %[[D:.*]] = dl.mul %{{.*}}, %[[P]]
// CHECK: dl.add %{{.*}}, %[[D]]
func.func @step() -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@p]} {
  %p = dl.load @p : tensor<4x3xf32>
  %l = dl.l2 %p : tensor<4x3xf32>
  return %l : tensor<f32>
}
