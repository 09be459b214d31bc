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
