// RUN: dl-opt %s -dl-lower-vectors | FileCheck %s

// dl-lower-vectors creates memref and arith ops (the scalar loads of a
// read used only element by element) also in a module that has none of
// them yet: it declares those dialects (it crashed here before).
// CHECK-LABEL: func.func @elements
// CHECK: memref.load %arg0[%arg1, %arg1] : memref<4x4xf32>
// CHECK: arith.addi
// CHECK: memref.load %arg0[%arg1, %{{.*}}] : memref<4x4xf32>
func.func @elements(%a: memref<4x4xf32>, %i: index) -> f32 {
  %pad = ub.poison : f32
  %v = vector.transfer_read %a[%i, %i], %pad {in_bounds = [true]} : memref<4x4xf32>, vector<2xf32>
  %x0 = vector.extract %v[0] : f32 from vector<2xf32>
  %x1 = vector.extract %v[1] : f32 from vector<2xf32>
  %t = vector.from_elements %x0, %x1 : vector<2xf32>
  %u = vector.reduction <mul>, %t : vector<2xf32> into f32
  return %u : f32
}
