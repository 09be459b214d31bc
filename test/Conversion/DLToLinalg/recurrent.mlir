// RUN: dl-opt %s -convert-dl-to-linalg -canonicalize -cse -split-input-file | FileCheck %s

// An LSTM is one loop over time carrying the sequences of h and c after a
// step of zeros ([B, T + 1, H]: step t reads h_{t-1} and c_{t-1} at t, no
// branch): the recurrent product of h_{t-1}, then one generic over [B, H]
// for the gates (slices of the product, of the step's input projection
// and of the bias, which broadcasts along the batch) writing h_t and c_t,
// inserted at t + 1. The results drop the zero step.
// CHECK-DAG: #[[$FULL:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @lstm
// CHECK: %[[ZEROS:.*]] = linalg.fill {{.*}} -> tensor<2x4x4xf32>
// CHECK: %[[LOOP:.*]]:2 = scf.for %[[T:.*]] = %c0 to %c3 step %c1 iter_args(%[[H:.*]] = %[[ZEROS]], %[[C:.*]] = %[[ZEROS]])
// CHECK: %[[HP:.*]] = tensor.extract_slice %[[H]][0, %[[T]], 0] [2, 1, 4] [1, 1, 1] : tensor<2x4x4xf32> to tensor<2x4xf32>
// CHECK: %[[HW:.*]] = linalg.matmul ins(%[[HP]], %arg1 : tensor<2x4xf32>, tensor<4x16xf32>)
// CHECK: tensor.extract_slice %[[HW]][0, 12] [2, 4] [1, 1]
// CHECK: tensor.extract_slice %arg0[0, %[[T]], 12] [2, 1, 4] [1, 1, 1] : tensor<2x3x16xf32> to tensor<2x4xf32>
// CHECK: tensor.extract_slice %arg2[12] [4] [1]
// CHECK: %[[CP:.*]] = tensor.extract_slice %[[C]][0, %[[T]], 0] [2, 1, 4]
// CHECK: %[[HC:.*]]:2 = linalg.generic {indexing_maps = [#[[$FULL]], #[[$FULL]], #[[$FULL]], #[[$FULL]], #[[$FULL]], #[[$FULL]], #[[$FULL]], #[[$FULL]], #[[$ROW]], #[[$ROW]], #[[$ROW]], #[[$ROW]], #[[$FULL]], #[[$FULL]], #[[$FULL]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: %[[CP]] : {{.*}}
// CHECK: math.exp
// CHECK: math.tanh
// CHECK: %[[TC:.*]] = math.tanh %[[CT:.*]] : f32
// CHECK: %[[HT:.*]] = arith.mulf %{{.*}}, %[[TC]]
// CHECK: linalg.yield %[[HT]], %[[CT]]
// CHECK: %[[NEXT:.*]] = arith.addi %[[T]], %c1
// CHECK: %[[H2:.*]] = tensor.insert_slice %[[HC]]#0 into %[[H]][0, %[[NEXT]], 0] [2, 1, 4]
// CHECK: %[[C2:.*]] = tensor.insert_slice %[[HC]]#1 into %[[C]][0, %[[NEXT]], 0] [2, 1, 4]
// CHECK: scf.yield %[[H2]], %[[C2]]
// CHECK: %[[SEQ:.*]] = tensor.extract_slice %[[LOOP]]#0[0, 1, 0] [2, 3, 4] [1, 1, 1] : tensor<2x4x4xf32> to tensor<2x3x4xf32>
// CHECK: return %[[SEQ]]
func.func @lstm(%xw: tensor<2x3x16xf32>, %w: tensor<4x16xf32>, %b: tensor<16xf32>) -> tensor<2x3x4xf32> {
  %seq, %cells, %gates = dl.lstm %xw, %w, %b : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>)
  return %seq : tensor<2x3x4xf32>
}

// -----

// When the gradient uses the gates, the loop also carries them ([B, T, 4H])
// and the step's generic writes the four activated gates, inserted at
// step t.
// CHECK-LABEL: func.func @lstm_gates
// CHECK: %[[LOOP:.*]]:3 = scf.for %[[T:.*]] = %c0 to %c3 step %c1 iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %[[G:.*]] = %{{.*}}) -> (tensor<2x4x4xf32>, tensor<2x4x4xf32>, tensor<2x3x16xf32>)
// CHECK: %[[HC:.*]]:6 = linalg.generic
// CHECK: %[[G0:.*]] = tensor.insert_slice %[[HC]]#2 into %[[G]][0, %[[T]], 0] [2, 1, 4]
// CHECK: %[[G1:.*]] = tensor.insert_slice %[[HC]]#3 into %[[G0]][0, %[[T]], 4] [2, 1, 4]
// CHECK: %[[G2:.*]] = tensor.insert_slice %[[HC]]#4 into %[[G1]][0, %[[T]], 8] [2, 1, 4]
// CHECK: %[[G3:.*]] = tensor.insert_slice %[[HC]]#5 into %[[G2]][0, %[[T]], 12] [2, 1, 4]
// CHECK: scf.yield %{{.*}}, %{{.*}}, %[[G3]]
// CHECK: return %{{.*}}, %[[LOOP]]#2
func.func @lstm_gates(%xw: tensor<2x3x16xf32>, %w: tensor<4x16xf32>, %b: tensor<16xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x16xf32>) {
  %seq, %cells, %gates = dl.lstm %xw, %w, %b : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>)
  return %seq, %gates : tensor<2x3x4xf32>, tensor<2x3x16xf32>
}

// -----

// The gradient: one loop backwards over time (t = T - 1 - s) carrying dh
// and dc from step t + 1 and dxw. Each step reads the saved gates (no
// recurrent product), one generic gives the pre-activation gradients of
// the four gates (written into dxw at step t) and dc for step t - 1 (in
// place of the carried one); then dh = dz W_hh. After the loop, dW and db
// sum over the batch and the steps at once: h_{t-1} (the saved sequence
// after a zero step, its first T steps, copied to be contiguous) as B T
// rows, transposed, times dz as B T rows; db the column sums of those.
// CHECK-LABEL: func.func @lstm_grad
// CHECK: %[[WHH:.*]] = linalg.transpose ins(%arg1 : tensor<4x16xf32>) outs(%{{.*}} : tensor<16x4xf32>) permutation = [1, 0]
// CHECK: %[[SEXT:.*]] = tensor.insert_slice %arg3 into %{{.*}}[0, 1, 0] [2, 3, 4] [1, 1, 1] : tensor<2x3x4xf32> into tensor<2x4x4xf32>
// CHECK: %[[LOOP:.*]]:3 = scf.for %[[S:.*]] = %c0 to %c3 step %c1 iter_args(%[[DH:.*]] = %{{.*}}, %[[DC:.*]] = %{{.*}}, %[[DXW:.*]] = %{{.*}})
// CHECK: %[[T:.*]] = arith.subi %c2, %[[S]]
// CHECK-NOT: linalg.matmul
// CHECK: %[[GI:.*]] = tensor.extract_slice %arg5[0, %[[T]], 0] [2, 1, 4] [1, 1, 1] : tensor<2x3x16xf32> to tensor<2x4xf32>
// CHECK: %[[D:.*]]:5 = linalg.generic
// CHECK-SAME: ins(%[[GI]],
// CHECK-SAME: %[[DH]] : {{.*}}) outs(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[DC]] : {{.*}})
// CHECK: %[[X0:.*]] = tensor.insert_slice %[[D]]#0 into %[[DXW]][0, %[[T]], 0] [2, 1, 4]
// CHECK: %[[X3:.*]] = tensor.insert_slice %[[D]]#3 into %{{.*}}[0, %[[T]], 12] [2, 1, 4]
// CHECK: %[[DZ:.*]] = tensor.extract_slice %[[X3]][0, %[[T]], 0] [2, 1, 16] [1, 1, 1] : tensor<2x3x16xf32> to tensor<2x16xf32>
// CHECK: %[[ZDH:.*]] = linalg.fill {{.*}} outs(%[[DH]] : tensor<2x4xf32>)
// CHECK: %[[DH2:.*]] = linalg.matmul ins(%[[DZ]], %[[WHH]] : tensor<2x16xf32>, tensor<16x4xf32>) outs(%[[ZDH]] : tensor<2x4xf32>)
// CHECK: scf.yield %[[DH2]], %[[D]]#4, %[[X3]]
// CHECK: %[[HP:.*]] = tensor.extract_slice %[[SEXT]][0, 0, 0] [2, 3, 4] [1, 1, 1] : tensor<2x4x4xf32> to tensor<2x3x4xf32>
// CHECK: %[[HC:.*]] = linalg.copy ins(%[[HP]] : tensor<2x3x4xf32>)
// CHECK-DAG: %[[DZR:.*]] = tensor.collapse_shape %[[LOOP]]#2 {{\[\[}}0, 1], [2]] : tensor<2x3x16xf32> into tensor<6x16xf32>
// CHECK-DAG: %[[HR:.*]] = tensor.collapse_shape %[[HC]] {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK: %[[HT:.*]] = linalg.transpose ins(%[[HR]] : tensor<6x4xf32>) {{.*}} permutation = [1, 0]
// CHECK: %[[DW:.*]] = linalg.matmul ins(%[[HT]], %[[DZR]] : tensor<4x6xf32>, tensor<6x16xf32>)
// CHECK: %[[DB:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} ins(%[[DZR]] : tensor<6x16xf32>) outs(%{{.*}} : tensor<16xf32>)
// CHECK: return %[[LOOP]]#2, %[[DW]], %[[DB]]
func.func @lstm_grad(%xw: tensor<2x3x16xf32>, %w: tensor<4x16xf32>, %b: tensor<16xf32>, %s: tensor<2x3x4xf32>, %c: tensor<2x3x4xf32>, %gates: tensor<2x3x16xf32>, %g: tensor<2x3x4xf32>) -> (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) {
  %0:3 = dl.lstm_grad %xw, %w, %b, %s, %c, %gates, %g : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>)
  return %0#0, %0#1, %0#2 : tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>
}
