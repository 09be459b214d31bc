// RUN: dl-opt %s -dl-parallelize=min-average-work=0 -split-input-file | FileCheck %s
// RUN: dl-opt %s "-dl-parallelize=outline-sequential=false min-average-work=0" -split-input-file | FileCheck %s --check-prefix=INLINE

// A large loop of an entry runs on the thread pool: its body moves into
// the task `@big.parallel0(ctx, lo, hi)`, which runs rows [lo, hi) of the
// first dimension and every column; the buffers and the scalar it reads
// travel in a context struct on the entry's stack (a memref of static
// shape and layout as its aligned pointer, from which the task rebuilds
// the descriptor with constants); constants are cloned into the task. The
// entry calls
// dlrt_parallel with its arena (where the runtime finds the instance's
// threads), the 64 rows, the task and the context.
// CHECK-LABEL: func.func private @big.parallel0
// CHECK-SAME: (%[[CTX:.*]]: !llvm.ptr, %[[LO:.*]]: i64, %[[HI:.*]]: i64)
// CHECK: %[[ALL:.*]] = llvm.load %[[CTX]] : !llvm.ptr -> !llvm.struct<(ptr, f32, ptr)>
// CHECK: %[[XP:.*]] = llvm.extractvalue %[[ALL]][0]
// CHECK: %[[XD0:.*]] = llvm.insertvalue %[[XP]], %{{.*}}[0]
// CHECK: %[[XD1:.*]] = llvm.insertvalue %[[XP]], %[[XD0]][1]
// CHECK: %[[OFF:.*]] = llvm.mlir.constant(0 : index) : i64
// CHECK: llvm.insertvalue %[[OFF]], %[[XD1]][2]
// CHECK: %[[ROWS:.*]] = llvm.mlir.constant(64 : index) : i64
// CHECK: llvm.insertvalue %[[ROWS]], %{{.*}}[3, 0]
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1 : index) : i64
// CHECK: %[[XD:.*]] = llvm.insertvalue %[[ONE]], %{{.*}}[4, 1]
// CHECK: %[[X:.*]] = builtin.unrealized_conversion_cast %[[XD]] : {{.*}} to memref<64x256xf32>
// CHECK: %[[S:.*]] = llvm.extractvalue %[[ALL]][1]
// CHECK: %[[YP:.*]] = llvm.extractvalue %[[ALL]][2]
// CHECK: llvm.insertvalue %[[YP]], %{{.*}}[0]
// CHECK: %[[YD:.*]] = llvm.insertvalue %{{.*}}[4, 1]
// CHECK: %[[Y:.*]] = builtin.unrealized_conversion_cast %[[YD]] : {{.*}} to memref<64x256xf32>
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[L:.*]] = arith.index_cast %[[LO]] : i64 to index
// CHECK: %[[H:.*]] = arith.index_cast %[[HI]] : i64 to index
// CHECK: %[[LM:.*]] = arith.muli %[[L]], %[[C1]]
// CHECK: %[[FIRST:.*]] = arith.addi %[[C0]], %[[LM]]
// CHECK: %[[HM:.*]] = arith.muli %[[H]], %[[C1]]
// CHECK: %[[END:.*]] = arith.addi %[[C0]], %[[HM]]
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = (%[[FIRST]], %[[C0]]) to (%[[END]], %[[C256]])
// CHECK: memref.load %[[X]][%[[I]], %[[J]]]
// CHECK: arith.mulf %{{.*}}, %[[S]]
// CHECK: memref.store %{{.*}}, %[[Y]][%[[I]], %[[J]]]
// CHECK: return
// CHECK-LABEL: func.func @big
// CHECK: %[[P:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK: %[[PI:.*]] = arith.index_cast %[[P]] : index to i64
// CHECK: %[[ARENA:.*]] = llvm.inttoptr %[[PI]]
// CHECK: %[[CONTEXT:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(ptr, f32, ptr)>
// CHECK: %[[U:.*]] = llvm.mlir.undef
// CHECK: %[[XC:.*]] = builtin.unrealized_conversion_cast %arg1 : memref<64x256xf32> to !llvm.struct
// CHECK: %[[XA:.*]] = llvm.extractvalue %[[XC]][1]
// CHECK: %[[U1:.*]] = llvm.insertvalue %[[XA]], %[[U]][0]
// CHECK: %[[U2:.*]] = llvm.insertvalue %arg3, %[[U1]][1]
// CHECK: %[[YC:.*]] = builtin.unrealized_conversion_cast %arg2
// CHECK: %[[YA:.*]] = llvm.extractvalue %[[YC]][1]
// CHECK: %[[U3:.*]] = llvm.insertvalue %[[YA]], %[[U2]][2]
// CHECK: llvm.store %[[U3]], %[[CONTEXT]]
// CHECK: %[[TASK:.*]] = constant @big.parallel0 : (!llvm.ptr, i64, i64) -> ()
// CHECK: %[[N:.*]] = arith.constant 64 : i64
// CHECK: call @dlrt_parallel(%[[ARENA]], %[[N]], %[[TASK]], %[[CONTEXT]])
// CHECK-NOT: scf.parallel
// CHECK: return
// CHECK: func.func private @dlrt_parallel(!llvm.ptr, i64, (!llvm.ptr, i64, i64) -> (), !llvm.ptr)
module attributes {dl.arena_bytes = 4096 : i64} {
  func.func @big(%arena: memref<4096xi8>, %x: memref<64x256xf32>, %y: memref<64x256xf32>, %s: f32) attributes {dl.entry = "infer"} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %c256 = arith.constant 256 : index
    scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c256) step (%c1, %c1) {
      %v = memref.load %x[%i, %j] : memref<64x256xf32>
      %w = arith.mulf %v, %s : f32
      memref.store %w, %y[%i, %j] : memref<64x256xf32>
      scf.reduce
    }
    return
  }
}

// -----

// An entry marked dl.alternate_loops (dl-tile-and-vectorize: it streams a
// matrix larger than L2 in every call) hands its loops to
// dlrt_parallel_alternating, which runs them last-first on every other
// call; its unmarked neighbour keeps dlrt_parallel.
// CHECK-LABEL: func.func @streams
// CHECK: call @dlrt_parallel_alternating(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (!llvm.ptr, i64, (!llvm.ptr, i64, i64) -> (), !llvm.ptr) -> ()
// CHECK-LABEL: func.func @plain
// CHECK: call @dlrt_parallel(
// CHECK-DAG: func.func private @dlrt_parallel_alternating(!llvm.ptr, i64, (!llvm.ptr, i64, i64) -> (), !llvm.ptr)
// CHECK-DAG: func.func private @dlrt_parallel(!llvm.ptr, i64, (!llvm.ptr, i64, i64) -> (), !llvm.ptr)
module attributes {dl.arena_bytes = 4096 : i64} {
  func.func @streams(%arena: memref<4096xi8>, %y: memref<64x256xf32>, %s: f32) attributes {dl.entry = "infer", dl.alternate_loops} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %c256 = arith.constant 256 : index
    scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c256) step (%c1, %c1) {
      memref.store %s, %y[%i, %j] : memref<64x256xf32>
      scf.reduce
    }
    return
  }
  func.func @plain(%arena: memref<4096xi8>, %y: memref<64x256xf32>, %s: f32) attributes {dl.entry = "eval"} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %c256 = arith.constant 256 : index
    scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c256) step (%c1, %c1) {
      %t = arith.addf %s, %s : f32
      memref.store %t, %y[%i, %j] : memref<64x256xf32>
      scf.reduce
    }
    return
  }
}

// -----

// A leading dimension of one iteration is skipped: threads share the 4096
// columns (by 2) of the second. A loop nested in a shared one stays inside
// its task. No value but the buffer crosses, so the loop's bounds come
// from cloned constants.
// CHECK-LABEL: func.func private @row.parallel0
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[L:.*]] = arith.index_cast %arg1 : i64 to index
// CHECK: %[[LM:.*]] = arith.muli %[[L]], %[[C2]]
// CHECK: %[[FIRST:.*]] = arith.addi %[[C0]], %[[LM]]
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%[[C0]], %[[FIRST]])
// CHECK: scf.parallel
// CHECK-LABEL: func.func @row
// CHECK: arith.constant 2048 : i64
// CHECK: call @dlrt_parallel
module attributes {dl.arena_bytes = 64 : i64} {
  func.func @row(%arena: memref<64xi8>, %y: memref<1x4096x8xf32>) attributes {dl.entry = "infer"} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c8 = arith.constant 8 : index
    %c4096 = arith.constant 4096 : index
    %zero = arith.constant 0.0 : f32
    scf.parallel (%i, %j) = (%c0, %c0) to (%c1, %c4096) step (%c1, %c2) {
      scf.parallel (%k) = (%c0) to (%c8) step (%c1) {
        memref.store %zero, %y[%i, %j, %k] : memref<1x4096x8xf32>
        scf.reduce
      }
      scf.reduce
    }
    return
  }
}

// -----

// The loops of an entry run one after the other, so their contexts share
// one stack slot, as large as the largest (two pointers here, after one).
// CHECK-LABEL: func.func @two
// CHECK: %[[SLOT:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(ptr, ptr)> {alignment = 64 : i64}
// CHECK-NOT: llvm.alloca
// CHECK: llvm.store %{{.*}}, %[[SLOT]] : !llvm.struct<(ptr)>
// CHECK: call @dlrt_parallel(%{{.*}}, %{{.*}}, %{{.*}}, %[[SLOT]])
// CHECK: llvm.store %{{.*}}, %[[SLOT]] : !llvm.struct<(ptr, ptr)>
// CHECK: call @dlrt_parallel(%{{.*}}, %{{.*}}, %{{.*}}, %[[SLOT]])
module attributes {dl.arena_bytes = 64 : i64} {
  func.func @two(%arena: memref<64xi8>, %x: memref<65536xf32>, %y: memref<65536xf32>) attributes {dl.entry = "infer"} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant 65536 : index
    %zero = arith.constant 0.0 : f32
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      memref.store %zero, %x[%i] : memref<65536xf32>
      scf.reduce
    }
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      %v = memref.load %x[%i] : memref<65536xf32>
      memref.store %v, %y[%i] : memref<65536xf32>
      scf.reduce
    }
    return
  }
}

// -----

// The same loop in two entries (a forward layer of infer and eval) is one
// task, outlined once and called from both; a different loop is its own.
// CHECK-LABEL: func.func private @first.parallel0
// CHECK-NOT: func.func private @second.parallel0
// CHECK-LABEL: func.func @first
// CHECK: constant @first.parallel0
// CHECK-LABEL: func.func private @second.parallel1
// CHECK-LABEL: func.func @second
// CHECK: constant @first.parallel0
// CHECK: constant @second.parallel1
module attributes {dl.arena_bytes = 64 : i64} {
  func.func @first(%arena: memref<64xi8>, %x: memref<65536xf32>, %y: memref<65536xf32>) attributes {dl.entry = "infer"} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant 65536 : index
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      %v = memref.load %x[%i] : memref<65536xf32>
      %r = arith.negf %v : f32
      memref.store %r, %y[%i] : memref<65536xf32>
      scf.reduce
    }
    return
  }
  func.func @second(%arena: memref<64xi8>, %x: memref<65536xf32>, %y: memref<65536xf32>) attributes {dl.entry = "eval"} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant 65536 : index
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      %v = memref.load %x[%i] : memref<65536xf32>
      %r = arith.negf %v : f32
      memref.store %r, %y[%i] : memref<65536xf32>
      scf.reduce
    }
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      %v = memref.load %y[%i] : memref<65536xf32>
      %r = math.absf %v : f32
      memref.store %r, %x[%i] : memref<65536xf32>
      scf.reduce
    }
    return
  }
}

// -----

// Loops stay sequential when they are small (64 iterations of one store),
// have dynamic bounds, or reduce; so do the loops of functions that are
// not entries. The first two still move into functions of their own,
// called directly and never inlined (the dynamic bound crosses in the
// context as an i64); the reduction, which has a result, stays in place.
// CHECK-LABEL: func.func private @stays.loop0
// CHECK-SAME: (%{{.*}}: !llvm.ptr) attributes {passthrough = ["noinline"]}
// CHECK: scf.parallel
// CHECK-LABEL: func.func private @stays.loop1
// CHECK: %[[N:.*]] = llvm.extractvalue %{{.*}}[1]
// CHECK: %[[NI:.*]] = builtin.unrealized_conversion_cast %[[N]] : i64 to index
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[NI]])
// CHECK-LABEL: func.func @stays
// CHECK-NOT: dlrt_parallel
// CHECK: call @stays.loop0(%{{.*}}) : (!llvm.ptr) -> ()
// CHECK: call @stays.loop1(%{{.*}}) : (!llvm.ptr) -> ()
// CHECK: scf.parallel
// CHECK: scf.reduce
// CHECK: return
// CHECK-LABEL: func.func @helper
// CHECK-NOT: dlrt_parallel
// CHECK-NOT: call
// CHECK: scf.parallel
module attributes {dl.arena_bytes = 64 : i64} {
  func.func @stays(%arena: memref<64xi8>, %y: memref<64xf32>, %z: memref<?xf32>, %n: index) -> f32 attributes {dl.entry = "infer"} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %c100000 = arith.constant 100000 : index
    %zero = arith.constant 0.0 : f32
    scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
      memref.store %zero, %y[%i] : memref<64xf32>
      scf.reduce
    }
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      memref.store %zero, %z[%i] : memref<?xf32>
      scf.reduce
    }
    %sum = scf.parallel (%i) = (%c0) to (%c100000) step (%c1) init (%zero) -> f32 {
      %v = memref.load %z[%i] : memref<?xf32>
      scf.reduce(%v : f32) {
      ^bb0(%a: f32, %b: f32):
        %s = arith.addf %a, %b : f32
        scf.reduce.return %s : f32
      }
    }
    return %sum : f32
  }
  func.func @helper(%arena: memref<64xi8>, %z: memref<100000xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c100000 = arith.constant 100000 : index
    %zero = arith.constant 0.0 : f32
    scf.parallel (%i) = (%c0) to (%c100000) step (%c1) {
      memref.store %zero, %z[%i] : memref<100000xf32>
      scf.reduce
    }
    return
  }
}

// -----

// A sequential loop that holds a shared loop (an outer loop of two steps
// around one large enough for the threads) moves into its own function
// after the shared loop became a call of the runtime: the arena pointer
// and the context slot cross into it, and it packs the shared loop's
// context into the same slot (it loaded its own first). A global buffer
// (a constant the loads read) is not packed but fetched again inside, so
// that LLVM still sees the constant. With outline-sequential=false, the
// outer loop stays in the entry.
// CHECK-LABEL: func.func private @outer.parallel0
// CHECK-LABEL: func.func private @outer.loop0
// CHECK-SAME: attributes {passthrough = ["noinline"]}
// CHECK: %[[ALL:.*]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.struct<(ptr, ptr, ptr)>
// CHECK-DAG: %[[SLOT:.*]] = llvm.extractvalue %[[ALL]][1]
// CHECK-DAG: %[[ARENA:.*]] = llvm.extractvalue %[[ALL]][2]
// CHECK-DAG: %[[T:.*]] = memref.get_global @table : memref<65536xf32>
// CHECK: scf.for %[[K:.*]] =
// CHECK: memref.load %[[T]][%[[K]]]
// CHECK: llvm.store %{{.*}}, %[[SLOT]]
// CHECK: call @dlrt_parallel(%[[ARENA]], %{{.*}}, %{{.*}}, %[[SLOT]])
// CHECK-LABEL: func.func @outer
// CHECK: %[[SLOT0:.*]] = llvm.alloca
// CHECK: llvm.store %{{.*}}, %[[SLOT0]]
// CHECK: call @outer.loop0(%[[SLOT0]])
// CHECK-NOT: scf.for
// INLINE-LABEL: func.func @outer
// INLINE: scf.for
// INLINE: call @dlrt_parallel
module attributes {dl.arena_bytes = 64 : i64} {
  memref.global "private" constant @table : memref<65536xf32> = dense<0.0>
  func.func @outer(%arena: memref<64xi8>, %y: memref<65536xf32>) attributes {dl.entry = "infer"} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %n = arith.constant 65536 : index
    %t = memref.get_global @table : memref<65536xf32>
    scf.for %k = %c0 to %c2 step %c1 {
      %v = memref.load %t[%k] : memref<65536xf32>
      scf.parallel (%i) = (%c0) to (%n) step (%c1) {
        %w = memref.load %y[%i] : memref<65536xf32>
        %s = arith.addf %v, %w : f32
        memref.store %s, %y[%i] : memref<65536xf32>
        scf.reduce
      }
    }
    return
  }
}

// -----

// Work counts elements: 512 iterations of a load, an add and a store of
// 32-lane vectors are 49152 element operations, enough for the threads
// (as 1536 operations they would stay sequential).
// CHECK-LABEL: func.func private @lanes.parallel0
// CHECK: vector.load
// CHECK-LABEL: func.func @lanes
// CHECK: arith.constant 512 : i64
// CHECK: call @dlrt_parallel
module attributes {dl.arena_bytes = 64 : i64} {
  func.func @lanes(%arena: memref<64xi8>, %x: memref<512x32xf32>) attributes {dl.entry = "infer"} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant 512 : index
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      %v = vector.load %x[%i, %c0] : memref<512x32xf32>, vector<32xf32>
      %w = arith.addf %v, %v : vector<32xf32>
      vector.store %w, %x[%i, %c0] : memref<512x32xf32>, vector<32xf32>
      scf.reduce
    }
    return
  }
}

// -----

// A memref whose layout is not static (a view at a dynamic offset) crosses
// as its whole descriptor.
// CHECK-LABEL: func.func private @view.parallel0
// CHECK: %[[ALL:.*]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.struct<(struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>)>
// CHECK: %[[VD:.*]] = llvm.extractvalue %[[ALL]][0]
// CHECK: builtin.unrealized_conversion_cast %[[VD]] : {{.*}} to memref<65536xf32, strided<[1], offset: ?>>
// CHECK-LABEL: func.func @view
// CHECK: %[[VC:.*]] = builtin.unrealized_conversion_cast %{{.*}} : memref<65536xf32, strided<[1], offset: ?>> to !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
// CHECK: llvm.insertvalue %[[VC]], %{{.*}}[0]
module attributes {dl.arena_bytes = 64 : i64} {
  func.func @view(%arena: memref<64xi8>, %x: memref<131072xf32>, %at: index) attributes {dl.entry = "infer"} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = arith.constant 65536 : index
    %zero = arith.constant 0.0 : f32
    %v = memref.subview %x[%at] [65536] [1] : memref<131072xf32> to memref<65536xf32, strided<[1], offset: ?>>
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      memref.store %zero, %v[%i] : memref<65536xf32, strided<[1], offset: ?>>
      scf.reduce
    }
    return
  }
}
