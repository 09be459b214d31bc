// RUN: dl-opt %s -dl-lower-vectors -canonicalize | FileCheck %s
// RUN: dl-opt %s -dl-lower-vectors=vector-width=16 -canonicalize | FileCheck %s --check-prefix=WIDE

// A block contraction with a reduction step of 1 becomes one broadcast FMA
// per block row (outer products), ready for convert-vector-to-llvm. From a
// block that is neither zeros nor carried by a loop (a batch-1 weight
// gradient accumulated onto its buffer or an L2 term), the FMAs start from
// zeros and the block is added after them: C + round(a b), as the fused
// step computes it (its product from zeros, C added by the update), not
// round(C + a b).
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @block
// CHECK-DAG: %[[Z:.*]] = arith.constant dense<0.000000e+00> : vector<8xf32>
// CHECK-NOT: vector.contract
// CHECK-COUNT-2: vector.fma {{.*}}, %[[Z]] : vector<8xf32>
// CHECK-NOT: vector.fma
// CHECK: arith.addf %arg2, %{{.*}} : vector<2x8xf32>
func.func @block(%a: vector<2x1xf32>, %b: vector<1x8xf32>, %c: vector<2x8xf32>) -> vector<2x8xf32> {
  %0 = vector.contract {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %c : vector<2x1xf32>, vector<1x8xf32> into vector<2x8xf32>
  return %0 : vector<2x8xf32>
}

// From zeros, nothing is added.
// CHECK-LABEL: func.func @block_from_zeros
// CHECK-COUNT-2: vector.fma
// CHECK-NOT: arith.addf
// CHECK: return
func.func @block_from_zeros(%a: vector<2x1xf32>, %b: vector<1x8xf32>) -> vector<2x8xf32> {
  %z = arith.constant dense<0.0> : vector<2x8xf32>
  %0 = vector.contract {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %a, %b, %z : vector<2x1xf32>, vector<1x8xf32> into vector<2x8xf32>
  return %0 : vector<2x8xf32>
}

// The accumulator block a reduction loop carries becomes one vector per
// row (loop-carried registers), and the n-D reads and writes of buffers
// become one 1-D transfer per row: nothing rebuilds the block each step.
// (7 steps: no number of copies divides them, so the loop is not unrolled;
// see @unrolled.)
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
  %c8 = arith.constant 7 : index
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

// Two rows of 16 lanes are 4 accumulator registers of 8 lanes: each step
// would wait for the FMAs of the previous one. The loop is unrolled twice
// (8 registers; 3 copies do not divide the 8 steps, 4 would not fit in 16
// registers with a row of B), the second set starts from zero, and the
// sets are added after the loop.
// CHECK-LABEL: func.func @unrolled
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK: %[[R0:.*]] = vector.transfer_read %arg2
// CHECK: %[[R1:.*]] = vector.transfer_read %arg2
// CHECK: %[[L:.*]]:4 = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %[[C2]] iter_args(%[[A0:.*]] = %[[R0]], %[[A1:.*]] = %[[R1]], %[[B0:.*]] = %[[ZERO]], %[[B1:.*]] = %[[ZERO]])
// CHECK: %[[F0:.*]] = vector.fma %{{.*}}, %{{.*}}, %[[A0]] : vector<16xf32>
// CHECK: %[[F1:.*]] = vector.fma %{{.*}}, %{{.*}}, %[[A1]] : vector<16xf32>
// CHECK: %[[K1:.*]] = arith.addi %[[K]], %c1
// CHECK: vector.transfer_read %arg1[%[[K1]], %{{.*}}]
// CHECK: %[[G0:.*]] = vector.fma %{{.*}}, %{{.*}}, %[[B0]] : vector<16xf32>
// CHECK: %[[G1:.*]] = vector.fma %{{.*}}, %{{.*}}, %[[B1]] : vector<16xf32>
// CHECK: scf.yield %[[F0]], %[[F1]], %[[G0]], %[[G1]]
// CHECK: %[[S0:.*]] = arith.addf %[[L]]#0, %[[L]]#2 : vector<16xf32>
// CHECK: %[[S1:.*]] = arith.addf %[[L]]#1, %[[L]]#3 : vector<16xf32>
// CHECK: vector.transfer_write %[[S0]], %arg2
// CHECK: vector.transfer_write %[[S1]], %arg2
func.func @unrolled(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
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

// A sum that is not only added to (here also multiplied) is left alone.
// CHECK-LABEL: func.func @not_a_sum
// CHECK: scf.for {{.*}} step %c1 iter_args
func.func @not_a_sum(%x: memref<8x8xf32>, %init: vector<8xf32>) -> vector<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %pad = arith.constant 0.0 : f32
  %r = scf.for %k = %c0 to %c8 step %c1 iter_args(%acc = %init) -> (vector<8xf32>) {
    %v = vector.transfer_read %x[%k, %c0], %pad {in_bounds = [true]} : memref<8x8xf32>, vector<8xf32>
    %m = arith.mulf %acc, %v : vector<8xf32>
    scf.yield %m : vector<8xf32>
  }
  return %r : vector<8xf32>
}

// A block of a product whose A is read transposed (the elements of A for
// its rows are contiguous): the vector read only for its elements one by
// one becomes one scalar load per element, which LLVM broadcasts straight
// from memory. A read also used as a whole stays.
// CHECK-LABEL: func.func @transposed_a
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[K:.*]] = arith.addi %arg3, %[[C1]] : index
// CHECK: memref.load %arg0[%arg3, %[[K]]] : memref<16x8xf32>
// CHECK: %[[K2:.*]] = arith.addi %arg3, %[[C2]] : index
// CHECK: memref.load %arg0[%arg3, %[[K2]]] : memref<16x8xf32>
// CHECK: memref.load %arg0[%arg3, %arg3] : memref<16x8xf32>
// CHECK: vector.load %arg1{{.*}} : memref<16x8xf32>, vector<3xf32>
// CHECK-NOT: memref.load
func.func @transposed_a(%a: memref<16x8xf32>, %b: memref<16x8xf32>, %out: memref<3xf32>, %i: index) -> vector<3xf32> {
  %pad = arith.constant 0.0 : f32
  %v = vector.transfer_read %a[%i, %i], %pad {in_bounds = [true]} : memref<16x8xf32>, vector<3xf32>
  %x1 = vector.extract %v[1] : f32 from vector<3xf32>
  %x2 = vector.extract %v[2] : f32 from vector<3xf32>
  %x0 = vector.extract %v[0] : f32 from vector<3xf32>
  %s = arith.addf %x0, %x1 : f32
  %t = arith.addf %s, %x2 : f32
  memref.store %t, %out[%i] : memref<3xf32>
  %w = vector.transfer_read %b[%i, %i], %pad {in_bounds = [true]} : memref<16x8xf32>, vector<3xf32>
  %y = vector.extract %w[0] : f32 from vector<3xf32>
  memref.store %y, %out[%i] : memref<3xf32>
  return %w : vector<3xf32>
}

// A contraction over a reduction of size 1 whose operands both span the
// result (a split total of squares: an L2 term) is one FMA per register
// of the row, carried in registers, not a scalar multiply and add per
// element.
// CHECK-LABEL: func.func @unit_reduction
// CHECK: scf.for {{.*}} step %c1 iter_args(%[[A0:.*]] = %{{.*}}) -> (vector<64xf32>)
// CHECK: %[[X:.*]] = vector.transfer_read %arg0{{.*}} : memref<512x64xf32>, vector<64xf32>
// CHECK: vector.fma %[[X]], %[[X]], %[[A0]] : vector<64xf32>
// CHECK-NOT: memref.load
// CHECK-NOT: vector.reduction
func.func @unit_reduction(%m: memref<512x64xf32>) -> vector<64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 512 : index
  %z = arith.constant dense<0.0> : vector<64xf32>
  %pad = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %z) -> (vector<64xf32>) {
    %x = vector.transfer_read %m[%i, %c0], %pad {in_bounds = [true, true]} : memref<512x64xf32>, vector<1x64xf32>
    %s = vector.contract {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"], kind = #vector.kind<add>} %x, %x, %acc : vector<1x64xf32>, vector<1x64xf32> into vector<64xf32>
    scf.yield %s : vector<64xf32>
  }
  return %r : vector<64xf32>
}

// Over a reduction of 2 rows the same contraction is a real sum of
// products: the pattern leaves it to the contraction lowerings.
// CHECK-LABEL: func.func @two_rows
// CHECK-NOT: vector.shape_cast
// CHECK: return
func.func @two_rows(%x: vector<2x8xf32>, %acc: vector<8xf32>) -> vector<8xf32> {
  %s = vector.contract {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"], kind = #vector.kind<add>} %x, %x, %acc : vector<2x8xf32>, vector<2x8xf32> into vector<8xf32>
  return %s : vector<8xf32>
}

// B's rows 1 KB apart or more (here [64, 256] floats): the reduction loop
// prefetches the row 4 steps ahead for AVX2's 8 lanes, 8 for AVX-512's 16
// (the last row at most), one prefetch per cache line of the block's row
// of B (32 lanes: two). Nothing is prefetched of A, whose reads move along
// its rows.
// CHECK-LABEL: func.func @prefetch
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C63:.*]] = arith.constant 63 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: scf.for %[[K:[a-z0-9]*]] =
// CHECK: %[[AHEAD:.*]] = arith.addi %[[K]], %[[C4]]
// WIDE-LABEL: func.func @prefetch
// WIDE-DAG: %[[C8:.*]] = arith.constant 8 : index
// WIDE: scf.for %[[K:[a-z0-9]*]] =
// WIDE: %[[AHEAD:.*]] = arith.addi %[[K]], %[[C8]]
// WIDE: arith.minui %[[AHEAD]]
// CHECK: %[[ROW:.*]] = arith.minui %[[AHEAD]], %[[C63]]
// CHECK: memref.prefetch %arg1[%[[ROW]], %{{.*}}], read, locality<3>, data : memref<64x256xf32>
// CHECK: %[[NEXT:.*]] = arith.addi %{{.*}}, %[[C16]]
// CHECK: memref.prefetch %arg1[%[[ROW]], %[[NEXT]]], read, locality<3>, data : memref<64x256xf32>
// CHECK-NOT: memref.prefetch
// CHECK: scf.yield
func.func @prefetch(%a: memref<4x64xf32>, %b: memref<64x256xf32>, %c: memref<4x256xf32>, %j: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %pad = arith.constant 0.0 : f32
  %init = vector.transfer_read %c[%c0, %j], %pad {in_bounds = [true, true]} : memref<4x256xf32>, vector<2x32xf32>
  %r = scf.for %k = %c0 to %c7 step %c1 iter_args(%acc = %init) -> (vector<2x32xf32>) {
    %va = vector.transfer_read %a[%c0, %k], %pad {in_bounds = [true, true]} : memref<4x64xf32>, vector<2x1xf32>
    %vb = vector.transfer_read %b[%k, %j], %pad {in_bounds = [true, true]} : memref<64x256xf32>, vector<1x32xf32>
    %d = vector.contract {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %vb, %acc : vector<2x1xf32>, vector<1x32xf32> into vector<2x32xf32>
    scf.yield %d : vector<2x32xf32>
  }
  vector.transfer_write %r, %c[%c0, %j] {in_bounds = [true, true]} : vector<2x32xf32>, memref<4x256xf32>
  return
}

// Rows 512 bytes apart ([64, 128] floats), which the hardware's
// prefetchers follow: no prefetches.
// CHECK-LABEL: func.func @near_rows
// CHECK-NOT: memref.prefetch
// CHECK: return
func.func @near_rows(%a: memref<4x64xf32>, %b: memref<64x128xf32>, %c: memref<4x128xf32>, %j: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %pad = arith.constant 0.0 : f32
  %init = vector.transfer_read %c[%c0, %j], %pad {in_bounds = [true, true]} : memref<4x128xf32>, vector<2x32xf32>
  %r = scf.for %k = %c0 to %c7 step %c1 iter_args(%acc = %init) -> (vector<2x32xf32>) {
    %va = vector.transfer_read %a[%c0, %k], %pad {in_bounds = [true, true]} : memref<4x64xf32>, vector<2x1xf32>
    %vb = vector.transfer_read %b[%k, %j], %pad {in_bounds = [true, true]} : memref<64x128xf32>, vector<1x32xf32>
    %d = vector.contract {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} %va, %vb, %acc : vector<2x1xf32>, vector<1x32xf32> into vector<2x32xf32>
    scf.yield %d : vector<2x32xf32>
  }
  vector.transfer_write %r, %c[%c0, %j] {in_bounds = [true, true]} : vector<2x32xf32>, memref<4x128xf32>
  return
}

// The elements of A a block broadcasts, read one by one down a column of
// a row-major buffer (A read transposed, as in a weight gradient X^T dY)
// with rows 2 KB apart: one prefetch per row read, not one per element
// (the loop is unrolled twice, as in @unrolled: one per copy). B's rows
// here are 64 bytes apart: none for them.
// CHECK-LABEL: func.func @prefetch_a
// CHECK: scf.for %[[K:[a-z0-9]*]] =
// CHECK: %[[AHEAD:.*]] = arith.addi %[[K]], %{{.*}}
// CHECK: %[[ROW:.*]] = arith.minui %[[AHEAD]], %{{.*}}
// CHECK: memref.prefetch %arg0[%[[ROW]], %{{.*}}], read, locality<3>, data : memref<64x512xf32>
// CHECK-NOT: memref.prefetch
// CHECK: %[[AHEAD1:.*]] = arith.addi %[[K]], %c5
// CHECK: %[[ROW1:.*]] = arith.minui %[[AHEAD1]], %c63
// CHECK: memref.prefetch %arg0[%[[ROW1]], %{{.*}}], read, locality<3>, data : memref<64x512xf32>
// CHECK-NOT: memref.prefetch
// CHECK: scf.yield
func.func @prefetch_a(%a: memref<64x512xf32>, %b: memref<64x16xf32>, %init: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %r:2 = scf.for %k = %c0 to %c64 step %c1 iter_args(%x = %init, %y = %init) -> (vector<16xf32>, vector<16xf32>) {
    %e0 = memref.load %a[%k, %c0] : memref<64x512xf32>
    %e1 = memref.load %a[%k, %c1] : memref<64x512xf32>
    %v = vector.load %b[%k, %c0] : memref<64x16xf32>, vector<16xf32>
    %s0 = vector.broadcast %e0 : f32 to vector<16xf32>
    %s1 = vector.broadcast %e1 : f32 to vector<16xf32>
    %f0 = vector.fma %s0, %v, %x : vector<16xf32>
    %f1 = vector.fma %s1, %v, %y : vector<16xf32>
    scf.yield %f0, %f1 : vector<16xf32>, vector<16xf32>
  }
  return %r#0, %r#1 : vector<16xf32>, vector<16xf32>
}

// A row of A's elements that spans more than half a cache line (10 floats
// from %i, as scalarizeExtractedReads loads them: %i + position, computed
// in the loop) lies across two lines at most offsets: a prefetch for its
// first element's line and one for its last's.
// CHECK-LABEL: func.func @prefetch_a_wide
// CHECK: scf.for %[[K:[a-z0-9]*]] =
// CHECK: %[[AHEAD:.*]] = arith.addi %[[K]], %c4
// CHECK: %[[ROW:.*]] = arith.minui %[[AHEAD]], %c63
// CHECK: memref.prefetch %arg0[%[[ROW]], %arg2], read
// CHECK: %[[LAST:.*]] = arith.addi %arg2, %c9
// CHECK: memref.prefetch %arg0[%[[ROW]], %[[LAST]]], read
// CHECK-NOT: memref.prefetch
// CHECK: %[[AHEAD1:.*]] = arith.addi %[[K]], %c5
// CHECK: %[[ROW1:.*]] = arith.minui %[[AHEAD1]], %c63
// CHECK: memref.prefetch %arg0[%[[ROW1]], %arg2], read
// CHECK: %[[LAST1:.*]] = arith.addi %arg2, %c9
// CHECK: memref.prefetch %arg0[%[[ROW1]], %[[LAST1]]], read
// CHECK-NOT: memref.prefetch
// CHECK: scf.yield
func.func @prefetch_a_wide(%a: memref<64x512xf32>, %b: memref<64x16xf32>, %i: index, %init: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c9 = arith.constant 9 : index
  %c64 = arith.constant 64 : index
  %r:2 = scf.for %k = %c0 to %c64 step %c1 iter_args(%x = %init, %y = %init) -> (vector<16xf32>, vector<16xf32>) {
    %e0 = memref.load %a[%k, %i] : memref<64x512xf32>
    %i9 = arith.addi %i, %c9 : index
    %e9 = memref.load %a[%k, %i9] : memref<64x512xf32>
    %v = vector.load %b[%k, %c0] : memref<64x16xf32>, vector<16xf32>
    %s0 = vector.broadcast %e0 : f32 to vector<16xf32>
    %s9 = vector.broadcast %e9 : f32 to vector<16xf32>
    %f0 = vector.fma %s0, %v, %x : vector<16xf32>
    %f9 = vector.fma %s9, %v, %y : vector<16xf32>
    scf.yield %f0, %f9 : vector<16xf32>, vector<16xf32>
  }
  return %r#0, %r#1 : vector<16xf32>, vector<16xf32>
}

// The same at constant columns (a product's last row block, its offsets
// folded): 0 to 13, so the first line and the last.
// CHECK-LABEL: func.func @prefetch_a_constant
// CHECK: scf.for %[[K:[a-z0-9]*]] =
// CHECK: %[[ROW:.*]] = arith.minui
// CHECK: memref.prefetch %arg0[%[[ROW]], %c0], read
// CHECK: memref.prefetch %arg0[%[[ROW]], %c13], read
// CHECK-NOT: memref.prefetch
// CHECK: %[[ROW1:.*]] = arith.minui
// CHECK: memref.prefetch %arg0[%[[ROW1]], %c0], read
// CHECK: memref.prefetch %arg0[%[[ROW1]], %c13], read
// CHECK-NOT: memref.prefetch
// CHECK: scf.yield
func.func @prefetch_a_constant(%a: memref<64x512xf32>, %b: memref<64x16xf32>, %init: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c13 = arith.constant 13 : index
  %c64 = arith.constant 64 : index
  %r:2 = scf.for %k = %c0 to %c64 step %c1 iter_args(%x = %init, %y = %init) -> (vector<16xf32>, vector<16xf32>) {
    %e0 = memref.load %a[%k, %c0] : memref<64x512xf32>
    %e13 = memref.load %a[%k, %c13] : memref<64x512xf32>
    %v = vector.load %b[%k, %c0] : memref<64x16xf32>, vector<16xf32>
    %s0 = vector.broadcast %e0 : f32 to vector<16xf32>
    %s13 = vector.broadcast %e13 : f32 to vector<16xf32>
    %f0 = vector.fma %s0, %v, %x : vector<16xf32>
    %f13 = vector.fma %s13, %v, %y : vector<16xf32>
    scf.yield %f0, %f13 : vector<16xf32>, vector<16xf32>
  }
  return %r#0, %r#1 : vector<16xf32>, vector<16xf32>
}

// A row's maximum, accumulated in a vector of 32 lanes, is combined in a
// tree of halves (32, 16, 8, 4, 2, then 1 lane: 5 dependent maxima), not
// lane after lane, then with the accumulator.
// CHECK-LABEL: func.func @reduction_tree
// CHECK: %[[ROW:.*]] = vector.extract %arg0[0, 0] : vector<32xf32>
// CHECK: %[[L16:.*]] = vector.extract_strided_slice %[[ROW]] {offsets = [0], sizes = [16]
// CHECK: %[[H16:.*]] = vector.extract_strided_slice %[[ROW]] {offsets = [16], sizes = [16]
// CHECK: %[[M16:.*]] = arith.maximumf %[[L16]], %[[H16]] : vector<16xf32>
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK: arith.maximumf {{.*}} : vector<4xf32>
// CHECK: arith.maximumf {{.*}} : vector<2xf32>
// CHECK: %[[M1:.*]] = arith.maximumf {{.*}} : vector<1xf32>
// CHECK: %[[LANE:.*]] = vector.extract %[[M1]][0] : f32
// CHECK: %[[ACC:.*]] = vector.extract %arg1[0, 0] : f32
// CHECK: %[[M:.*]] = arith.maximumf %[[LANE]], %[[ACC]] : f32
// CHECK: %[[R:.*]] = vector.broadcast %[[M]] : f32 to vector<1x1xf32>
// CHECK: return %[[R]]
func.func @reduction_tree(%x: vector<1x1x32xf32>, %acc: vector<1x1xf32>) -> vector<1x1xf32> {
  %m = vector.multi_reduction <maximumf>, %x, %acc [2] : vector<1x1x32xf32> to vector<1x1xf32>
  return %m : vector<1x1xf32>
}

// An odd count's last lane waits beside the tree (10 = 5 + 5, then 5 =
// 2 + 2 and lane 4).
// CHECK-LABEL: func.func @reduction_tree_odd
// CHECK: %[[S5:.*]] = arith.addf {{.*}} : vector<5xf32>
// CHECK: %[[ODD:.*]] = vector.extract %[[S5]][4] : f32 from vector<5xf32>
// CHECK: arith.addf {{.*}} : vector<2xf32>
// CHECK: %[[S1:.*]] = arith.addf {{.*}} : vector<1xf32>
// CHECK: %[[LANE:.*]] = vector.extract %[[S1]][0] : f32
// CHECK: %[[T:.*]] = arith.addf %[[LANE]], %[[ODD]] : f32
// CHECK: arith.addf %[[T]], %arg1 : f32
func.func @reduction_tree_odd(%x: vector<1x10xf32>, %acc: f32) -> f32 {
  %s = vector.multi_reduction <add>, %x, %acc [0, 1] : vector<1x10xf32> to f32
  return %s : f32
}

// Up to 3 lanes, and where the result has more than one element, MLIR's
// lowering stays (a chain of lane after lane).
// CHECK-LABEL: func.func @reduction_chain
// CHECK-NOT: vector.extract_strided_slice
// CHECK: return
func.func @reduction_chain(%x: vector<1x3xf32>, %acc: vector<1xf32>, %y: vector<2x8xf32>, %acc2: vector<2xf32>) -> (vector<1xf32>, vector<2xf32>) {
  %s = vector.multi_reduction <add>, %x, %acc [1] : vector<1x3xf32> to vector<1xf32>
  %t = vector.multi_reduction <add>, %y, %acc2 [1] : vector<2x8xf32> to vector<2xf32>
  return %s, %t : vector<1xf32>, vector<2xf32>
}
