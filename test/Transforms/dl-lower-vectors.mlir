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
