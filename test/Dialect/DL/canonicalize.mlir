// RUN: dl-opt %s -canonicalize -split-input-file | FileCheck %s

// The folders of the dl dialect: identities and involutions disappear.

// CHECK-LABEL: func.func @double_negation
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @double_negation(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = dl.neg %x : tensor<4xf32>
  %1 = dl.neg %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT: return %[[X]]
func.func @identities(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = dl.transpose %x {perm = array<i64: 0, 1>} : tensor<4x8xf32> -> tensor<4x8xf32>
  %1 = dl.reshape %0 {shape = array<i64: 4, -1>} : tensor<4x8xf32> -> tensor<4x8xf32>
  %2 = dl.slice %1 {axis = 1 : i64, start = 0 : i64, size = 8 : i64} : tensor<4x8xf32> -> tensor<4x8xf32>
  %3 = dl.broadcast_to %2 {shape = array<i64: 4, 8>} : tensor<4x8xf32> -> tensor<4x8xf32>
  return %3 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT: %[[R:.*]] = dl.reshape %[[X]] {shape = array<i64: 2, 16>} : tensor<4x8xf32> -> tensor<2x16xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_chain(%x: tensor<4x8xf32>) -> tensor<2x16xf32> {
  %0 = dl.reshape %x {shape = array<i64: 32>} : tensor<4x8xf32> -> tensor<32xf32>
  %1 = dl.reshape %0 {shape = array<i64: 2, 16>} : tensor<32xf32> -> tensor<2x16xf32>
  return %1 : tensor<2x16xf32>
}

// -----

// CHECK-LABEL: func.func @nested_stop_gradient
// CHECK-NEXT: %[[S:.*]] = dl.stop_gradient
// CHECK-NEXT: return %[[S]]
func.func @nested_stop_gradient(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = dl.stop_gradient %x : tensor<4xf32>
  %1 = dl.stop_gradient %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// A real transpose and a single-element negation stay.
// CHECK-LABEL: func.func @kept
// CHECK: dl.transpose
// CHECK: dl.neg
func.func @kept(%x: tensor<4x8xf32>) -> tensor<8x4xf32> {
  %0 = dl.transpose %x {perm = array<i64: 1, 0>} : tensor<4x8xf32> -> tensor<8x4xf32>
  %1 = dl.neg %0 : tensor<8x4xf32>
  return %1 : tensor<8x4xf32>
}
