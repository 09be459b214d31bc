// RUN: dl-opt %s -dl-autodiff -split-input-file -verify-diagnostics

// Training through an op whose gradient is not implemented is an error at
// the op (dlc reports it at the .dl source).

dl.param @w : tensor<2x1x3x3xf32> {init = "zeros"}
func.func @step(%x: tensor<1x1x5x5xf32> {dl.name = "x"}) -> (tensor<f32> {dl.name = "l", dl.role = "loss"}) attributes {dl.entry = "train", dl.hyper = {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}, dl.loss = "l", dl.optimizer = "sgd", dl.over = [@w]} {
  %w = dl.load @w : tensor<2x1x3x3xf32>
  // expected-error @+1 {{training through conv2d is not supported yet: its gradient is not implemented in this version}}
  %c = dl.conv2d %x, %w : (tensor<1x1x5x5xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x3x3xf32>
  %l = dl.mean %c : tensor<1x2x3x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}
