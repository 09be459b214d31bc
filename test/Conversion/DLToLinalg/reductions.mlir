// RUN: dl-opt %s -convert-dl-to-linalg -split-input-file | FileCheck %s

// CHECK-DAG: #[[$IN:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @mean_keepdims
// CHECK: linalg.generic {indexing_maps = [#[[$IN]], #[[$OUT]]], iterator_types = ["parallel", "reduction"]}
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: tensor.expand_shape {{.*}} : tensor<4xf32> into tensor<4x1xf32>
func.func @mean_keepdims(%x: tensor<4x6xf32>) -> tensor<4x1xf32> {
  %0 = dl.mean %x {axes = array<i64: 1>, keepdims = true} : tensor<4x6xf32> -> tensor<4x1xf32>
  return %0 : tensor<4x1xf32>
}

// -----

// Max starts from -inf.
// CHECK-LABEL: func.func @max_all
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: iterator_types = ["reduction", "reduction"]
// CHECK: arith.maximumf
func.func @max_all(%x: tensor<4x6xf32>) -> tensor<f32> {
  %0 = dl.max %x : tensor<4x6xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// softmax: max along the axis, exp(x - max), sum, divide.
// CHECK-LABEL: func.func @softmax
// CHECK: arith.maximumf
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
func.func @softmax(%x: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %0 = dl.softmax %x {axis = 1 : i64} : tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

// log_softmax subtracts log(sum) instead of dividing.
// CHECK-LABEL: func.func @log_softmax
// CHECK: math.exp
// CHECK: math.log
// CHECK: arith.subf
func.func @log_softmax(%x: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %0 = dl.log_softmax %x {axis = 0 : i64} : tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}
