// RUN: dl-opt %s -dl-lower-variables | FileCheck %s

// Params and states move into one arena (declaration order, 64-byte
// aligned); entries take (arena, inputs..., outputs...); loads read views
// of the arena, assigns and results write into buffers.

dl.param @w : tensor<3x2xf32> {init = "zeros"}
dl.state @s : tensor<5xf32> {init = "ones"}

// CHECK: module attributes {dl.arena_bytes = 128 : i64}
// CHECK-NOT: dl.param
// CHECK-NOT: dl.state
// CHECK-LABEL: func.func @infer
// CHECK-SAME: (%[[ARENA:.*]]: memref<128xi8>, %[[X:.*]]: memref<4x3xf32>, %[[OUT:.*]]: memref<4x3xf32>, %[[OUT2:.*]]: memref<5xf32>)
// CHECK-SAME: attributes {dl.entry = "infer"}
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[SV:.*]] = memref.view %[[ARENA]][%[[C64]]][] : memref<128xi8> to memref<5xf32>
// CHECK-DAG: %[[WV:.*]] = memref.view %[[ARENA]][%[[C0]]][] : memref<128xi8> to memref<3x2xf32>
// CHECK: %[[XT:.*]] = bufferization.to_tensor %[[X]] restrict : memref<4x3xf32> to tensor<4x3xf32>
// CHECK: bufferization.to_tensor %[[WV]] restrict : memref<3x2xf32> to tensor<3x2xf32>
// CHECK: %[[ST:.*]] = bufferization.to_tensor %[[SV]] restrict
// CHECK: bufferization.materialize_in_destination %[[ST]] in writable %[[SV]]
// CHECK: bufferization.materialize_in_destination %[[XT]] in restrict writable %[[OUT]]
// CHECK: bufferization.materialize_in_destination %[[ST]] in restrict writable %[[OUT2]]
// CHECK: return
// CHECK-NOT: tensor<
// CHECK: }
func.func @infer(%x: tensor<4x3xf32> {dl.name = "x"}) -> (tensor<4x3xf32> {dl.name = "x"}, tensor<5xf32> {dl.name = "s"}) attributes {dl.entry = "infer"} {
  %w = dl.load @w : tensor<3x2xf32>
  %s = dl.load @s : tensor<5xf32>
  dl.assign @s, %s : tensor<5xf32>
  return %x, %s : tensor<4x3xf32>, tensor<5xf32>
}
