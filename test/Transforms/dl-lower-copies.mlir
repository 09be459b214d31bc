// RUN: dl-opt %s -dl-lower-copies -split-input-file | FileCheck %s

// Strided copies become linalg.copy; contiguous ones stay memref.copy.

// CHECK-LABEL: func.func @copies
// CHECK: linalg.copy ins(%{{.*}} : memref<2x2xf32, strided<[4, 1], offset: 5>>) outs(%{{.*}} : memref<2x2xf32>)
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<2x2xf32> to memref<2x2xf32>
func.func @copies(%a: memref<4x4xf32>, %b: memref<2x2xf32>, %c: memref<2x2xf32>) {
  %s = memref.subview %a[1, 1] [2, 2] [1, 1] : memref<4x4xf32> to memref<2x2xf32, strided<[4, 1], offset: 5>>
  memref.copy %s, %b : memref<2x2xf32, strided<[4, 1], offset: 5>> to memref<2x2xf32>
  memref.copy %b, %c : memref<2x2xf32> to memref<2x2xf32>
  return
}

// -----

// An elementwise result copied into a variable is written there directly:
// the generic (which reads the variable at the same element) writes %v,
// and the temporary, the copy and its dealloc go. A later read of the
// temporary reads %v instead, up to the op that overwrites the temporary.
// A fill copied into two variables becomes a fill of each.
#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @forwarded
// CHECK-NOT: memref.copy
// CHECK: linalg.generic {{.*}} ins(%[[V:.*]], %[[G:.*]] : memref<8xf32>, memref<8xf32>) outs(%[[V]] : memref<8xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[P:.*]], %[[V]] : memref<8xf32>, memref<8xf32>) outs(%[[T:.*]] : memref<8xf32>)
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[A:.*]] : memref<8xf32>)
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[B:.*]] : memref<8xf32>)
// CHECK-NOT: memref.alloc() : memref<8xf32>
// CHECK: return
func.func @forwarded(%arena: memref<128xi8>, %g: memref<8xf32>, %p: memref<8xf32>, %out: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %v = memref.view %arena[%c0][] : memref<128xi8> to memref<8xf32>
  %a = memref.view %arena[%c32][] : memref<128xi8> to memref<8xf32>
  %b = memref.view %arena[%c64][] : memref<128xi8> to memref<8xf32>
  %t = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%v, %g : memref<8xf32>, memref<8xf32>) outs(%t : memref<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  memref.copy %t, %v : memref<8xf32> to memref<8xf32>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%p, %t : memref<8xf32>, memref<8xf32>) outs(%out : memref<8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.mulf %x, %y : f32
    linalg.yield %s : f32
  }
  memref.dealloc %t : memref<8xf32>
  %z = memref.alloc() : memref<8xf32>
  linalg.fill ins(%zero : f32) outs(%z : memref<8xf32>)
  memref.copy %z, %a : memref<8xf32> to memref<8xf32>
  memref.copy %z, %b : memref<8xf32> to memref<8xf32>
  memref.dealloc %z : memref<8xf32>
  return
}

// -----

// An optimizer update with two results (new parameter and new momentum,
// each read and written at the same element) copied into their variables:
// both are written directly. A fill copied into a variable after ops that
// read that variable still becomes a fill of it.
#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @two_results
// CHECK-NOT: memref.copy
// CHECK: linalg.generic {{.*}} ins(%[[W:.*]], %[[V:.*]], %{{.*}} : memref<8xf32>, memref<8xf32>, memref<8xf32>) outs(%[[W]], %[[V]] : memref<8xf32>, memref<8xf32>)
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[G:.*]] : memref<8xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[U:.*]] : memref<8xf32>) outs(%[[U]] : memref<8xf32>)
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[U]] : memref<8xf32>)
// CHECK-NOT: memref.copy
// CHECK: return
func.func @two_results(%arena: memref<128xi8>, %g: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  %c96 = arith.constant 96 : index
  %zero = arith.constant 0.0 : f32
  %w = memref.view %arena[%c0][] : memref<128xi8> to memref<8xf32>
  %v = memref.view %arena[%c32][] : memref<128xi8> to memref<8xf32>
  %gv = memref.view %arena[%c64][] : memref<128xi8> to memref<8xf32>
  %u = memref.view %arena[%c96][] : memref<128xi8> to memref<8xf32>
  %tw = memref.alloc() : memref<8xf32>
  %tv = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [#id, #id, #id, #id, #id], iterator_types = ["parallel"]} ins(%w, %v, %g : memref<8xf32>, memref<8xf32>, memref<8xf32>) outs(%tw, %tv : memref<8xf32>, memref<8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32, %o: f32, %p: f32):
    %m = arith.addf %b, %c : f32
    %s = arith.subf %a, %m : f32
    linalg.yield %s, %m : f32, f32
  }
  memref.copy %tw, %w : memref<8xf32> to memref<8xf32>
  memref.copy %tv, %v : memref<8xf32> to memref<8xf32>
  memref.dealloc %tw : memref<8xf32>
  memref.dealloc %tv : memref<8xf32>
  %z = memref.alloc() : memref<8xf32>
  linalg.fill ins(%zero : f32) outs(%z : memref<8xf32>)
  memref.copy %z, %gv : memref<8xf32> to memref<8xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%u : memref<8xf32>) outs(%u : memref<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.mulf %a, %a : f32
    linalg.yield %s : f32
  }
  memref.copy %z, %u : memref<8xf32> to memref<8xf32>
  memref.dealloc %z : memref<8xf32>
  return
}

// -----

// Copies stay when forwarding could change a result: the generic reads the
// target at another element (a reversal), or the target is read between
// the generic and the copy.
#id = affine_map<(d0) -> (d0)>
#rev = affine_map<(d0) -> (7 - d0)>
// CHECK-LABEL: func.func @kept
// CHECK: memref.copy
// CHECK: memref.copy
func.func @kept(%v: memref<8xf32>, %w: memref<8xf32>, %o: memref<8xf32>) {
  %t = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [#rev, #id], iterator_types = ["parallel"]} ins(%v : memref<8xf32>) outs(%t : memref<8xf32>) {
  ^bb0(%x: f32, %y: f32):
    linalg.yield %x : f32
  }
  memref.copy %t, %v : memref<8xf32> to memref<8xf32>
  memref.dealloc %t : memref<8xf32>
  %u = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%w : memref<8xf32>) outs(%u : memref<8xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.addf %x, %x : f32
    linalg.yield %s : f32
  }
  memref.copy %w, %o : memref<8xf32> to memref<8xf32>
  memref.copy %u, %w : memref<8xf32> to memref<8xf32>
  memref.dealloc %u : memref<8xf32>
  return
}

// -----

// A recurrent step's outputs saved side by side in one sequence buffer (a
// GRU's gates at step %t, columns 0-3 and 4-7): the slices the copies
// write, made after the generic, move up before it, and the generic writes
// them directly. The slices are told apart by their static columns, so
// writing one does not count as writing the other. A value saved in two
// places (%r into %seq and %other) is written into the first, and the
// second copy copies from there.
#id2 = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @side_by_side
// CHECK: %[[S0:.*]] = memref.subview %arg0[0, %arg2, 0] [2, 1, 4] [1, 1, 1]
// CHECK: %[[S1:.*]] = memref.subview %arg0[0, %arg2, 4] [2, 1, 4] [1, 1, 1]
// CHECK: linalg.generic {{.*}} outs(%[[S0]], %[[S1]] : memref<2x4xf32, strided<[24, 1], offset: ?>>, memref<2x4xf32, strided<[24, 1], offset: ?>>)
// CHECK-NOT: memref.alloc
// CHECK: %[[O:.*]] = memref.subview %arg3[0, %arg2, 0] [2, 1, 4] [1, 1, 1]
// CHECK: linalg.copy ins(%[[S0]] : {{.*}}) outs(%[[O]] : {{.*}})
// CHECK-NOT: copy
// CHECK: return
func.func @side_by_side(%seq: memref<2x3x8xf32>, %x: memref<2x4xf32>, %t: index, %other: memref<2x3x4xf32>) {
  %r = memref.alloc() : memref<2x4xf32>
  %z = memref.alloc() : memref<2x4xf32>
  linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : memref<2x4xf32>) outs(%r, %z : memref<2x4xf32>, memref<2x4xf32>) {
  ^bb0(%a: f32, %o1: f32, %o2: f32):
    %e = math.exp %a : f32
    %n = arith.negf %a : f32
    linalg.yield %e, %n : f32, f32
  }
  %s0 = memref.subview %seq[0, %t, 0] [2, 1, 4] [1, 1, 1] : memref<2x3x8xf32> to memref<2x4xf32, strided<[24, 1], offset: ?>>
  memref.copy %r, %s0 : memref<2x4xf32> to memref<2x4xf32, strided<[24, 1], offset: ?>>
  %s1 = memref.subview %seq[0, %t, 4] [2, 1, 4] [1, 1, 1] : memref<2x3x8xf32> to memref<2x4xf32, strided<[24, 1], offset: ?>>
  memref.copy %z, %s1 : memref<2x4xf32> to memref<2x4xf32, strided<[24, 1], offset: ?>>
  %o = memref.subview %other[0, %t, 0] [2, 1, 4] [1, 1, 1] : memref<2x3x4xf32> to memref<2x4xf32, strided<[12, 1], offset: ?>>
  memref.copy %r, %o : memref<2x4xf32> to memref<2x4xf32, strided<[12, 1], offset: ?>>
  memref.dealloc %r : memref<2x4xf32>
  memref.dealloc %z : memref<2x4xf32>
  return
}

// -----

// Slices that may overlap are not told apart: here %s1 starts at a
// dynamic column, so the generic's other output (%s0's slot, written in
// place already) may be where %z goes, and %z stays a temporary copied
// after the generic.
#id3 = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @maybe_overlapping
// CHECK: %[[Z:.*]] = memref.alloc() : memref<2x4xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}}, %[[Z]] :
// CHECK: linalg.copy ins(%[[Z]] : memref<2x4xf32>)
func.func @maybe_overlapping(%seq: memref<2x3x8xf32>, %x: memref<2x4xf32>, %t: index, %c: index) {
  %s0 = memref.subview %seq[0, %t, 0] [2, 1, 4] [1, 1, 1] : memref<2x3x8xf32> to memref<2x4xf32, strided<[24, 1], offset: ?>>
  %z = memref.alloc() : memref<2x4xf32>
  linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel"]} ins(%x : memref<2x4xf32>) outs(%s0, %z : memref<2x4xf32, strided<[24, 1], offset: ?>>, memref<2x4xf32>) {
  ^bb0(%a: f32, %o1: f32, %o2: f32):
    %e = math.exp %a : f32
    %n = arith.negf %a : f32
    linalg.yield %e, %n : f32, f32
  }
  %s1 = memref.subview %seq[0, %t, %c] [2, 1, 4] [1, 1, 1] : memref<2x3x8xf32> to memref<2x4xf32, strided<[24, 1], offset: ?>>
  memref.copy %z, %s1 : memref<2x4xf32> to memref<2x4xf32, strided<[24, 1], offset: ?>>
  memref.dealloc %z : memref<2x4xf32>
  return
}

// -----

// A slice made of a value defined after the generic cannot move up before
// it: the copy stays.
#id4 = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @slice_defined_late
// CHECK: linalg.generic {{.*}} outs(%[[T:.*]] : memref<4xf32>)
// CHECK: arith.addi
// CHECK: linalg.copy ins(%[[T]] : memref<4xf32>)
func.func @slice_defined_late(%buf: memref<8xf32>, %x: memref<4xf32>, %i: index) {
  %t = memref.alloc() : memref<4xf32>
  linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel"]} ins(%x : memref<4xf32>) outs(%t : memref<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  %c1 = arith.constant 1 : index
  %j = arith.addi %i, %c1 : index
  %s = memref.subview %buf[%j] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: ?>>
  memref.copy %t, %s : memref<4xf32> to memref<4xf32, strided<[1], offset: ?>>
  memref.dealloc %t : memref<4xf32>
  return
}

// -----

// A value saved in two places that overlap (columns 0-3 and 2-5 of one
// buffer) stays a temporary copied twice: copying the first place into
// the second would read what that copy writes.
#id5 = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @overlapping_places
// CHECK: %[[T:.*]] = memref.alloc() : memref<4xf32>
// CHECK: linalg.generic {{.*}} outs(%[[T]] : memref<4xf32>)
// CHECK: memref.copy %[[T]], %{{.*}} : memref<4xf32> to memref<4xf32, strided<[1]>>
// CHECK: linalg.copy ins(%[[T]] : memref<4xf32>)
func.func @overlapping_places(%buf: memref<8xf32>, %x: memref<4xf32>) {
  %t = memref.alloc() : memref<4xf32>
  linalg.generic {indexing_maps = [#id5, #id5], iterator_types = ["parallel"]} ins(%x : memref<4xf32>) outs(%t : memref<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  %s0 = memref.subview %buf[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
  memref.copy %t, %s0 : memref<4xf32> to memref<4xf32, strided<[1]>>
  %s1 = memref.subview %buf[2] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 2>>
  memref.copy %t, %s1 : memref<4xf32> to memref<4xf32, strided<[1], offset: 2>>
  memref.dealloc %t : memref<4xf32>
  return
}
