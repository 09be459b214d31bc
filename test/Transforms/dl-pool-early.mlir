// RUN: dl-opt %s -dl-pool-early -split-input-file | FileCheck %s

// A pooling of relu(conv + bias) pools the convolution without its bias,
// then adds the bias per channel and applies relu on the pooled tensor.
// CHECK-LABEL: func.func @relu_bias
// CHECK: %[[C:.*]] = dl.conv2d %arg0, %arg1 {pad = 1 : i64} : (tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<2x4x8x8xf32>
// CHECK: %[[P:.*]] = dl.max_pool2d %[[C]] {size = 2 : i64, stride = 2 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x4x4xf32>
// CHECK: %[[B:.*]] = dl.reshape %arg2 {shape = array<i64: 4, 1, 1>} : tensor<4xf32> -> tensor<4x1x1xf32>
// CHECK: %[[S:.*]] = dl.add %[[P]], %[[B]] : tensor<2x4x4x4xf32>, tensor<4x1x1xf32> -> tensor<2x4x4x4xf32>
// CHECK: %[[R:.*]] = dl.relu %[[S]] : tensor<2x4x4x4xf32>
// CHECK: return %[[R]]
func.func @relu_bias(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<2x4x4x4xf32> {
  %c = dl.conv2d %x, %w, %b {pad = 1 : i64} : (tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<2x4x8x8xf32>
  %r = dl.relu %c : tensor<2x4x8x8xf32>
  %p = dl.max_pool2d %r {size = 2 : i64, stride = 2 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x4x4xf32>
  return %p : tensor<2x4x4x4xf32>
}

// -----

// leaky_relu with alpha >= 0 and clip never decrease: they move below an
// overlapping pooling too (here of any value, not only a convolution).
// CHECK-LABEL: func.func @monotone
// CHECK: %[[P1:.*]] = dl.max_pool2d %arg0 {size = 3 : i64, stride = 2 : i64}
// CHECK: dl.leaky_relu %[[P1]] {alpha = 2.000000e-01 : f64} : tensor<1x2x3x3xf32>
// CHECK: %[[P2:.*]] = dl.max_pool2d %arg0 {size = 2 : i64, stride = 2 : i64}
// CHECK: dl.clip %[[P2]] {{.*}} : tensor<1x2x4x4xf32>
func.func @monotone(%x: tensor<1x2x8x8xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x4x4xf32>) {
  %l = dl.leaky_relu %x {alpha = 0.2 : f64} : tensor<1x2x8x8xf32>
  %p1 = dl.max_pool2d %l {size = 3 : i64, stride = 2 : i64} : tensor<1x2x8x8xf32> -> tensor<1x2x3x3xf32>
  %c = dl.clip %x {lo = -1.0 : f64, hi = 1.0 : f64} : tensor<1x2x8x8xf32>
  %p2 = dl.max_pool2d %c {size = 2 : i64, stride = 2 : i64} : tensor<1x2x8x8xf32> -> tensor<1x2x4x4xf32>
  return %p1, %p2 : tensor<1x2x3x3xf32>, tensor<1x2x4x4xf32>
}

// -----

// Left alone: a leaky_relu with a negative slope (it decreases), a sigmoid
// (not exactly monotone once approximated), an average pooling, and a
// relu or convolution something else also uses.
// CHECK-LABEL: func.func @left_alone
// CHECK: %[[L:.*]] = dl.leaky_relu %arg0 {alpha = -5.000000e-01 : f64}
// CHECK: dl.max_pool2d %[[L]]
// CHECK: %[[S:.*]] = dl.sigmoid %arg0
// CHECK: dl.max_pool2d %[[S]]
// CHECK: %[[R:.*]] = dl.relu %arg0
// CHECK: dl.avg_pool2d %[[R]]
// CHECK: %[[R2:.*]] = dl.relu %arg0
// CHECK: %[[P:.*]] = dl.max_pool2d %[[R2]]
// CHECK: %[[C:.*]] = dl.conv2d %arg0, %arg1, %arg2
// CHECK: dl.max_pool2d %[[C]]
// CHECK: return {{.*}}, %[[R2]], {{.*}}, %[[C]]
func.func @left_alone(%x: tensor<1x2x8x8xf32>, %w: tensor<2x2x1x1xf32>, %b: tensor<2xf32>)
    -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x8x8xf32>, tensor<1x2x4x4xf32>, tensor<1x2x8x8xf32>) {
  %l = dl.leaky_relu %x {alpha = -0.5 : f64} : tensor<1x2x8x8xf32>
  %p1 = dl.max_pool2d %l {size = 2 : i64, stride = 2 : i64} : tensor<1x2x8x8xf32> -> tensor<1x2x4x4xf32>
  %s = dl.sigmoid %x : tensor<1x2x8x8xf32>
  %p2 = dl.max_pool2d %s {size = 2 : i64, stride = 2 : i64} : tensor<1x2x8x8xf32> -> tensor<1x2x4x4xf32>
  %r = dl.relu %x : tensor<1x2x8x8xf32>
  %p3 = dl.avg_pool2d %r {size = 2 : i64, stride = 2 : i64} : tensor<1x2x8x8xf32> -> tensor<1x2x4x4xf32>
  %r2 = dl.relu %x : tensor<1x2x8x8xf32>
  %p4 = dl.max_pool2d %r2 {size = 2 : i64, stride = 2 : i64} : tensor<1x2x8x8xf32> -> tensor<1x2x4x4xf32>
  %c = dl.conv2d %x, %w, %b : (tensor<1x2x8x8xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x8x8xf32>
  %p5 = dl.max_pool2d %c {size = 2 : i64, stride = 2 : i64} : tensor<1x2x8x8xf32> -> tensor<1x2x4x4xf32>
  return %p1, %p2, %p3, %p4, %r2, %p5, %c : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x8x8xf32>, tensor<1x2x4x4xf32>, tensor<1x2x8x8xf32>
}
