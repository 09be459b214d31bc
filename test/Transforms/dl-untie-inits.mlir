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

// -----

// Two products write into one slice of one empty tensor (a split product's
// main rows: CSE merged the empties and the slices of two layers of the
// same shape), and a third op into the whole of it. Each product gets an
// empty tensor and a slice of its own, and its insert goes into that copy;
// the op writing the whole keeps the original. Bufferized, each product
// writes into the buffer of its whole result (before, the first wrote into
// a buffer of its own, copied into the whole's: the MLP's X W1 at batch
// 256, 252 rows of 512 every step).
// CHECK-LABEL: func.func @slices
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x8xf32>
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<4x8xf32>
// CHECK: %[[S1:.*]] = tensor.extract_slice %[[E1]][0, 0] [3, 8] [1, 1]
// CHECK: %[[P1:.*]] = linalg.matmul {{.*}} outs(%[[S1]] :
// CHECK: %[[I1:.*]] = tensor.insert_slice %[[P1]] into %[[E1]][0, 0] [3, 8] [1, 1]
// CHECK: %[[E2:.*]] = tensor.empty() : tensor<4x8xf32>
// CHECK: %[[S2:.*]] = tensor.extract_slice %[[E2]][0, 0] [3, 8] [1, 1]
// CHECK: %[[P2:.*]] = linalg.matmul {{.*}} outs(%[[S2]] :
// CHECK: %[[I2:.*]] = tensor.insert_slice %[[P2]] into %[[E2]][0, 0] [3, 8] [1, 1]
// CHECK: linalg.generic {{.*}} outs(%[[E]] :
// BUF-LABEL: func.func @slices
// BUF: %[[A:.*]] = memref.alloc()
// BUF: %[[A1:.*]] = memref.alloc()
// BUF: %[[S1:.*]] = memref.subview %[[A1]][0, 0] [3, 8] [1, 1]
// BUF: linalg.matmul {{.*}} outs(%[[S1]] :
// BUF: %[[A2:.*]] = memref.alloc()
// BUF: %[[S2:.*]] = memref.subview %[[A2]][0, 0] [3, 8] [1, 1]
// BUF: linalg.matmul {{.*}} outs(%[[S2]] :
// BUF: return %[[A1]], %[[A2]], %[[A]] :
func.func @slices(%a: tensor<3x5xf32>, %b: tensor<5x8xf32>, %c: tensor<3x5xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %e = tensor.empty() : tensor<4x8xf32>
  %s = tensor.extract_slice %e[0, 0] [3, 8] [1, 1] : tensor<4x8xf32> to tensor<3x8xf32>
  %p1 = linalg.matmul ins(%a, %b : tensor<3x5xf32>, tensor<5x8xf32>) outs(%s : tensor<3x8xf32>) -> tensor<3x8xf32>
  %i1 = tensor.insert_slice %p1 into %e[0, 0] [3, 8] [1, 1] : tensor<3x8xf32> into tensor<4x8xf32>
  %p2 = linalg.matmul ins(%c, %b : tensor<3x5xf32>, tensor<5x8xf32>) outs(%s : tensor<3x8xf32>) -> tensor<3x8xf32>
  %i2 = tensor.insert_slice %p2 into %e[0, 0] [3, 8] [1, 1] : tensor<3x8xf32> into tensor<4x8xf32>
  %w = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%i1 : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.addf %x, %x : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  return %i1, %i2, %w : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
