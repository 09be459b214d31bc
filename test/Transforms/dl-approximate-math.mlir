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

// With avx512, f32 vector divisions become multiplications by
// reciprocals. By a vector of 16: vrcp14ps's estimate, one Newton step
// r + r (1 - d r) as two fmas, the estimate kept where the step is NaN.
// RUN: dl-opt %s -dl-approximate-math=avx512=true | FileCheck %s --check-prefix=RCP
// Without it, every division stays.
// RUN: dl-opt %s -dl-approximate-math | FileCheck %s --check-prefix=PLAIN
// PLAIN-LABEL: func.func @divide_16
// PLAIN: arith.divf {{.*}} : vector<16xf32>
// RCP-LABEL: func.func @divide_16
// RCP-SAME: (%[[X:.*]]: vector<16xf32>, %[[D:.*]]: vector<16xf32>)
// RCP: %[[LANES:.*]] = arith.constant -1 : i16
// RCP: %[[R:.*]] = llvm.call_intrinsic "llvm.x86.avx512.rcp14.ps.512"(%[[D]], %{{.*}}, %[[LANES]])
// RCP: %[[NEG:.*]] = arith.negf %[[D]]
// RCP: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : vector<16xf32>
// RCP: %[[E:.*]] = math.fma %[[NEG]], %[[R]], %[[ONE]]
// RCP: %[[N:.*]] = math.fma %[[R]], %[[E]], %[[R]]
// RCP: %[[NAN:.*]] = arith.cmpf uno, %[[N]], %[[N]]
// RCP: %[[INV:.*]] = arith.select %[[NAN]], %[[R]], %[[N]]
// RCP: %[[Q:.*]] = arith.mulf %[[X]], %[[INV]]
// RCP-NOT: arith.divf
// RCP: return %[[Q]]
func.func @divide_16(%x: vector<16xf32>, %d: vector<16xf32>) -> vector<16xf32> {
  %q = arith.divf %x, %d : vector<16xf32>
  return %q : vector<16xf32>
}

// 1 / d is the reciprocal itself (sigmoid's division): no multiplication.
// RCP-LABEL: func.func @one_over
// RCP: llvm.call_intrinsic "llvm.x86.avx512.rcp14.ps.512"
// RCP: %[[INV:.*]] = arith.select
// RCP-NOT: arith.mulf
// RCP: return %[[INV]]
func.func @one_over(%d: vector<16xf32>) -> vector<16xf32> {
  %one = arith.constant dense<1.0> : vector<16xf32>
  %q = arith.divf %one, %d : vector<16xf32>
  return %q : vector<16xf32>
}

// By a broadcast scalar: the scalar's reciprocal, once beside the
// broadcast, for every division by it and at any vector width.
// RCP-LABEL: func.func @divide_by_broadcast
// RCP-SAME: (%[[X:.*]]: vector<8xf32>, %[[Y:.*]]: vector<8xf32>, %[[S:.*]]: f32)
// RCP: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// RCP: %[[INV:.*]] = arith.divf %[[ONE]], %[[S]] : f32
// RCP: %[[B:.*]] = vector.broadcast %[[INV]] : f32 to vector<8xf32>
// RCP-NOT: arith.divf
// RCP: %[[Q:.*]] = arith.mulf %[[X]], %[[B]]
// RCP: %[[P:.*]] = arith.mulf %[[Y]], %[[B]]
// RCP: return %[[Q]], %[[P]]
func.func @divide_by_broadcast(%x: vector<8xf32>, %y: vector<8xf32>, %s: f32) -> (vector<8xf32>, vector<8xf32>) {
  %b = vector.broadcast %s : f32 to vector<8xf32>
  %q = arith.divf %x, %b : vector<8xf32>
  %p = arith.divf %y, %b : vector<8xf32>
  return %q, %p : vector<8xf32>, vector<8xf32>
}

// A vector of 16 n elements, of any shape, goes 16 at a time.
// RCP-LABEL: func.func @divide_2x16
// RCP: vector.shape_cast %{{.*}} : vector<2x16xf32> to vector<32xf32>
// RCP: vector.extract_strided_slice {{.*}}offsets = [0], sizes = [16]
// RCP: llvm.call_intrinsic "llvm.x86.avx512.rcp14.ps.512"
// RCP: vector.insert_strided_slice {{.*}}offsets = [0]
// RCP: vector.extract_strided_slice {{.*}}offsets = [16], sizes = [16]
// RCP: llvm.call_intrinsic "llvm.x86.avx512.rcp14.ps.512"
// RCP: vector.insert_strided_slice {{.*}}offsets = [16]
// RCP: vector.shape_cast %{{.*}} : vector<32xf32> to vector<2x16xf32>
// RCP: arith.mulf {{.*}} : vector<2x16xf32>
func.func @divide_2x16(%x: vector<2x16xf32>, %d: vector<2x16xf32>) -> vector<2x16xf32> {
  %q = arith.divf %x, %d : vector<2x16xf32>
  return %q : vector<2x16xf32>
}

// Other divisions stay: 8 lanes by a vector, f64, scalars.
// RCP-LABEL: func.func @kept
// RCP: arith.divf {{.*}} : vector<8xf32>
// RCP: arith.divf {{.*}} : vector<16xf64>
// RCP: arith.divf {{.*}} : f32
// RCP-NOT: llvm.call_intrinsic
// RCP: return
func.func @kept(%x: vector<8xf32>, %d: vector<8xf32>, %y: vector<16xf64>, %e: vector<16xf64>, %s: f32, %t: f32) -> (vector<8xf32>, vector<16xf64>, f32) {
  %q = arith.divf %x, %d : vector<8xf32>
  %p = arith.divf %y, %e : vector<16xf64>
  %r = arith.divf %s, %t : f32
  return %q, %p, %r : vector<8xf32>, vector<16xf64>, f32
}

// With avx512, exp of 16 lanes keeps upstream's range reduction and
// polynomial (fmas) and scales by 2^k with vscalefps: x clamped to
// [-104, 89] by selects that keep NaN (uge, ule), k = roundeven(x log2 e),
// no clamp of k and no 2^k from its bits (no fptosi, shli, bitcast).
// PLAIN-LABEL: func.func @exp_16
// PLAIN-NOT: llvm.call_intrinsic
// PLAIN: arith.bitcast
// RCP-LABEL: func.func @exp_16
// RCP-SAME: (%[[X:.*]]: vector<16xf32>)
// RCP: %[[LO:.*]] = arith.constant dense<-1.040000e+02> : vector<16xf32>
// RCP: %[[HI:.*]] = arith.constant dense<8.900000e+01> : vector<16xf32>
// RCP: %[[GE:.*]] = arith.cmpf uge, %[[X]], %[[LO]]
// RCP: %[[X1:.*]] = arith.select %[[GE]], %[[X]], %[[LO]]
// RCP: %[[LE:.*]] = arith.cmpf ule, %[[X1]], %[[HI]]
// RCP: %[[X2:.*]] = arith.select %[[LE]], %[[X1]], %[[HI]]
// RCP: %[[T:.*]] = arith.mulf %[[X2]], %{{.*}}
// RCP: %[[K:.*]] = math.roundeven %[[T]]
// RCP: math.fma %{{.*}}, %[[K]], %[[X2]]
// RCP-COUNT-7: math.fma
// RCP: %[[P:.*]] = arith.addf
// RCP: %[[E:.*]] = llvm.call_intrinsic "llvm.x86.avx512.mask.scalef.ps.512"(%[[P]], %[[K]], %{{.*}}, %{{.*}}, %{{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>, i16, i32) -> vector<16xf32>
// RCP-NOT: arith.bitcast
// RCP-NOT: arith.fptosi
// RCP: return %[[E]]
func.func @exp_16(%x: vector<16xf32>) -> vector<16xf32> {
  %0 = math.exp %x : vector<16xf32>
  return %0 : vector<16xf32>
}

// 16 n lanes of any shape go 16 at a time; 8 lanes and scalars keep
// upstream's form.
// RCP-LABEL: func.func @exp_other
// RCP: vector.shape_cast %{{.*}} : vector<2x16xf32> to vector<32xf32>
// RCP-COUNT-2: llvm.call_intrinsic "llvm.x86.avx512.mask.scalef.ps.512"
// RCP: vector.shape_cast %{{.*}} : vector<32xf32> to vector<2x16xf32>
// RCP-NOT: llvm.call_intrinsic
// RCP: arith.bitcast {{.*}} : vector<8xi32> to vector<8xf32>
// RCP-NOT: llvm.call_intrinsic
// RCP: arith.bitcast {{.*}} : i32 to f32
// RCP: return
func.func @exp_other(%x: vector<2x16xf32>, %y: vector<8xf32>, %z: f32) -> (vector<2x16xf32>, vector<8xf32>, f32) {
  %0 = math.exp %x : vector<2x16xf32>
  %1 = math.exp %y : vector<8xf32>
  %2 = math.exp %z : f32
  return %0, %1, %2 : vector<2x16xf32>, vector<8xf32>, f32
}
