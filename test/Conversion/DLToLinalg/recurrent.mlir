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
// sum over the batch and the steps at once: h_{t-1} (a step of zeros,
// then the saved sequence's first T - 1 steps, contiguous) as B T rows,
// transposed, times dz as B T rows; db the column sums of those.
// CHECK-LABEL: func.func @lstm_grad
// CHECK: %[[WHH:.*]] = linalg.transpose ins(%arg1 : tensor<4x16xf32>) outs(%{{.*}} : tensor<16x4xf32>) permutation = [1, 0]
// CHECK-NOT: tensor.insert_slice %arg3
// c_{t-1} is step max(t - 1, 0) of the saved cells, taken as zero at
// t = 0 (a select in the generic): no copy of the cells after a zero step.
// CHECK: %[[LOOP:.*]]:3 = scf.for %[[S:.*]] = %c0 to %c3 step %c1 iter_args(%[[DH:.*]] = %{{.*}}, %[[DC:.*]] = %{{.*}}, %[[DXW:.*]] = %{{.*}})
// CHECK: %[[T:.*]] = arith.subi %c2, %[[S]]
// CHECK: %[[TM1:.*]] = arith.subi %c1, %[[S]]
// CHECK: %[[BEFORE:.*]] = arith.maxsi %[[TM1]], %c0
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[T]], %c0
// CHECK: %[[CP:.*]] = tensor.extract_slice %arg4[0, %[[BEFORE]], 0] [2, 1, 4] [1, 1, 1]
// CHECK-NOT: linalg.matmul
// CHECK: %[[GI:.*]] = tensor.extract_slice %arg5[0, %[[T]], 0] [2, 1, 4] [1, 1, 1] : tensor<2x3x16xf32> to tensor<2x4xf32>
// CHECK: %[[D:.*]]:5 = linalg.generic
// CHECK-SAME: ins(%[[GI]],
// CHECK-SAME: %[[CP]],
// CHECK-SAME: %[[DH]] : {{.*}}) outs(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[DC]] : {{.*}})
// CHECK: arith.select %[[FIRST]], %{{.*}}, %{{.*}} : f32
// CHECK: %[[X0:.*]] = tensor.insert_slice %[[D]]#0 into %[[DXW]][0, %[[T]], 0] [2, 1, 4]
// CHECK: %[[X3:.*]] = tensor.insert_slice %[[D]]#3 into %{{.*}}[0, %[[T]], 12] [2, 1, 4]
// CHECK: %[[DZ:.*]] = tensor.extract_slice %[[X3]][0, %[[T]], 0] [2, 1, 16] [1, 1, 1] : tensor<2x3x16xf32> to tensor<2x16xf32>
// CHECK: %[[ZDH:.*]] = linalg.fill {{.*}} outs(%[[DH]] : tensor<2x4xf32>)
// CHECK: %[[DH2:.*]] = linalg.matmul ins(%[[DZ]], %[[WHH]] : tensor<2x16xf32>, tensor<16x4xf32>) outs(%[[ZDH]] : tensor<2x4xf32>)
// CHECK: scf.yield %[[DH2]], %[[D]]#4, %[[X3]]
// CHECK: %[[Z:.*]] = linalg.fill {{.*}} -> tensor<2x1x4xf32>
// CHECK: %[[H0:.*]] = tensor.insert_slice %[[Z]] into %{{.*}}[0, 0, 0] [2, 1, 4] [1, 1, 1] : tensor<2x1x4xf32> into tensor<2x3x4xf32>
// CHECK: %[[HP:.*]] = tensor.extract_slice %arg3[0, 0, 0] [2, 2, 4] [1, 1, 1] : tensor<2x3x4xf32> to tensor<2x2x4xf32>
// CHECK: %[[HC:.*]] = tensor.insert_slice %[[HP]] into %[[H0]][0, 1, 0] [2, 2, 4] [1, 1, 1] : tensor<2x2x4xf32> into tensor<2x3x4xf32>
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

// -----

// Where only the last step of the sequence has a gradient (that of
// last(h): zeros concatenated with one step), the loop's carried dh starts
// as that step and each step adds a state of zeros: the concatenation is
// never built.
// CHECK-LABEL: func.func @lstm_grad_last
// CHECK-NOT: tensor.insert_slice %arg6
// CHECK: %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<2x4xf32>
// CHECK: %[[LAST:.*]] = tensor.collapse_shape %arg6 {{\[\[}}0], [1, 2]] : tensor<2x1x4xf32> into tensor<2x4xf32>
// CHECK: scf.for {{.*}} iter_args(%[[DH:.*]] = %[[LAST]], %{{.*}} = %[[ZERO]],
// CHECK: linalg.generic
// CHECK-SAME: %[[ZERO]], %[[DH]] : {{.*}}) outs(
// CHECK-NOT: tensor.insert_slice %arg6
func.func @lstm_grad_last(%xw: tensor<2x3x16xf32>, %w: tensor<4x16xf32>, %b: tensor<16xf32>, %s: tensor<2x3x4xf32>, %c: tensor<2x3x4xf32>, %gates: tensor<2x3x16xf32>, %gl: tensor<2x1x4xf32>) -> (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) {
  %z = dl.constant dense<0.0> : tensor<2x2x4xf32>
  %g = dl.concat %z, %gl {axis = 1 : i64} : tensor<2x2x4xf32>, tensor<2x1x4xf32> -> tensor<2x3x4xf32>
  %0:3 = dl.lstm_grad %xw, %w, %b, %s, %c, %gates, %g : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>)
  return %0#0, %0#1, %0#2 : tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>
}

// -----

// An RNN is one loop over time carrying the sequence of h after a step of
// zeros: the recurrent product of h_{t-1}, then one generic over [B, H]
// applying the activation (relu: a maximum with 0) to product + input
// projection + bias, inserted at t + 1.
// CHECK-LABEL: func.func @rnn
// CHECK: %[[ZEROS:.*]] = linalg.fill {{.*}} -> tensor<2x4x4xf32>
// CHECK: %[[LOOP:.*]] = scf.for %[[T:.*]] = %c0 to %c3 step %c1 iter_args(%[[H:.*]] = %[[ZEROS]]) -> (tensor<2x4x4xf32>)
// CHECK: %[[HP:.*]] = tensor.extract_slice %[[H]][0, %[[T]], 0] [2, 1, 4] [1, 1, 1] : tensor<2x4x4xf32> to tensor<2x4xf32>
// CHECK: %[[HW:.*]] = linalg.matmul ins(%[[HP]], %arg1 : tensor<2x4xf32>, tensor<4x4xf32>)
// CHECK: %[[XT:.*]] = tensor.extract_slice %arg0[0, %[[T]], 0] [2, 1, 4] [1, 1, 1] : tensor<2x3x4xf32> to tensor<2x4xf32>
// CHECK: %[[HT:.*]] = linalg.generic {indexing_maps = [#[[$FULL]], #[[$FULL]], #[[$ROW]], #[[$FULL]]], {{.*}}} ins(%[[HW]], %[[XT]], %arg2 :
// CHECK: %[[S0:.*]] = arith.addf
// CHECK: %[[S1:.*]] = arith.addf %[[S0]]
// CHECK: %[[R:.*]] = arith.maximumf %[[S1]], %{{.*}}
// CHECK: linalg.yield %[[R]]
// CHECK: %[[NEXT:.*]] = arith.addi %[[T]], %c1
// CHECK: %[[H2:.*]] = tensor.insert_slice %[[HT]] into %[[H]][0, %[[NEXT]], 0] [2, 1, 4]
// CHECK: scf.yield %[[H2]]
// CHECK: %[[SEQ:.*]] = tensor.extract_slice %[[LOOP]][0, 1, 0] [2, 3, 4] [1, 1, 1] : tensor<2x4x4xf32> to tensor<2x3x4xf32>
// CHECK: return %[[SEQ]]
func.func @rnn(%xw: tensor<2x3x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %seq = dl.rnn %xw, %w, %b {act = "relu"} : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return %seq : tensor<2x3x4xf32>
}

// -----

// Its gradient: one loop backwards over time carrying dh from step t + 1
// and dxw. The derivative of tanh comes from the saved h_t: dz = (g_t +
// dh) (1 - h_t^2), written into dxw at t; dh = dz W_hh. dW and db sum over
// the batch and the steps after the loop, as an LSTM's.
// CHECK-LABEL: func.func @rnn_grad
// CHECK: %[[WHH:.*]] = linalg.transpose ins(%arg1 : tensor<4x4xf32>)
// CHECK: %[[LOOP:.*]]:2 = scf.for %[[S:.*]] = %c0 to %c3 step %c1 iter_args(%[[DH:.*]] = %{{.*}}, %[[DXW:.*]] = %{{.*}})
// CHECK: %[[T:.*]] = arith.subi %c2, %[[S]]
// CHECK: %[[HT:.*]] = tensor.extract_slice %arg3[0, %[[T]], 0] [2, 1, 4]
// CHECK: %[[GT:.*]] = tensor.extract_slice %arg4[0, %[[T]], 0] [2, 1, 4]
// CHECK: %[[DZ:.*]] = linalg.generic {{.*}} ins(%[[HT]], %[[GT]], %[[DH]] :
// CHECK-NEXT: ^bb0(%[[H:.*]]: f32, %[[G:.*]]: f32, %[[D:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[G]], %[[D]]
// CHECK-NEXT: %[[HH:.*]] = arith.mulf %[[H]], %[[H]]
// CHECK-NEXT: %[[ONEMINUS:.*]] = arith.subf %{{.*}}, %[[HH]]
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[SUM]], %[[ONEMINUS]]
// CHECK-NEXT: linalg.yield %[[R]]
// CHECK: %[[DXW2:.*]] = tensor.insert_slice %[[DZ]] into %[[DXW]][0, %[[T]], 0] [2, 1, 4]
// CHECK: %[[ZDH:.*]] = linalg.fill {{.*}} outs(%[[DH]] : tensor<2x4xf32>)
// CHECK: %[[DH2:.*]] = linalg.matmul ins(%[[DZ]], %[[WHH]] : tensor<2x4xf32>, tensor<4x4xf32>) outs(%[[ZDH]] : tensor<2x4xf32>)
// CHECK: scf.yield %[[DH2]], %[[DXW2]]
// CHECK: %[[DZROWS:.*]] = tensor.collapse_shape %[[LOOP]]#1 {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK: %[[DW:.*]] = linalg.matmul ins(%{{.*}}, %[[DZROWS]] : tensor<4x6xf32>, tensor<6x4xf32>)
// CHECK: %[[DB:.*]] = linalg.generic {{.*}} ins(%[[DZROWS]] : tensor<6x4xf32>)
// CHECK: return %[[LOOP]]#1, %[[DW]], %[[DB]]
func.func @rnn_grad(%xw: tensor<2x3x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>, %s: tensor<2x3x4xf32>, %g: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>) {
  %dxw, %dw, %db = dl.rnn_grad %xw, %w, %b, %s, %g : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>)
  return %dxw, %dw, %db : tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>
}

// -----

// A GRU: the recurrent product [B, 3H] of h_{t-1}, then one generic over
// [B, H] reading the three slices of the product, of the step's input
// projection and of the bias, and h_{t-1}: r, z, n = tanh(x_n + r a_n),
// h = n + z (h_{t-1} - n). With the gates used, it also writes r, z, n
// and a_n, inserted into [B, T, 4H] at step t.
// CHECK-LABEL: func.func @gru
// CHECK: %[[LOOP:.*]]:2 = scf.for %[[T:.*]] = %c0 to %c3 step %c1 iter_args(%[[H:.*]] = %{{.*}}, %[[G:.*]] = %{{.*}}) -> (tensor<2x4x4xf32>, tensor<2x3x16xf32>)
// CHECK: %[[HP:.*]] = tensor.extract_slice %[[H]][0, %[[T]], 0] [2, 1, 4]
// CHECK: %[[HW:.*]] = linalg.matmul ins(%[[HP]], %arg1 : tensor<2x4xf32>, tensor<4x12xf32>)
// CHECK: %[[AN:.*]] = tensor.extract_slice %[[HW]][0, 8] [2, 4] [1, 1]
// CHECK: %[[XN:.*]] = tensor.extract_slice %arg0[0, %[[T]], 8] [2, 1, 4]
// CHECK: %[[BN:.*]] = tensor.extract_slice %arg2[8] [4] [1]
// CHECK: %[[HG:.*]]:5 = linalg.generic
// CHECK-SAME: %[[HP]] : {{.*}})
// CHECK: ^bb0(%[[AR:[a-z0-9_]+]]: f32, %[[AZ:[a-z0-9_]+]]: f32, %[[ANS:[a-z0-9_]+]]: f32, %[[XRS:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32, %[[XNS:[a-z0-9_]+]]: f32, %[[BR:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32, %[[BNS:[a-z0-9_]+]]: f32, %[[HPS:[a-z0-9_]+]]: f32,
// CHECK: %[[R0:.*]] = arith.addf %[[AR]], %[[XRS]]
// CHECK: %[[R1:.*]] = arith.addf %[[R0]], %[[BR]]
// CHECK: %[[R:.*]] = arith.divf
// CHECK: %[[Z:.*]] = arith.divf
// CHECK: %[[A:.*]] = arith.addf %[[ANS]], %[[BNS]]
// CHECK: %[[RA:.*]] = arith.mulf %[[R]], %[[A]]
// CHECK: %[[NPRE:.*]] = arith.addf %[[XNS]], %[[RA]]
// CHECK: %[[N:.*]] = math.tanh %[[NPRE]]
// CHECK: %[[DIFF:.*]] = arith.subf %[[HPS]], %[[N]]
// CHECK: %[[ZD:.*]] = arith.mulf %[[Z]], %[[DIFF]]
// CHECK: %[[HT:.*]] = arith.addf %[[N]], %[[ZD]]
// CHECK: linalg.yield %[[HT]], %[[R]], %[[Z]], %[[N]], %[[A]]
// CHECK: tensor.insert_slice %[[HG]]#0 into %[[H]][0, %{{.*}}, 0] [2, 1, 4]
// CHECK: tensor.insert_slice %[[HG]]#1 into %[[G]][0, %[[T]], 0] [2, 1, 4]
// CHECK: tensor.insert_slice %[[HG]]#4 into %{{.*}}[0, %[[T]], 12] [2, 1, 4]
// CHECK: return %{{.*}}, %[[LOOP]]#1
func.func @gru(%xw: tensor<2x3x12xf32>, %w: tensor<4x12xf32>, %b: tensor<12xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x16xf32>) {
  %seq, %gates = dl.gru %xw, %w, %b : (tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x16xf32>)
  return %seq, %gates : tensor<2x3x4xf32>, tensor<2x3x16xf32>
}

// -----

// Its gradient: one loop backwards over time from the saved gates, carrying
// dh and the gradients of xw and of the recurrent product plus bias (da),
// which differ in the n gate (dxw_n = dn, da_n = dn r). One generic gives
// dr, dz, dn, dn r and dh z (in place of the carried dh); dh for step
// t - 1 is dh z + da W_hh. dW and db come from da after the loop.
// CHECK-LABEL: func.func @gru_grad
// CHECK: %[[WHH:.*]] = linalg.transpose ins(%arg1 : tensor<4x12xf32>) outs(%{{.*}} : tensor<12x4xf32>)
// h_{t-1} is step max(t - 1, 0) of the sequence, zero at t = 0.
// CHECK: %[[LOOP:.*]]:3 = scf.for %[[S:.*]] = %c0 to %c3 step %c1 iter_args(%[[DH:.*]] = %{{.*}}, %[[DXW:.*]] = %{{.*}}, %[[DA:.*]] = %{{.*}})
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %{{.*}}, %c0
// CHECK-NOT: linalg.matmul
// CHECK: %[[D:.*]]:5 = linalg.generic
// CHECK-SAME: outs(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[DH]] : {{.*}})
// CHECK: arith.select %[[FIRST]], %{{.*}}, %{{.*}} : f32
// CHECK: %[[X0:.*]] = tensor.insert_slice %[[D]]#0 into %[[DXW]]
// CHECK: %[[X1:.*]] = tensor.insert_slice %[[D]]#1 into %[[X0]]
// CHECK: %[[X2:.*]] = tensor.insert_slice %[[D]]#2 into %[[X1]]
// CHECK: %[[A0:.*]] = tensor.insert_slice %[[D]]#0 into %[[DA]]
// CHECK: %[[A1:.*]] = tensor.insert_slice %[[D]]#1 into %[[A0]]
// CHECK: %[[A2:.*]] = tensor.insert_slice %[[D]]#3 into %[[A1]]
// CHECK: %[[DAT:.*]] = tensor.extract_slice %[[A2]][0, %{{.*}}, 0] [2, 1, 12] [1, 1, 1] : tensor<2x3x12xf32> to tensor<2x12xf32>
// CHECK: %[[DH2:.*]] = linalg.matmul ins(%[[DAT]], %[[WHH]] : tensor<2x12xf32>, tensor<12x4xf32>) outs(%[[D]]#4 : tensor<2x4xf32>)
// CHECK: scf.yield %[[DH2]], %[[X2]], %[[A2]]
// CHECK: %[[DAROWS:.*]] = tensor.collapse_shape %[[LOOP]]#2 {{\[\[}}0, 1], [2]] : tensor<2x3x12xf32> into tensor<6x12xf32>
// CHECK: %[[DW:.*]] = linalg.matmul ins(%{{.*}}, %[[DAROWS]] : tensor<4x6xf32>, tensor<6x12xf32>)
// CHECK: return %[[LOOP]]#1, %[[DW]]
func.func @gru_grad(%xw: tensor<2x3x12xf32>, %w: tensor<4x12xf32>, %b: tensor<12xf32>, %s: tensor<2x3x4xf32>, %gates: tensor<2x3x16xf32>, %g: tensor<2x3x4xf32>) -> (tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>) {
  %dxw, %dw, %db = dl.gru_grad %xw, %w, %b, %s, %gates, %g : (tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>)
  return %dxw, %dw, %db : tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>
}
