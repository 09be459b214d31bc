// RUN: dl-opt %s -dl-untie-inits -split-input-file | FileCheck %s
// RUN: dl-opt %s -dl-untie-inits -eliminate-empty-tensors -one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" -split-input-file | FileCheck %s --check-prefix=BUF

// Two convolutions start from one zero fill (CSE merged theirs) and are
// written to two outputs: each gets a fill of its own (of the same empty
// tensor). Bufferized, each convolution then runs in its output (before, the
// shared fill became the first output's buffer and the second output got
// a copy of the first result).
// CHECK-LABEL: func.func @two_outputs
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x2x4x4xf32>
// CHECK-NOT: tensor.empty
// CHECK: %[[F1:.*]] = linalg.fill ins(%{{.*}}) outs(%[[E]] :
// CHECK: %[[F2:.*]] = linalg.fill ins(%{{.*}}) outs(%[[E]] :
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} outs(%[[F1]] :
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} outs(%[[F2]] :
// BUF-LABEL: func.func @two_outputs
// BUF-NOT: memref.alloc
// BUF: linalg.conv_2d_nchw_fchw {{.*}} ins(%arg0, %arg1 {{.*}} outs(%arg3 :
// BUF: linalg.conv_2d_nchw_fchw {{.*}} ins(%arg0, %arg2 {{.*}} outs(%arg4 :
// BUF-NOT: memref.alloc
// BUF: return
func.func @two_outputs(%x: tensor<1x2x6x6xf32>, %w: tensor<2x2x3x3xf32>, %w2: tensor<2x2x3x3xf32>, %o1: memref<1x2x4x4xf32>, %o2: memref<1x2x4x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x4x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x2x6x6xf32>, tensor<2x2x3x3xf32>) outs(%f : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w2 : tensor<1x2x6x6xf32>, tensor<2x2x3x3xf32>) outs(%f : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  bufferization.materialize_in_destination %c1 in restrict writable %o1 : (tensor<1x2x4x4xf32>, memref<1x2x4x4xf32>) -> ()
  bufferization.materialize_in_destination %c2 in restrict writable %o2 : (tensor<1x2x4x4xf32>, memref<1x2x4x4xf32>) -> ()
  return
}

// -----

// A fill read by an op and written by two: the reader and the first
// writer keep it, the second writer gets a copy. A single destination
// use stays as it is.
// CHECK-LABEL: func.func @read_and_written
// CHECK: %[[E:.*]] = tensor.empty() : tensor<8xf32>
// CHECK: %[[F1:.*]] = linalg.fill ins(%{{.*}}) outs(%[[E]] :
// CHECK: %[[F2:.*]] = linalg.fill ins(%{{.*}}) outs(%[[E]] :
// CHECK: %[[ONE:.*]] = tensor.empty() : tensor<8xf32>
// CHECK-NOT: tensor.empty
// CHECK: linalg.generic {{.*}} ins(%[[F1]], %arg0 : tensor<8xf32>, tensor<8xf32>) outs(%[[F1]] : tensor<8xf32>)
// CHECK: linalg.generic {{.*}} ins(%arg0 : tensor<8xf32>) outs(%[[F2]] : tensor<8xf32>)
// CHECK: linalg.generic {{.*}} ins(%arg0 : tensor<8xf32>) outs(%[[ONE]] : tensor<8xf32>)
func.func @read_and_written(%a: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %one = tensor.empty() : tensor<8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%f, %a : tensor<8xf32>, tensor<8xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.addf %x, %y : f32
    %t = arith.addf %r, %o : f32
    linalg.yield %t : f32
  } -> tensor<8xf32>
  %m = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%a : tensor<8xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.addf %x, %o : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %n = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%a : tensor<8xf32>) outs(%one : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.negf %x : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %s, %m, %n : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}
