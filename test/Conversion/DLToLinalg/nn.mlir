// RUN: dl-opt %s -convert-dl-to-linalg -split-input-file | FileCheck %s

// Padding is an insert into a zero tensor; the convolution is
// linalg.conv_2d_nchw_fchw; the bias is a broadcast add along channels.
// CHECK-LABEL: func.func @conv
// CHECK: %[[PAD:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 1, 1] [2, 3, 8, 8] [1, 1, 1, 1] : tensor<2x3x8x8xf32> into tensor<2x3x10x10xf32>
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PAD]], %{{.*}} : tensor<2x3x10x10xf32>, tensor<4x3x3x3xf32>)
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1, 2]] output_shape [4, 1, 1] : tensor<4xf32> into tensor<4x1x1xf32>
// CHECK: linalg.generic
// CHECK: arith.addf
func.func @conv(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<2x4x4x4xf32> {
  %0 = dl.conv2d %x, %w, %b {stride = 2 : i64, pad = 1 : i64} : (tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<2x4x4x4xf32>
  return %0 : tensor<2x4x4x4xf32>
}

// -----

// Pooling windows of up to 16 elements with a stride above 1 are one
// parallel loop nest over the outputs reading each window position as an
// input (x at 2 oh + i, 2 ow + j) and combining them in registers: max, or
// the sum divided by the window size. The maxima may order -0.0 and +0.0
// either way (nsz).
// CHECK-DAG: #[[$W00:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 2, d3 * 2)>
// CHECK-DAG: #[[$W11:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 2 + 1, d3 * 2 + 1)>
// CHECK-LABEL: func.func @pools
// CHECK-NOT: linalg.pooling
// CHECK: linalg.generic {indexing_maps = [#[[$W00]], {{.*}}, #[[$W11]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0, %arg0, %arg0, %arg0 : {{.*}})
// CHECK-COUNT-3: arith.maximumf %{{[a-z0-9_]*}}, %{{[a-z0-9_]*}} fastmath<nsz> : f32
// CHECK: linalg.generic {indexing_maps = [#[[$W00]], {{.*}}, #[[$W11]], #{{.*}}]
// CHECK-COUNT-3: arith.addf
// CHECK: arith.divf %{{.*}}, %cst
func.func @pools(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %0 = dl.max_pool2d %x {size = 2 : i64, stride = 2 : i64} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  %1 = dl.avg_pool2d %x {size = 2 : i64, stride = 2 : i64} : tensor<1x2x4x4xf32> -> tensor<1x2x2x2xf32>
  return %0, %1 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}

// -----

// Larger windows, and windows moving by 1, stay linalg's pooling ops
// (from a fill of the lowest value, or zero for the sum).
// CHECK-LABEL: func.func @large_pools
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<5> : tensor<2xi64>}
// CHECK: linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
// CHECK: arith.divf
func.func @large_pools(%x: tensor<1x2x10x10xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x8x8xf32>) {
  %0 = dl.max_pool2d %x {size = 5 : i64, stride = 5 : i64} : tensor<1x2x10x10xf32> -> tensor<1x2x2x2xf32>
  %1 = dl.avg_pool2d %x {size = 3 : i64, stride = 1 : i64} : tensor<1x2x10x10xf32> -> tensor<1x2x8x8xf32>
  return %0, %1 : tensor<1x2x2x2xf32>, tensor<1x2x8x8xf32>
}

// -----

// Global average pooling (the window is the whole 10 x 10 image): a sum
// over each channel's pixels into [N, C], a reduction, then [N, C, 1, 1]
// and the division.
// CHECK-DAG: #[[$ALL:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$CHANNEL:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-LABEL: func.func @global_avg_pool
// CHECK-NOT: linalg.pooling
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$ALL]], #[[$CHANNEL]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%arg0 : tensor<1x2x10x10xf32>) outs(%{{.*}} : tensor<1x2xf32>)
// CHECK: arith.addf
// CHECK: tensor.expand_shape %[[SUM]] {{.*}} into tensor<1x2x1x1xf32>
// CHECK: arith.divf %{{.*}}, %cst
func.func @global_avg_pool(%x: tensor<1x2x10x10xf32>) -> tensor<1x2x1x1xf32> {
  %0 = dl.avg_pool2d %x {size = 10 : i64, stride = 10 : i64} : tensor<1x2x10x10xf32> -> tensor<1x2x1x1xf32>
  return %0 : tensor<1x2x1x1xf32>
}

// -----

// Inference batch norm: (x - mean) * rsqrt(var + eps) * gamma + beta.
// CHECK-LABEL: func.func @batch_norm_inference
// CHECK: math.rsqrt
// CHECK-NOT: linalg.generic {{.*}}reduction
// CHECK: return %{{.*}}, %arg3, %arg4
func.func @batch_norm_inference(%x: tensor<4x3xf32>, %g: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %y, %nm, %nv = dl.batch_norm %x, %g, %b, %m, %v : (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>)
  return %y, %nm, %nv : tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

// Training batch norm: batch statistics (two reductions) and the running
// averages.
// CHECK-LABEL: func.func @batch_norm_training
// CHECK: iterator_types = ["reduction", "parallel"]
// CHECK: iterator_types = ["reduction", "parallel"]
// CHECK: math.rsqrt
func.func @batch_norm_training(%x: tensor<4x3xf32>, %g: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %y, %nm, %nv = dl.batch_norm %x, %g, %b, %m, %v {training} : (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>)
  return %y, %nm, %nv : tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @one_hot_and_gather
// CHECK: linalg.index 1
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: arith.minsi
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<10x4xf32>
func.func @one_hot_and_gather(%l: tensor<3xi32>, %t: tensor<10x4xf32>) -> (tensor<3x10xf32>, tensor<3x4xf32>) {
  %0 = dl.one_hot %l {n = 10 : i64} : tensor<3xi32> -> tensor<3x10xf32>
  %1 = dl.gather %t, %l : tensor<10x4xf32>, tensor<3xi32> -> tensor<3x4xf32>
  return %0, %1 : tensor<3x10xf32>, tensor<3x4xf32>
}
