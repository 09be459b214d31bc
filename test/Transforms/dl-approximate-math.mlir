// RUN: dl-opt %s -dl-approximate-math | FileCheck %s

// exp, tanh, log, log1p and erf of f32 (scalars or vectors) become inline
// polynomials (fma chains, range reduction with floor and bit casts), so
// no libm call is left and the loops around them vectorize. sqrt (an LLVM
// intrinsic) and functions without an approximation stay.
// CHECK-LABEL: func.func @scalars
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK-NOT: math.log
// CHECK-NOT: math.erf
// CHECK: math.fma
// CHECK: math.sqrt
// CHECK: math.sin
// CHECK-NOT: math.exp
// CHECK: return
func.func @scalars(%x: f32) -> (f32, f32, f32, f32, f32, f32, f32) {
  %0 = math.exp %x : f32
  %1 = math.tanh %x : f32
  %2 = math.log %x : f32
  %3 = math.log1p %x : f32
  %4 = math.erf %x : f32
  %5 = math.sqrt %x : f32
  %6 = math.sin %x : f32
  return %0, %1, %2, %3, %4, %5, %6 : f32, f32, f32, f32, f32, f32, f32
}

// CHECK-LABEL: func.func @vectors
// CHECK-NOT: math.exp
// CHECK: math.fma {{.*}} : vector<8xf32>
func.func @vectors(%x: vector<8xf32>) -> vector<8xf32> {
  %0 = math.exp %x : vector<8xf32>
  return %0 : vector<8xf32>
}
