// RUN: dl-opt %s -dl-parallelize -split-input-file | FileCheck %s

// An entry whose large loops average fewer than min-average-work (1.5M)
// estimated element operations, with an instance arena under
// spread-bytes (4 MB), runs on the calling thread alone: its loop moves
// into a function of its own (a sequential one) and nothing reaches the
// runtime. (dl-parallelize.mlir runs the same kind of loops with
// min-average-work=0.)
// CHECK-LABEL: func.func private @small.loop0
// CHECK: scf.parallel
// CHECK-LABEL: func.func @small
// CHECK-NOT: dlrt_parallel
// CHECK: call @small.loop0
// CHECK-NOT: dlrt_parallel
module attributes {dl.arena_bytes = 4096 : i64} {
  func.func @small(%arena: memref<4096xi8>, %x: memref<64x256xf32>, %y: memref<64x256xf32>) attributes {dl.entry = "infer"} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %c256 = arith.constant 256 : index
    scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c256) step (%c1, %c1) {
      %v = memref.load %x[%i, %j] : memref<64x256xf32>
      memref.store %v, %y[%i, %j] : memref<64x256xf32>
      scf.reduce
    }
    return
  }
}

// -----

// The same loop in an instance whose arena is 4 MB or more: its data
// spreads over the threads' caches, so the loop runs on the pool.
// CHECK-LABEL: func.func private @spread.parallel0
// CHECK-LABEL: func.func @spread
// CHECK: call @dlrt_parallel
module attributes {dl.arena_bytes = 4194304 : i64} {
  func.func @spread(%arena: memref<4194304xi8>, %x: memref<64x256xf32>, %y: memref<64x256xf32>) attributes {dl.entry = "infer"} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %c256 = arith.constant 256 : index
    scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c256) step (%c1, %c1) {
      %v = memref.load %x[%i, %j] : memref<64x256xf32>
      memref.store %v, %y[%i, %j] : memref<64x256xf32>
      scf.reduce
    }
    return
  }
}

// -----

// Loops that average 1.5M or more run on the pool in any arena (one loop
// of 64 x 2^19 iterations of a copy).
// CHECK-LABEL: func.func private @large.parallel0
// CHECK-LABEL: func.func @large
// CHECK: call @dlrt_parallel
module attributes {dl.arena_bytes = 4096 : i64} {
  func.func @large(%arena: memref<4096xi8>, %x: memref<64x524288xf32>, %y: memref<64x524288xf32>) attributes {dl.entry = "infer"} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %n = arith.constant 524288 : index
    scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %n) step (%c1, %c1) {
      %v = memref.load %x[%i, %j] : memref<64x524288xf32>
      memref.store %v, %y[%i, %j] : memref<64x524288xf32>
      scf.reduce
    }
    return
  }
}
