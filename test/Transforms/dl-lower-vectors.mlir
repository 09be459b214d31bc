// RUN: dl-opt %s -dl-lower-vectors -canonicalize | FileCheck %s

// A block contraction with a reduction step of 1 becomes one broadcast FMA
// per block row (outer products), ready for convert-vector-to-llvm.
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @block
// CHECK-NOT: vector.contract
// CHECK-COUNT-2: vector.fma {{.*}} : vector<8xf32>
// CHECK-NOT: vector.fma
func.func @block(%a: vector<2x1xf32>, %b: vector<1x8xf32>, %c: vector<2x8xf32>) -> vector<2x8xf32> {
  %0 = vector.contract {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %c : vector<2x1xf32>, vector<1x8xf32> into vector<2x8xf32>
  return %0 : vector<2x8xf32>
}

// The accumulator block a reduction loop carries becomes one vector per
// row (loop-carried registers), and the n-D reads and writes of buffers
// become one 1-D transfer per row: nothing rebuilds the block each step.
// CHECK-LABEL: func.func @carried
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[R0:.*]] = vector.transfer_read %arg2[%[[C0]], %[[C0]]]{{.*}} : memref<4x16xf32>, vector<16xf32>
// CHECK: %[[R1:.*]] = vector.transfer_read %arg2[%[[C1]], %[[C0]]]{{.*}} : memref<4x16xf32>, vector<16xf32>
// CHECK: %[[L:.*]]:2 = scf.for %[[K:.*]] = {{.*}} iter_args(%[[A0:.*]] = %[[R0]], %[[A1:.*]] = %[[R1]]) -> (vector<16xf32>, vector<16xf32>)
// CHECK: %[[B:.*]] = vector.transfer_read %arg1[%[[K]], %[[C0]]]{{.*}} : memref<8x16xf32>, vector<16xf32>
// CHECK: %[[F0:.*]] = vector.fma %{{.*}}, %[[B]], %[[A0]] : vector<16xf32>
// CHECK: %[[F1:.*]] = vector.fma %{{.*}}, %[[B]], %[[A1]] : vector<16xf32>
// CHECK: scf.yield %[[F0]], %[[F1]]
// CHECK: vector.transfer_write %[[L]]#0, %arg2[%[[C0]], %[[C0]]]{{.*}} : vector<16xf32>, memref<4x16xf32>
// CHECK: vector.transfer_write %[[L]]#1, %arg2[%[[C1]], %[[C0]]]{{.*}} : vector<16xf32>, memref<4x16xf32>
// CHECK-NOT: vector<2x16xf32>
// CHECK-NOT: from_elements
func.func @carried(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %pad = arith.constant 0.0 : f32
  %init = vector.transfer_read %c[%c0, %c0], %pad {in_bounds = [true, true]} : memref<4x16xf32>, vector<2x16xf32>
  %r = scf.for %k = %c0 to %c8 step %c1 iter_args(%acc = %init) -> (vector<2x16xf32>) {
    %va = vector.transfer_read %a[%c0, %k], %pad {in_bounds = [true, true]} : memref<4x8xf32>, vector<2x1xf32>
    %vb = vector.transfer_read %b[%k, %c0], %pad {in_bounds = [true, true]} : memref<8x16xf32>, vector<1x16xf32>
    %d = vector.contract {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %vb, %acc : vector<2x1xf32>, vector<1x16xf32> into vector<2x16xf32>
    scf.yield %d : vector<2x16xf32>
  }
  vector.transfer_write %r, %c[%c0, %c0] {in_bounds = [true, true]} : vector<2x16xf32>, memref<4x16xf32>
  return
}
