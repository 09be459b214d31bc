// RUN: dl-opt %s -dl-plan-memory -split-input-file | FileCheck %s

// Temporaries become views of a scratch region after the variables (64
// bytes here): %t0 and %t1 are alive together and get disjoint space; %t2
// starts after %t0 is freed and reuses its space. The arena argument and
// dl.arena_bytes grow by the scratch size (2 x 256 bytes).
// CHECK: module attributes {dl.arena_bytes = 576 : i64}
// CHECK: func.func @entry(%[[ARENA:.*]]: memref<576xi8>
// CHECK: %[[O0:.*]] = arith.constant 64 : index
// CHECK: memref.view %[[ARENA]][%[[O0]]][] : memref<576xi8> to memref<64xf32>
// CHECK: %[[O1:.*]] = arith.constant 320 : index
// CHECK: memref.view %[[ARENA]][%[[O1]]][] : memref<576xi8> to memref<64xf32>
// CHECK: %[[O2:.*]] = arith.constant 64 : index
// CHECK: memref.view %[[ARENA]][%[[O2]]][] : memref<576xi8> to memref<64xf32>
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
module attributes {dl.arena_bytes = 64 : i64} {
  func.func @entry(%arena: memref<64xi8>, %out: memref<64xf32>) {
    %t0 = memref.alloc() : memref<64xf32>
    %t1 = memref.alloc() : memref<64xf32>
    memref.copy %t0, %t1 : memref<64xf32> to memref<64xf32>
    memref.dealloc %t0 : memref<64xf32>
    %t2 = memref.alloc() : memref<64xf32>
    memref.copy %t1, %t2 : memref<64xf32> to memref<64xf32>
    memref.dealloc %t1 : memref<64xf32>
    memref.copy %t2, %out : memref<64xf32> to memref<64xf32>
    memref.dealloc %t2 : memref<64xf32>
    return
  }
}

// -----

// Buffers live from their allocation to their last use, through views of
// them (a subview, a reshape), whatever comes after (bufferization frees
// them all at the end of the body): %v's subview is read by the copy
// after %w's, so %w (dead after its copy) and %v get disjoint space, and
// %x reuses %w's. Scratch: 2 x 256 bytes.
// CHECK-LABEL: func.func @last_use
// CHECK-SAME: %[[ARENA:.*]]: memref<576xi8>
// CHECK: %[[V:.*]] = memref.view %[[ARENA]][%c64{{.*}}][] : memref<576xi8> to memref<64xf32>
// CHECK: %[[W:.*]] = memref.view %[[ARENA]][%c320{{.*}}][] : memref<576xi8> to memref<64xf32>
// CHECK: memref.copy %[[W]], %{{.*}}
// CHECK: %[[X:.*]] = memref.view %[[ARENA]][%c320{{.*}}][] : memref<576xi8> to memref<64xf32>
module attributes {dl.arena_bytes = 64 : i64} {
  func.func @last_use(%arena: memref<64xi8>, %out: memref<64xf32>, %small: memref<8x8xf32>) {
    %v = memref.alloc() : memref<64xf32>
    %e = memref.expand_shape %v [[0, 1]] output_shape [8, 8] : memref<64xf32> into memref<8x8xf32>
    %s = memref.subview %e[0, 0] [8, 8] [1, 1] : memref<8x8xf32> to memref<8x8xf32, strided<[8, 1]>>
    %w = memref.alloc() : memref<64xf32>
    memref.copy %w, %out : memref<64xf32> to memref<64xf32>
    %x = memref.alloc() : memref<64xf32>
    memref.copy %x, %out : memref<64xf32> to memref<64xf32>
    memref.copy %s, %small : memref<8x8xf32, strided<[8, 1]>> to memref<8x8xf32>
    memref.dealloc %v : memref<64xf32>
    memref.dealloc %w : memref<64xf32>
    memref.dealloc %x : memref<64xf32>
    return
  }
}

// -----

// A buffer allocated and freed inside a loop (or branch) lives, for the
// plan, as long as the loop: it gets space disjoint from everything alive
// meanwhile (here after %a, which is alive across the loop). Allocations
// in scf.parallel loops, with dynamic shapes, or without a dealloc in the
// same block stay with malloc; a module that is not a model is left alone
// (the pass rejects nothing).
// CHECK-LABEL: func.func @loops
// CHECK-SAME: %[[ARENA:.*]]: memref<192xi8>
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: %[[A:.*]] = memref.view %[[ARENA]][%c64{{.*}}][] : memref<192xi8> to memref<16xf32>
// CHECK: scf.for
// CHECK: memref.view %[[ARENA]][%c128{{.*}}][] : memref<192xi8> to memref<4xf32>
// CHECK-NOT: memref.dealloc %{{.*}} : memref<4xf32>
// CHECK: scf.parallel
// CHECK: memref.alloc() : memref<8xf32>
// CHECK: memref.dealloc %{{.*}} : memref<8xf32>
module attributes {dl.arena_bytes = 64 : i64} {
  func.func @loops(%arena: memref<64xi8>, %n: index) {
    %d = memref.alloc(%n) : memref<?xf32>
    memref.dealloc %d : memref<?xf32>
    %a = memref.alloc() : memref<16xf32>
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %n step %c1 {
      %t = memref.alloc() : memref<4xf32>
      memref.dealloc %t : memref<4xf32>
    }
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      %t = memref.alloc() : memref<8xf32>
      memref.dealloc %t : memref<8xf32>
      scf.reduce
    }
    %z = arith.constant 0.0 : f32
    memref.store %z, %a[%c0] : memref<16xf32>
    memref.dealloc %a : memref<16xf32>
    return
  }
}

// -----

// A buffer in scf.forall loops (iterations on several threads at once)
// gets a slot per iteration: 3 x 2 iterations of 64 bytes (16 floats)
// after the 64 bytes of variables, the slot of (i, j) at 64 + (2 i + j)
// x 64; one in a loop with a dynamic bound, or whose slots would take
// more than 64 MiB (6 x 16 MiB), stays with malloc.
// CHECK-LABEL: func.func @per_iteration
// CHECK-SAME: %[[ARENA:.*]]: memref<448xi8>
// CHECK: scf.forall (%[[I:.*]], %[[J:.*]]) in (3, 2)
// CHECK-DAG: %[[I2:.*]] = arith.muli %{{.*}}, %c2
// CHECK-DAG: %[[IJ:.*]] = arith.addi %[[I2]], %{{.*}}
// CHECK: %[[BYTES:.*]] = arith.muli %[[IJ]], %c64
// CHECK: %[[AT:.*]] = arith.addi %c64{{.*}}, %[[BYTES]]
// CHECK: memref.view %[[ARENA]][%[[AT]]][] : memref<448xi8> to memref<16xf32>
// CHECK-NOT: memref.dealloc %{{.*}} : memref<16xf32>
// CHECK: scf.forall (%{{.*}}) in (%arg1)
// CHECK: memref.alloc() : memref<8xf32>
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (3, 2)
// CHECK: memref.alloc() : memref<4194304xf32>
module attributes {dl.arena_bytes = 64 : i64} {
  func.func @per_iteration(%arena: memref<64xi8>, %n: index) {
    scf.forall (%i, %j) in (3, 2) {
      %t = memref.alloc() : memref<16xf32>
      memref.dealloc %t : memref<16xf32>
    }
    scf.forall (%i) in (%n) {
      %t = memref.alloc() : memref<8xf32>
      memref.dealloc %t : memref<8xf32>
    }
    scf.forall (%i, %j) in (3, 2) {
      %t = memref.alloc() : memref<4194304xf32>
      memref.dealloc %t : memref<4194304xf32>
    }
    return
  }
}
