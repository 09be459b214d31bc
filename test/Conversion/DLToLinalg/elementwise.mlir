// RUN: dl-opt %s -convert-dl-to-linalg -split-input-file | FileCheck %s

// Elementwise ops become linalg.generic; broadcasting lives in the indexing
// maps (a size-1 or missing dimension is read at index 0 or not at all).

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @add_broadcast
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3xf32>) outs(%[[E]] : tensor<4x3xf32>)
// CHECK: arith.addf
func.func @add_broadcast(%a: tensor<4x3xf32>, %b: tensor<3xf32>) -> tensor<4x3xf32> {
  %0 = dl.add %a, %b : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// CHECK-DAG: #[[$ZERO:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func.func @size_one
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[$ZERO]], #{{.*}}]
// CHECK: arith.subi
func.func @size_one(%a: tensor<4x3xi32>, %b: tensor<1x3xi32>) -> tensor<4x3xi32> {
  %0 = dl.sub %a, %b : tensor<4x3xi32>, tensor<1x3xi32> -> tensor<4x3xi32>
  return %0 : tensor<4x3xi32>
}

// -----

// relu's max with a constant zero ignores the sign of a zero result (x86:
// one vmaxps instead of a max, a NaN compare and a blend); NaN propagates.
// CHECK-LABEL: func.func @unary_chain
// CHECK: arith.maximumf %{{.*}}, %{{.*}} fastmath<nsz> : f32
// CHECK: arith.cmpf ogt
// CHECK: arith.select
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: math.tanh
// CHECK: math.erf
func.func @unary_chain(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = dl.relu %x : tensor<8xf32>
  %1 = dl.leaky_relu %0 {alpha = 0.2 : f64} : tensor<8xf32>
  %2 = dl.sigmoid %1 : tensor<8xf32>
  %3 = dl.tanh %2 : tensor<8xf32>
  %4 = dl.gelu %3 : tensor<8xf32>
  return %4 : tensor<8xf32>
}

// -----

// A constant becomes arith.constant; stop_gradient disappears; zeros_like
// is a fill.
// CHECK-LABEL: func.func @identities
// CHECK: %[[C:.*]] = arith.constant dense<2.000000e+00> : tensor<f32>
// CHECK: linalg.fill
// CHECK-NOT: dl.
func.func @identities(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<f32>, tensor<8xf32>) {
  %c = dl.constant dense<2.0> : tensor<f32>
  %0 = dl.stop_gradient %x : tensor<8xf32>
  %1 = dl.zeros_like %x : tensor<8xf32>
  return %0, %c, %1 : tensor<8xf32>, tensor<f32>, tensor<8xf32>
}
