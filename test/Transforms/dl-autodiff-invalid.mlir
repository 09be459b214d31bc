// RUN: dl-opt %s -dl-autodiff -split-input-file -verify-diagnostics

// Training through an op without a gradient rule is an error at the op
// (dlc reports it at the .dl source). The front end never produces one:
// the gradient ops themselves are not differentiated again.

dl.param @w : tensor<1x1x4x4xf32> {init = "zeros"}
func.func @step(%g: tensor<1x1x2x2xf32> {dl.name = "g"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@w]} {
  %w = dl.load @w : tensor<1x1x4x4xf32>
  // expected-error @+1 {{training through max_pool2d_grad is not supported yet: its gradient is not implemented in this version}}
  %d = dl.max_pool2d_grad %w, %g {size = 2 : i64, stride = 2 : i64} : tensor<1x1x4x4xf32>, tensor<1x1x2x2xf32>
  %l = dl.mean %d : tensor<1x1x4x4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// dl.over names params; each must be declared and reached by the loss.
dl.param @v : tensor<4xf32> {init = "zeros"}
dl.param @u : tensor<4xf32> {init = "zeros"}
// expected-error @+1 {{loss does not reach param 'u'}}
func.func @step(%x: tensor<4xf32> {dl.name = "x"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@v, @u]} {
  %v = dl.load @v : tensor<4xf32>
  %y = dl.mul %x, %v : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  %l = dl.mean %y : tensor<4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

dl.param @v : tensor<4xf32> {init = "zeros"}
// expected-error @+1 {{dl.over names 'w', which is not a dl.param}}
func.func @step(%x: tensor<4xf32> {dl.name = "x"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@v, @w]} {
  %v = dl.load @v : tensor<4xf32>
  %l = dl.mean %v : tensor<4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// The cell states and gates of an LSTM are kept for its gradient, not
// differentiable results (the front end never uses them).
dl.param @wt : tensor<4x16xf32> {init = "zeros"}
func.func @step(%xw: tensor<2x3x16xf32> {dl.name = "xw"}, %b: tensor<16xf32> {dl.name = "b"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@wt]} {
  %wt = dl.load @wt : tensor<4x16xf32>
  // expected-error @+1 {{the cell states and gates of dl.lstm are internal and have no gradient}}
  %seq, %cells, %gates = dl.lstm %xw, %wt, %b : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>)
  %l = dl.sum %cells : tensor<2x3x4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Nor are a GRU's gates.
dl.param @wt : tensor<4x12xf32> {init = "zeros"}
func.func @step(%xw: tensor<2x3x12xf32> {dl.name = "xw"}, %b: tensor<12xf32> {dl.name = "b"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@wt]} {
  %wt = dl.load @wt : tensor<4x12xf32>
  // expected-error @+1 {{the gates of dl.gru are internal and have no gradient}}
  %seq, %gates = dl.gru %xw, %wt, %b : (tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x16xf32>)
  %l = dl.sum %gates : tensor<2x3x16xf32> -> tensor<f32>
  return %l : tensor<f32>
}
