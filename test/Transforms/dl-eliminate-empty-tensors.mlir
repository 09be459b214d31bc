// RUN: dl-opt %s -dl-eliminate-empty-tensors -split-input-file | FileCheck %s

// A result computed into an empty tensor and inserted into a slice is
// computed in the slice (built before the empty tensor); another use of
// the empty tensor keeps it.
// CHECK-LABEL: func.func @slice
// CHECK-SAME: (%[[DEST:.*]]: tensor<8x16xf32>, %[[X:.*]]: tensor<2x16xf32>, %[[I:.*]]: index)
// CHECK: %[[S:.*]] = tensor.extract_slice %[[DEST]][%[[I]], 0] [2, 16] [1, 1]
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x16xf32>
// CHECK: %[[R:.*]] = linalg.generic {{.*}} outs(%[[S]] : tensor<2x16xf32>)
// CHECK: tensor.insert_slice %[[R]] into %[[DEST]][%[[I]], 0]
// CHECK: linalg.negf {{.*}} outs(%[[E]] : tensor<2x16xf32>)
func.func @slice(%dest: tensor<8x16xf32>, %x: tensor<2x16xf32>, %i: index) -> (tensor<8x16xf32>, tensor<2x16xf32>) {
  %e = tensor.empty() : tensor<2x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<2x16xf32>) outs(%e : tensor<2x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<2x16xf32>
  %d = tensor.insert_slice %r into %dest[%i, 0] [2, 16] [1, 1] : tensor<2x16xf32> into tensor<8x16xf32>
  %other = linalg.negf ins(%x : tensor<2x16xf32>) outs(%e : tensor<2x16xf32>) -> tensor<2x16xf32>
  return %d, %other : tensor<8x16xf32>, tensor<2x16xf32>
}

// -----

// A result materialized into an entry's output is computed in the output
// buffer, through the fill it starts from; the output is no longer restrict
// there (the new to_tensor is).
// CHECK-LABEL: func.func @output
// CHECK-SAME: %{{[a-z0-9]*}}: tensor<4xf32>, %[[OUT:[a-z0-9]*]]: memref<4xf32>
// CHECK-NOT: tensor.empty
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: %[[F:.*]] = linalg.fill {{.*}} outs(%[[T]] : tensor<4xf32>)
// CHECK: %[[R:.*]] = linalg.add {{.*}} outs(%[[F]] : tensor<4xf32>)
// CHECK: bufferization.materialize_in_destination %[[R]] in writable %[[OUT]]
func.func @output(%x: tensor<4xf32>, %out: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %r = linalg.add ins(%x, %x : tensor<4xf32>, tensor<4xf32>) outs(%f : tensor<4xf32>) -> tensor<4xf32>
  bufferization.materialize_in_destination %r in restrict writable %out : (tensor<4xf32>, memref<4xf32>) -> ()
  return
}

// -----

// The chain goes through a loop to its initial value.
// CHECK-LABEL: func.func @loop
// CHECK-SAME: (%[[DEST:.*]]: tensor<8x16xf32>
// CHECK-NOT: tensor.empty
// CHECK: %[[S:.*]] = tensor.extract_slice %[[DEST]][4, 0] [2, 16] [1, 1]
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[S]])
func.func @loop(%dest: tensor<8x16xf32>, %x: tensor<2x16xf32>) -> tensor<8x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %e = tensor.empty() : tensor<2x16xf32>
  %r = scf.for %k = %c0 to %c2 step %c1 iter_args(%acc = %e) -> tensor<2x16xf32> {
    %s = linalg.add ins(%x, %x : tensor<2x16xf32>, tensor<2x16xf32>) outs(%acc : tensor<2x16xf32>) -> tensor<2x16xf32>
    scf.yield %s : tensor<2x16xf32>
  }
  %d = tensor.insert_slice %r into %dest[4, 0] [2, 16] [1, 1] : tensor<2x16xf32> into tensor<8x16xf32>
  return %d : tensor<8x16xf32>
}

// -----

// A recurrence: the next step's slot is computed after the step that
// writes it, so the offset moves up before the step, where the slice is
// built.
// CHECK-LABEL: func.func @recurrence
// CHECK: scf.for %[[T:.*]] = {{.*}} iter_args(%[[SEQ:.*]] = %{{.*}})
// CHECK: %[[H:.*]] = tensor.extract_slice %[[SEQ]][%[[T]], 0]
// CHECK: %[[NEXT:.*]] = arith.addi %[[T]], %{{.*}} : index
// CHECK: %[[SLOT:.*]] = tensor.extract_slice %[[SEQ]][%[[NEXT]], 0] [1, 4] [1, 1]
// CHECK: %[[N:.*]] = linalg.add ins(%[[H]], %{{.*}}) outs(%[[SLOT]] : tensor<4xf32>)
// CHECK: tensor.insert_slice %[[N]] into %[[SEQ]][%[[NEXT]], 0]
func.func @recurrence(%seq: tensor<5x4xf32>, %x: tensor<4xf32>) -> tensor<5x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %e = tensor.empty() : tensor<4xf32>
  %r = scf.for %t = %c0 to %c4 step %c1 iter_args(%s = %seq) -> tensor<5x4xf32> {
    %h = tensor.extract_slice %s[%t, 0] [1, 4] [1, 1] : tensor<5x4xf32> to tensor<4xf32>
    %n = linalg.add ins(%h, %x : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
    %next = arith.addi %t, %c1 : index
    %s2 = tensor.insert_slice %n into %s[%next, 0] [1, 4] [1, 1] : tensor<4xf32> into tensor<5x4xf32>
    scf.yield %s2 : tensor<5x4xf32>
  }
  return %r : tensor<5x4xf32>
}

// -----

// Left alone: an empty tensor inserted as it is, a chain through an op that
// does not write into its operand (the expand_shape), an offset computed
// from the result itself.
// CHECK-LABEL: func.func @kept
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x16xf32>
// CHECK: tensor.insert_slice %[[E]] into
// CHECK: %[[E32:.*]] = tensor.empty() : tensor<32xf32>
// CHECK: linalg.negf {{.*}} outs(%[[E32]] : tensor<32xf32>)
// CHECK: %[[E2:.*]] = tensor.empty() : tensor<2x16xindex>
// CHECK: linalg.copy {{.*}} outs(%[[E2]] : tensor<2x16xindex>)
// CHECK-NOT: tensor.extract_slice
func.func @kept(%dest: tensor<8x16xf32>, %x: tensor<32xf32>, %idx: tensor<2x16xindex>, %di: tensor<8x16xindex>) -> (tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xindex>) {
  %c0 = arith.constant 0 : index
  %e = tensor.empty() : tensor<2x16xf32>
  %d1 = tensor.insert_slice %e into %dest[0, 0] [2, 16] [1, 1] : tensor<2x16xf32> into tensor<8x16xf32>
  %e32 = tensor.empty() : tensor<32xf32>
  %n = linalg.negf ins(%x : tensor<32xf32>) outs(%e32 : tensor<32xf32>) -> tensor<32xf32>
  %m = tensor.expand_shape %n [[0, 1]] output_shape [2, 16] : tensor<32xf32> into tensor<2x16xf32>
  %d2 = tensor.insert_slice %m into %dest[2, 0] [2, 16] [1, 1] : tensor<2x16xf32> into tensor<8x16xf32>
  %e2 = tensor.empty() : tensor<2x16xindex>
  %c = linalg.copy ins(%idx : tensor<2x16xindex>) outs(%e2 : tensor<2x16xindex>) -> tensor<2x16xindex>
  %at = tensor.extract %c[%c0, %c0] : tensor<2x16xindex>
  %d3 = tensor.insert_slice %c into %di[%at, 0] [2, 16] [1, 1] : tensor<2x16xindex> into tensor<8x16xindex>
  return %d1, %d2, %d3 : tensor<8x16xf32>, tensor<8x16xf32>, tensor<8x16xindex>
}
