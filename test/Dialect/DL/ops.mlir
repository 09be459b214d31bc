// RUN: dl-opt %s | dl-opt | FileCheck %s
// RUN: dl-opt %s --mlir-print-op-generic | dl-opt | FileCheck %s

// Round trip of every dl op through the custom and the generic form.

// CHECK: dl.param @w1 : tensor<784x512xf32> {fan_in = 784 : i64, fan_out = 512 : i64, init = "he_normal", seed = 1 : i64}
dl.param @w1 : tensor<784x512xf32> {fan_in = 784 : i64, fan_out = 512 : i64, init = "he_normal", seed = 1 : i64}
// CHECK: dl.param @b1 : tensor<512xf32> {init = "zeros"}
dl.param @b1 : tensor<512xf32> {init = "zeros"}
// CHECK: dl.param @u : tensor<4xf32> {args = array<f64: -1.000000e+00, 1.000000e+00>, init = "uniform"}
dl.param @u : tensor<4xf32> {args = array<f64: -1.0, 1.0>, init = "uniform"}
// CHECK: dl.state @bn.mean : tensor<6xf32> {init = "zeros"}
dl.state @bn.mean : tensor<6xf32> {init = "zeros"}

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%x: tensor<64x512xf32>, %b: tensor<512xf32>, %i: tensor<3xi32>) -> tensor<64x512xf32> {
  // CHECK: dl.constant dense<9.99999974E-5> : tensor<f32>
  %c = dl.constant dense<1.0e-4> : tensor<f32>
  // CHECK: dl.add %{{.*}}, %{{.*}} : tensor<64x512xf32>, tensor<512xf32> -> tensor<64x512xf32>
  %0 = dl.add %x, %b : tensor<64x512xf32>, tensor<512xf32> -> tensor<64x512xf32>
  %1 = dl.sub %0, %c : tensor<64x512xf32>, tensor<f32> -> tensor<64x512xf32>
  %2 = dl.mul %1, %1 : tensor<64x512xf32>, tensor<64x512xf32> -> tensor<64x512xf32>
  %3 = dl.div %2, %c : tensor<64x512xf32>, tensor<f32> -> tensor<64x512xf32>
  %4 = dl.maximum %3, %b : tensor<64x512xf32>, tensor<512xf32> -> tensor<64x512xf32>
  %5 = dl.minimum %4, %b : tensor<64x512xf32>, tensor<512xf32> -> tensor<64x512xf32>
  %6 = dl.pow %5, %c : tensor<64x512xf32>, tensor<f32> -> tensor<64x512xf32>
  // CHECK: dl.relu %{{.*}} : tensor<64x512xf32>
  %7 = dl.relu %6 : tensor<64x512xf32>
  // CHECK: dl.leaky_relu %{{.*}} {alpha = 2.000000e-01 : f64} : tensor<64x512xf32>
  %8 = dl.leaky_relu %7 {alpha = 0.2 : f64} : tensor<64x512xf32>
  %9 = dl.sigmoid %8 : tensor<64x512xf32>
  %10 = dl.tanh %9 : tensor<64x512xf32>
  %11 = dl.exp %10 : tensor<64x512xf32>
  %12 = dl.log %11 : tensor<64x512xf32>
  %13 = dl.sqrt %12 : tensor<64x512xf32>
  %14 = dl.abs %13 : tensor<64x512xf32>
  %15 = dl.square %14 : tensor<64x512xf32>
  %16 = dl.gelu %15 : tensor<64x512xf32>
  // CHECK: dl.clip %{{.*}} {hi = 1.000000e+00 : f64, lo = -1.000000e+00 : f64} : tensor<64x512xf32>
  %17 = dl.clip %16 {lo = -1.0 : f64, hi = 1.0 : f64} : tensor<64x512xf32>
  %18 = dl.neg %17 : tensor<64x512xf32>
  %19 = dl.stop_gradient %18 : tensor<64x512xf32>
  %20 = dl.zeros_like %19 : tensor<64x512xf32>
  %21 = dl.ones_like %20 : tensor<64x512xf32>
  // CHECK: dl.neg %{{.*}} : tensor<3xi32>
  %22 = dl.neg %i : tensor<3xi32>
  // CHECK: dl.dropout %{{.*}} {rate = 5.000000e-01 : f64, seed = 7 : i64} : tensor<64x512xf32>
  %23 = dl.dropout %21 {rate = 0.5 : f64, seed = 7 : i64} : tensor<64x512xf32>
  return %23 : tensor<64x512xf32>
}

// CHECK-LABEL: func.func @linalg_and_shapes
func.func @linalg_and_shapes(%x: tensor<64x784xf32>, %a: tensor<8x4x3xf32>, %b: tensor<8x3x5xf32>, %m: tensor<3x5xf32>) -> tensor<64x512xf32> {
  // CHECK: dl.load @w1 : tensor<784x512xf32>
  %w = dl.load @w1 : tensor<784x512xf32>
  // CHECK: dl.matmul %{{.*}}, %{{.*}} : tensor<64x784xf32>, tensor<784x512xf32> -> tensor<64x512xf32>
  %0 = dl.matmul %x, %w : tensor<64x784xf32>, tensor<784x512xf32> -> tensor<64x512xf32>
  %1 = dl.matmul %a, %b : tensor<8x4x3xf32>, tensor<8x3x5xf32> -> tensor<8x4x5xf32>
  %2 = dl.matmul %a, %m : tensor<8x4x3xf32>, tensor<3x5xf32> -> tensor<8x4x5xf32>
  // CHECK: dl.transpose %{{.*}} {perm = array<i64: 0, 2, 1>} : tensor<8x4x5xf32> -> tensor<8x5x4xf32>
  %3 = dl.transpose %2 {perm = array<i64: 0, 2, 1>} : tensor<8x4x5xf32> -> tensor<8x5x4xf32>
  // CHECK: dl.sum %{{.*}} {axes = array<i64: 1>} : tensor<8x5x4xf32> -> tensor<8x4xf32>
  %4 = dl.sum %3 {axes = array<i64: 1>} : tensor<8x5x4xf32> -> tensor<8x4xf32>
  // CHECK: dl.mean %{{.*}} {axes = array<i64: 0>, keepdims = true} : tensor<8x4xf32> -> tensor<1x4xf32>
  %5 = dl.mean %4 {axes = array<i64: 0>, keepdims = true} : tensor<8x4xf32> -> tensor<1x4xf32>
  // CHECK: dl.max %{{.*}} : tensor<1x4xf32> -> tensor<f32>
  %6 = dl.max %5 : tensor<1x4xf32> -> tensor<f32>
  // CHECK: dl.reshape %{{.*}} {shape = array<i64: 4, -1>} : tensor<8x4x5xf32> -> tensor<4x40xf32>
  %7 = dl.reshape %1 {shape = array<i64: 4, -1>} : tensor<8x4x5xf32> -> tensor<4x40xf32>
  // CHECK: dl.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : tensor<4x40xf32>, tensor<4x40xf32> -> tensor<4x80xf32>
  %8 = dl.concat %7, %7 {axis = 1 : i64} : tensor<4x40xf32>, tensor<4x40xf32> -> tensor<4x80xf32>
  // CHECK: dl.slice %{{.*}} {axis = 1 : i64, size = 3 : i64, start = 2 : i64} : tensor<4x80xf32> -> tensor<4x3xf32>
  %9 = dl.slice %8 {axis = 1 : i64, start = 2 : i64, size = 3 : i64} : tensor<4x80xf32> -> tensor<4x3xf32>
  // CHECK: dl.broadcast_to %{{.*}} {shape = array<i64: 2, 4, 3>} : tensor<4x3xf32> -> tensor<2x4x3xf32>
  %10 = dl.broadcast_to %9 {shape = array<i64: 2, 4, 3>} : tensor<4x3xf32> -> tensor<2x4x3xf32>
  return %0 : tensor<64x512xf32>
}

// CHECK-LABEL: func.func @nn
func.func @nn(%x: tensor<64x1x28x28xf32>, %w: tensor<6x1x5x5xf32>, %b: tensor<6xf32>, %logits: tensor<64x10xf32>, %labels: tensor<64xi32>, %table: tensor<100x8xf32>) -> tensor<f32> {
  // CHECK: dl.softmax %{{.*}} {axis = 1 : i64} : tensor<64x10xf32>
  %0 = dl.softmax %logits {axis = 1 : i64} : tensor<64x10xf32>
  %1 = dl.log_softmax %logits {axis = 1 : i64} : tensor<64x10xf32>
  // CHECK: dl.conv2d %{{.*}}, %{{.*}}, %{{.*}} {pad = 2 : i64} : (tensor<64x1x28x28xf32>, tensor<6x1x5x5xf32>, tensor<6xf32>) -> tensor<64x6x28x28xf32>
  %2 = dl.conv2d %x, %w, %b {pad = 2 : i64} : (tensor<64x1x28x28xf32>, tensor<6x1x5x5xf32>, tensor<6xf32>) -> tensor<64x6x28x28xf32>
  // CHECK: dl.conv2d %{{.*}}, %{{.*}} {stride = 2 : i64} : (tensor<64x1x28x28xf32>, tensor<6x1x5x5xf32>) -> tensor<64x6x12x12xf32>
  %3 = dl.conv2d %x, %w {stride = 2 : i64} : (tensor<64x1x28x28xf32>, tensor<6x1x5x5xf32>) -> tensor<64x6x12x12xf32>
  // CHECK: dl.max_pool2d %{{.*}} {size = 2 : i64, stride = 2 : i64} : tensor<64x6x28x28xf32> -> tensor<64x6x14x14xf32>
  %4 = dl.max_pool2d %2 {size = 2 : i64, stride = 2 : i64} : tensor<64x6x28x28xf32> -> tensor<64x6x14x14xf32>
  %5 = dl.avg_pool2d %2 {size = 3 : i64, stride = 1 : i64} : tensor<64x6x28x28xf32> -> tensor<64x6x26x26xf32>
  %mean = dl.load @bn.mean : tensor<6xf32>
  // CHECK: dl.batch_norm {{.*}} {training} : (tensor<64x6x14x14xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>) -> (tensor<64x6x14x14xf32>, tensor<6xf32>, tensor<6xf32>)
  %6:3 = dl.batch_norm %4, %b, %b, %mean, %b {training} : (tensor<64x6x14x14xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>) -> (tensor<64x6x14x14xf32>, tensor<6xf32>, tensor<6xf32>)
  // CHECK: dl.assign @bn.mean, %{{.*}} : tensor<6xf32>
  dl.assign @bn.mean, %6#1 : tensor<6xf32>
  // CHECK: dl.one_hot %{{.*}} {n = 10 : i64} : tensor<64xi32> -> tensor<64x10xf32>
  %7 = dl.one_hot %labels {n = 10 : i64} : tensor<64xi32> -> tensor<64x10xf32>
  // CHECK: dl.gather %{{.*}}, %{{.*}} : tensor<100x8xf32>, tensor<64xi32> -> tensor<64x8xf32>
  %8 = dl.gather %table, %labels : tensor<100x8xf32>, tensor<64xi32> -> tensor<64x8xf32>
  %t = dl.constant dense<1.0> : tensor<f32>
  // CHECK: dl.mse %{{.*}}, %{{.*}} : tensor<64x10xf32>, tensor<f32>
  %9 = dl.mse %0, %t : tensor<64x10xf32>, tensor<f32>
  %10 = dl.binary_cross_entropy %0, %7 : tensor<64x10xf32>, tensor<64x10xf32>
  %11 = dl.bce_with_logits %logits, %t : tensor<64x10xf32>, tensor<f32>
  // CHECK: dl.softmax_cross_entropy %{{.*}}, %{{.*}} : tensor<64x10xf32>, tensor<64xi32>
  %12 = dl.softmax_cross_entropy %logits, %labels : tensor<64x10xf32>, tensor<64xi32>
  %13 = dl.softmax_cross_entropy %logits, %0 : tensor<64x10xf32>, tensor<64x10xf32>
  // CHECK: dl.l2 %{{.*}}, %{{.*}} : tensor<6x1x5x5xf32>, tensor<6xf32>
  %14 = dl.l2 %w, %b : tensor<6x1x5x5xf32>, tensor<6xf32>
  // CHECK: dl.accuracy %{{.*}}, %{{.*}} : tensor<64x10xf32>, tensor<64xi32>
  %15 = dl.accuracy %logits, %labels : tensor<64x10xf32>, tensor<64xi32>
  return %15 : tensor<f32>
}

// The gradient ops of backward graphs.
// CHECK-LABEL: func.func @gradients
func.func @gradients(%x: tensor<2x3x7x7xf32>, %w: tensor<4x3x2x3xf32>, %g: tensor<2x4x4x4xf32>, %p: tensor<2x3x3x3xf32>, %ids: tensor<2x5xi32>, %e: tensor<2x5x8xf32>, %s: tensor<f32>) -> tensor<2x3x7x7xf32> {
  // CHECK: dl.conv2d_input_grad %{{.*}}, %{{.*}} {pad = 1 : i64, stride = 2 : i64} : (tensor<2x4x4x4xf32>, tensor<4x3x2x3xf32>) -> tensor<2x3x7x7xf32>
  %0 = dl.conv2d_input_grad %g, %w {stride = 2, pad = 1} : (tensor<2x4x4x4xf32>, tensor<4x3x2x3xf32>) -> tensor<2x3x7x7xf32>
  // CHECK: dl.conv2d_weight_grad %{{.*}}, %{{.*}} {pad = 1 : i64, stride = 2 : i64} : (tensor<2x3x7x7xf32>, tensor<2x4x4x4xf32>) -> tensor<4x3x2x3xf32>
  %1 = dl.conv2d_weight_grad %x, %g {stride = 2, pad = 1} : (tensor<2x3x7x7xf32>, tensor<2x4x4x4xf32>) -> tensor<4x3x2x3xf32>
  // CHECK: dl.max_pool2d_grad %{{.*}}, %{{.*}} {size = 3 : i64, stride = 2 : i64} : tensor<2x3x7x7xf32>, tensor<2x3x3x3xf32>
  %2 = dl.max_pool2d_grad %x, %p {size = 3, stride = 2} : tensor<2x3x7x7xf32>, tensor<2x3x3x3xf32>
  // CHECK: dl.avg_pool2d_grad %{{.*}} {size = 2 : i64, stride = 2 : i64} : tensor<2x3x3x3xf32> -> tensor<2x3x7x7xf32>
  %3 = dl.avg_pool2d_grad %p {size = 2, stride = 2} : tensor<2x3x3x3xf32> -> tensor<2x3x7x7xf32>
  // CHECK: dl.gather_grad %{{.*}}, %{{.*}} : tensor<2x5x8xf32>, tensor<2x5xi32> -> tensor<10x8xf32>
  %4 = dl.gather_grad %e, %ids : tensor<2x5x8xf32>, tensor<2x5xi32> -> tensor<10x8xf32>
  // CHECK: dl.gelu_derivative %{{.*}} : tensor<2x3x7x7xf32>
  %5 = dl.gelu_derivative %x : tensor<2x3x7x7xf32>
  // CHECK: dl.dropout %{{.*}} step(%{{.*}} : tensor<f32>) {rate = 5.000000e-01 : f64, seed = 7 : i64} : tensor<2x3x7x7xf32>
  %6 = dl.dropout %5 step(%s : tensor<f32>) {rate = 0.5 : f64, seed = 7 : i64} : tensor<2x3x7x7xf32>
  return %6 : tensor<2x3x7x7xf32>
}

// An LSTM layer over a sequence, and its gradient.
// CHECK-LABEL: func.func @lstm
func.func @lstm(%xw: tensor<2x3x16xf32>, %w: tensor<4x16xf32>, %b: tensor<16xf32>, %g: tensor<2x3x4xf32>) -> tensor<2x3x16xf32> {
  // CHECK: %[[S:.*]], %[[C:.*]], %[[G:.*]] = dl.lstm %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>)
  %seq, %cells, %gates = dl.lstm %xw, %w, %b : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>)
  // CHECK: dl.lstm_grad %{{.*}}, %{{.*}}, %{{.*}}, %[[S]], %[[C]], %[[G]], %{{.*}} : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>)
  %dxw, %dw, %db = dl.lstm_grad %xw, %w, %b, %seq, %cells, %gates, %g : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>)
  return %dxw : tensor<2x3x16xf32>
}

// CHECK-LABEL: func.func @gru
func.func @gru(%xw: tensor<2x3x12xf32>, %w: tensor<4x12xf32>, %b: tensor<12xf32>, %g: tensor<2x3x4xf32>) -> tensor<2x3x12xf32> {
  // CHECK: %[[S:.*]], %[[G:.*]] = dl.gru %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x16xf32>)
  %seq, %gates = dl.gru %xw, %w, %b : (tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x16xf32>)
  // CHECK: dl.gru_grad %{{.*}}, %{{.*}}, %{{.*}}, %[[S]], %[[G]], %{{.*}} : (tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>)
  %dxw, %dw, %db = dl.gru_grad %xw, %w, %b, %seq, %gates, %g : (tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>)
  return %dxw : tensor<2x3x12xf32>
}

// The default activation (tanh) is not printed; the others are.
// CHECK-LABEL: func.func @rnn
func.func @rnn(%xw: tensor<2x3x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>, %g: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  // CHECK: %[[S:.*]] = dl.rnn %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %seq = dl.rnn %xw, %w, %b {act = "tanh"} : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  // CHECK: dl.rnn %{{.*}}, %{{.*}}, %{{.*}} {act = "leaky_relu", alpha = 2.000000e-01 : f64}
  %leaky = dl.rnn %xw, %w, %b {act = "leaky_relu", alpha = 0.2 : f64} : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  // CHECK: dl.rnn_grad %{{.*}}, %{{.*}}, %{{.*}}, %[[S]], %{{.*}} {act = "relu"} : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>)
  %dxw, %dw, %db = dl.rnn_grad %xw, %w, %b, %seq, %g {act = "relu"} : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>)
  return %dxw : tensor<2x3x4xf32>
}
