// RUN: dl-opt %s -convert-dl-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @reshape
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2]] : tensor<2x3x4xf32> into tensor<2x12xf32>
func.func @reshape(%x: tensor<2x3x4xf32>) -> tensor<2x12xf32> {
  %0 = dl.reshape %x {shape = array<i64: 2, -1>} : tensor<2x3x4xf32> -> tensor<2x12xf32>
  return %0 : tensor<2x12xf32>
}

// -----

// A reshape that neither collapses nor expands goes through the flat vector.
// CHECK-LABEL: func.func @reshape_regroup
// CHECK: tensor.collapse_shape {{.*}} into tensor<24xf32>
// CHECK: tensor.expand_shape {{.*}} into tensor<4x6xf32>
func.func @reshape_regroup(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
  %0 = dl.reshape %x {shape = array<i64: 4, 6>} : tensor<2x3x4xf32> -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

// CHECK-LABEL: func.func @slice
// CHECK: tensor.extract_slice %{{.*}}[0, 2] [4, 3] [1, 1] : tensor<4x8xf32> to tensor<4x3xf32>
func.func @slice(%x: tensor<4x8xf32>) -> tensor<4x3xf32> {
  %0 = dl.slice %x {axis = 1 : i64, start = 2 : i64, size = 3 : i64} : tensor<4x8xf32> -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// CHECK-LABEL: func.func @concat
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x8xf32>
// CHECK: %[[A:.*]] = tensor.insert_slice %{{.*}} into %[[E]][0, 0] [4, 3] [1, 1]
// CHECK: tensor.insert_slice %{{.*}} into %[[A]][0, 3] [4, 5] [1, 1]
func.func @concat(%a: tensor<4x3xf32>, %b: tensor<4x5xf32>) -> tensor<4x8xf32> {
  %0 = dl.concat %a, %b {axis = 1 : i64} : tensor<4x3xf32>, tensor<4x5xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
