// RUN: dl-opt %s -dl-fuse-elementwise | FileCheck %s

// A single-use producer merges into its consumer (one loop nest, no
// intermediate tensor); a producer with two uses stays, so nothing is
// computed twice (along a recurrence that would grow with every step).
#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @chain
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT: linalg.generic
func.func @chain(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  // used once: fused into %b
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.mulf %in, %in : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  // used twice: stays
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%a : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = math.exp %in : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%b : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %in : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  return %b, %c : tensor<8xf32>, tensor<8xf32>
}

// An optimizer's momentum: stored into its variable and read by the
// parameter's update. The update computes it too (a second result) and
// both stores follow it; the momentum is computed once, from the old
// momentum (its store moved after the read).
// The variables are disjoint views of the arena.
// CHECK-LABEL: func.func @stored
// CHECK-DAG: %[[WB:.*]] = memref.view %arg0[%c0{{.*}}]
// CHECK-DAG: %[[VB:.*]] = memref.view %arg0[%c32{{.*}}]
// CHECK: %[[V:.*]] = bufferization.to_tensor %[[VB]]
// CHECK: %[[R:.*]]:2 = linalg.generic {{.*}} ins(%{{.*}}, %[[V]], %{{.*}} : {{.*}}) outs(%{{.*}}, %{{.*}} : tensor<8xf32>, tensor<8xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: arith.subf
// CHECK: bufferization.materialize_in_destination %[[R]]#0 in writable %[[VB]]
// CHECK: bufferization.materialize_in_destination %[[R]]#1 in writable %[[WB]]
// CHECK-NOT: linalg.generic
func.func @stored(%arena: memref<64xi8>, %g: tensor<8xf32>) {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %wbuf = memref.view %arena[%c0][] : memref<64xi8> to memref<8xf32>
  %vbuf = memref.view %arena[%c32][] : memref<64xi8> to memref<8xf32>
  %e = tensor.empty() : tensor<8xf32>
  %v = bufferization.to_tensor %vbuf restrict : memref<8xf32> to tensor<8xf32>
  %vn = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%v, %g : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %0 = arith.mulf %a, %a : f32
    %1 = arith.addf %0, %b : f32
    linalg.yield %1 : f32
  } -> tensor<8xf32>
  bufferization.materialize_in_destination %vn in writable %vbuf : (tensor<8xf32>, memref<8xf32>) -> ()
  %w = bufferization.to_tensor %wbuf restrict : memref<8xf32> to tensor<8xf32>
  %wn = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%w, %vn : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %0 = arith.subf %a, %b : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  bufferization.materialize_in_destination %wn in writable %wbuf : (tensor<8xf32>, memref<8xf32>) -> ()
  return
}

// Not fused: the consumer loads the stored variable again (it must see
// the new value), or another store between the two writes a variable the
// producer reads.
// CHECK-LABEL: func.func @reloaded
// CHECK-COUNT-2: linalg.generic
// CHECK-LABEL: func.func @overwritten
// CHECK-COUNT-2: linalg.generic
func.func @reloaded(%vbuf: memref<8xf32>, %g: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %v = bufferization.to_tensor %vbuf restrict : memref<8xf32> to tensor<8xf32>
  %vn = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%v, %g : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %0 = arith.addf %a, %b : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  bufferization.materialize_in_destination %vn in writable %vbuf : (tensor<8xf32>, memref<8xf32>) -> ()
  %again = bufferization.to_tensor %vbuf restrict : memref<8xf32> to tensor<8xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%again, %vn : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %0 = arith.mulf %a, %b : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}
func.func @overwritten(%arena: memref<64xi8>, %u: tensor<8xf32>) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %vbuf = memref.view %arena[%c0][] : memref<64xi8> to memref<8xf32>
  %ubuf = memref.view %arena[%c32][] : memref<64xi8> to memref<8xf32>
  %e = tensor.empty() : tensor<8xf32>
  %v = bufferization.to_tensor %vbuf restrict : memref<8xf32> to tensor<8xf32>
  %x = bufferization.to_tensor %ubuf restrict : memref<8xf32> to tensor<8xf32>
  %vn = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%v, %x : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %0 = arith.addf %a, %b : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  bufferization.materialize_in_destination %vn in writable %vbuf : (tensor<8xf32>, memref<8xf32>) -> ()
  bufferization.materialize_in_destination %u in writable %ubuf : (tensor<8xf32>, memref<8xf32>) -> ()
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%vn : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = arith.mulf %a, %a : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// Not fused where it stands either: a single-use producer that reads a
// variable (q, here through a reshape) stored before its consumer: fused
// there, it would read q's new value (a fused step's gradient of p in x p
// q, after q's update). The consumer moves up to it instead, and the two
// fuse before the store (@blocked_consumer below). The same producer with
// no store between fuses.
// CHECK-LABEL: func.func @read_then_stored
// CHECK: linalg.generic {{.*}} ins(%collapsed, %arg1
// CHECK: bufferization.materialize_in_destination %{{.*}} in writable %arg0
// CHECK-NOT: linalg.generic
// CHECK-LABEL: func.func @read_not_stored
// CHECK-COUNT-1: linalg.generic
// CHECK-NOT: linalg.generic
func.func @read_then_stored(%qbuf: memref<8x1xf32>, %x: tensor<8xf32>, %qn: tensor<8x1xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %q2 = bufferization.to_tensor %qbuf restrict : memref<8x1xf32> to tensor<8x1xf32>
  %q = tensor.collapse_shape %q2 [[0, 1]] : tensor<8x1xf32> into tensor<8xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%q : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = arith.mulf %a, %a : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  bufferization.materialize_in_destination %qn in writable %qbuf : (tensor<8x1xf32>, memref<8x1xf32>) -> ()
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%s, %x : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %0 = arith.mulf %a, %b : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}
func.func @read_not_stored(%qbuf: memref<8x1xf32>, %x: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %q2 = bufferization.to_tensor %qbuf restrict : memref<8x1xf32> to tensor<8x1xf32>
  %q = tensor.collapse_shape %q2 [[0, 1]] : tensor<8x1xf32> into tensor<8xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%q : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = arith.mulf %a, %a : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%s, %x : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %0 = arith.mulf %a, %b : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// A producer read twice by its consumer (the window positions of a
// pooling) stays its own loop: the consumer, with strided reads, would
// run it as scalar code.
#even = affine_map<(d0) -> (2 * d0)>
#odd = affine_map<(d0) -> (2 * d0 + 1)>
// CHECK-LABEL: func.func @windows
// CHECK-COUNT-2: linalg.generic
func.func @windows(%x: tensor<16xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<16xf32>
  %h = tensor.empty() : tensor<8xf32>
  %zero = arith.constant 0.0 : f32
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    linalg.yield %0 : f32
  } -> tensor<16xf32>
  %p = linalg.generic {indexing_maps = [#even, #odd, #id], iterator_types = ["parallel"]} ins(%r, %r : tensor<16xf32>, tensor<16xf32>) outs(%h : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %0 = arith.maximumf %a, %b : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  return %p : tensor<8xf32>
}

// A scalar (a producer without loops: Adam's bias correction 1 - beta^t)
// stays its own op, computed once, rather than again for every element of
// its consumer; scalars still fuse with each other.
#scalar = affine_map<() -> ()>
#all = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @scalar
// CHECK: %[[S:.*]] = linalg.generic {{.*}} iterator_types = []
// CHECK: math.powf
// CHECK: arith.subf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%arg0, %[[S]] :
// CHECK-NOT: math.powf
// CHECK: arith.divf
// CHECK-NOT: linalg.generic
func.func @scalar(%x: tensor<16xf32>, %beta: tensor<f32>, %t: tensor<f32>) -> tensor<16xf32> {
  %e0 = tensor.empty() : tensor<f32>
  %e = tensor.empty() : tensor<16xf32>
  %one = arith.constant 1.0 : f32
  %pow = linalg.generic {indexing_maps = [#scalar, #scalar, #scalar], iterator_types = []} ins(%beta, %t : tensor<f32>, tensor<f32>) outs(%e0 : tensor<f32>) {
  ^bb0(%b: f32, %n: f32, %out: f32):
    %0 = math.powf %b, %n : f32
    linalg.yield %0 : f32
  } -> tensor<f32>
  %c = linalg.generic {indexing_maps = [#scalar, #scalar], iterator_types = []} ins(%pow : tensor<f32>) outs(%e0 : tensor<f32>) {
  ^bb0(%p: f32, %out: f32):
    %0 = arith.subf %one, %p : f32
    linalg.yield %0 : f32
  } -> tensor<f32>
  %r = linalg.generic {indexing_maps = [#id, #all, #id], iterator_types = ["parallel"]} ins(%x, %c : tensor<16xf32>, tensor<f32>) outs(%e : tensor<16xf32>) {
  ^bb0(%in: f32, %s: f32, %out: f32):
    %0 = arith.divf %in, %s : f32
    linalg.yield %0 : f32
  } -> tensor<16xf32>
  return %r : tensor<16xf32>
}

// A producer read broadcast along a parallel loop of a reduction (a
// layer's activations relu(h + b), summed with each row of the next
// layer's weights: dl-simplify's x @ transpose(w) at one row) stays its own
// op, computed once rather than again for every row; into an elementwise
// consumer that broadcasts it (all loops parallel), it still fuses.
#k = affine_map<(n, k) -> (k)>
#nk = affine_map<(n, k) -> (n, k)>
#n = affine_map<(n, k) -> (n)>
// CHECK-LABEL: func.func @broadcast_into_reduction
// CHECK: %[[A:.*]] = linalg.generic {{.*}} iterator_types = ["parallel"]}
// CHECK: arith.maximumf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[A]], %arg2 :
// CHECK-NOT: arith.maximumf
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]}
// CHECK: arith.maximumf
// CHECK: arith.mulf
func.func @broadcast_into_reduction(%h: tensor<8xf32>, %b: tensor<8xf32>, %w: tensor<4x8xf32>)
    -> (tensor<4xf32>, tensor<4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %a = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%h, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %0 = arith.addf %x, %y : f32
    %1 = arith.maximumf %0, %zero : f32
    linalg.yield %1 : f32
  } -> tensor<8xf32>
  %e4 = tensor.empty() : tensor<4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e4 : tensor<4xf32>) -> tensor<4xf32>
  %s = linalg.generic {indexing_maps = [#k, #nk, #n], iterator_types = ["parallel", "reduction"]} ins(%a, %w : tensor<8xf32>, tensor<4x8xf32>) outs(%f : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  } -> tensor<4xf32>
  %a2 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%h, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %0 = arith.addf %x, %y : f32
    %1 = arith.maximumf %0, %zero : f32
    linalg.yield %1 : f32
  } -> tensor<8xf32>
  %e48 = tensor.empty() : tensor<4x8xf32>
  %p = linalg.generic {indexing_maps = [#k, #nk, #nk], iterator_types = ["parallel", "parallel"]} ins(%a2, %w : tensor<8xf32>, tensor<4x8xf32>) outs(%e48 : tensor<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %0 = arith.mulf %x, %y : f32
    linalg.yield %0 : f32
  } -> tensor<4x8xf32>
  return %s, %p : tensor<4xf32>, tensor<4x8xf32>
}

// A copy (the gradient of a sum spread back over the summed axis) read by
// two reductions, the gradients of a product's two operands: each reads
// the copy's input through its map, and the copy (here [2, 4, 4, 8]) is
// never written out. The same for a copy read broadcast along a parallel
// loop of a reduction: nothing is computed again.
#bmnk = affine_map<(b, m, n, k) -> (b, m, n, k)>
#bmn0 = affine_map<(b, m, n, k) -> (b, m, n, 0)>
#b0nk = affine_map<(b, m, n, k) -> (b, 0, n, k)>
#bmk = affine_map<(b, m, n, k) -> (b, m, k)>
#bm0k = affine_map<(b, m, n, k) -> (b, m, 0, k)>
#bnk = affine_map<(b, m, n, k) -> (b, n, k)>
// CHECK-LABEL: func.func @shared_copy
// CHECK-NOT: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%arg0, %arg2 : tensor<2x4x4x1xf32>, tensor<2x1x4x8xf32>)
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "reduction", "parallel", "parallel"]} ins(%arg0, %arg1 : tensor<2x4x4x1xf32>, tensor<2x4x1x8xf32>)
// CHECK-NOT: linalg.generic
func.func @shared_copy(%g: tensor<2x4x4x1xf32>, %q: tensor<2x4x1x8xf32>, %k: tensor<2x1x4x8xf32>)
    -> (tensor<2x4x8xf32>, tensor<2x4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e4 = tensor.empty() : tensor<2x4x4x8xf32>
  %spread = linalg.generic {indexing_maps = [#bmn0, #bmnk], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g : tensor<2x4x4x1xf32>) outs(%e4 : tensor<2x4x4x8xf32>) {
  ^bb0(%x: f32, %out: f32):
    linalg.yield %x : f32
  } -> tensor<2x4x4x8xf32>
  %e3 = tensor.empty() : tensor<2x4x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e3 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %dq = linalg.generic {indexing_maps = [#bmnk, #b0nk, #bmk], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%spread, %k : tensor<2x4x4x8xf32>, tensor<2x1x4x8xf32>) outs(%f : tensor<2x4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  } -> tensor<2x4x8xf32>
  %dk = linalg.generic {indexing_maps = [#bmnk, #bm0k, #bnk], iterator_types = ["parallel", "reduction", "parallel", "parallel"]} ins(%spread, %q : tensor<2x4x4x8xf32>, tensor<2x4x1x8xf32>) outs(%f : tensor<2x4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %0 = arith.mulf %x, %y : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  } -> tensor<2x4x8xf32>
  return %dq, %dk : tensor<2x4x8xf32>, tensor<2x4x8xf32>
}

// A stored producer that its consumer reads twice, transposed once, stays
// (one fusion replaces one operand).
#ij = affine_map<(i, j) -> (i, j)>
#ji = affine_map<(i, j) -> (j, i)>
// CHECK-LABEL: func.func @stored_twice
// CHECK-COUNT-2: linalg.generic
func.func @stored_twice(%arena: memref<64xi8>, %g: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %c0 = arith.constant 0 : index
  %vbuf = memref.view %arena[%c0][] : memref<64xi8> to memref<4x4xf32>
  %e = tensor.empty() : tensor<4x4xf32>
  %v = bufferization.to_tensor %vbuf restrict : memref<4x4xf32> to tensor<4x4xf32>
  %vn = linalg.generic {indexing_maps = [#ij, #ij, #ij], iterator_types = ["parallel", "parallel"]} ins(%v, %g : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %0 = arith.addf %a, %b : f32
    linalg.yield %0 : f32
  } -> tensor<4x4xf32>
  bufferization.materialize_in_destination %vn in writable %vbuf : (tensor<4x4xf32>, memref<4x4xf32>) -> ()
  %r = linalg.generic {indexing_maps = [#ij, #ji, #ij], iterator_types = ["parallel", "parallel"]} ins(%vn, %vn : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %0 = arith.mulf %a, %b : f32
    linalg.yield %0 : f32
  } -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// A consumer that would fuse its producer but for a store between them
// into a buffer the producer reads (in a fused step, the input gradient
// sum(dY * w, axis = 0) after w's update) moves up to the producer and
// fuses there: it reads w before the store, as it would have unfused,
// and computes as the accumulate entry does.
#ab = affine_map<(n, k) -> (n, k)>
#b = affine_map<(n, k) -> (k)>
// CHECK-LABEL: func.func @blocked_consumer
// CHECK: %[[W:.*]] = bufferization.to_tensor
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} ins(%arg1, %[[W]] : tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[W]] :
// CHECK: bufferization.materialize_in_destination
// CHECK-NOT: linalg.generic
func.func @blocked_consumer(%arena: memref<128xi8>, %dy: tensor<4x8xf32>) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %e8 = tensor.empty() : tensor<8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e8 : tensor<8xf32>) -> tensor<8xf32>
  %wbuf = memref.view %arena[%c0][] : memref<128xi8> to memref<4x8xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %w = bufferization.to_tensor %wbuf restrict : memref<4x8xf32> to tensor<4x8xf32>
  %p = linalg.generic {indexing_maps = [#ab, #ab, #ab], iterator_types = ["parallel", "parallel"]} ins(%dy, %w : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %0 = arith.mulf %a, %b : f32
    linalg.yield %0 : f32
  } -> tensor<4x8xf32>
  %wn = linalg.generic {indexing_maps = [#ab, #ab], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = arith.mulf %a, %half : f32
    linalg.yield %0 : f32
  } -> tensor<4x8xf32>
  bufferization.materialize_in_destination %wn in restrict writable %wbuf : (tensor<4x8xf32>, memref<4x8xf32>) -> ()
  %s = linalg.generic {indexing_maps = [#ab, #b], iterator_types = ["reduction", "parallel"]} ins(%p : tensor<4x8xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = arith.addf %out, %a : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  return %s : tensor<8xf32>
}

// The same consumer reading the stored buffer too stays where it is, and
// so does its producer (neither reads what it would not have).
// CHECK-LABEL: func.func @blocked_consumer_reads_store
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%arg1, %{{.*}} :
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%{{.*}} :
// CHECK: bufferization.materialize_in_destination
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]}
func.func @blocked_consumer_reads_store(%arena: memref<128xi8>, %dy: tensor<4x8xf32>) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %e8 = tensor.empty() : tensor<8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e8 : tensor<8xf32>) -> tensor<8xf32>
  %wbuf = memref.view %arena[%c0][] : memref<128xi8> to memref<4x8xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %w = bufferization.to_tensor %wbuf restrict : memref<4x8xf32> to tensor<4x8xf32>
  %p = linalg.generic {indexing_maps = [#ab, #ab, #ab], iterator_types = ["parallel", "parallel"]} ins(%dy, %w : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %0 = arith.mulf %a, %b : f32
    linalg.yield %0 : f32
  } -> tensor<4x8xf32>
  %wn = linalg.generic {indexing_maps = [#ab, #ab], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = arith.mulf %a, %half : f32
    linalg.yield %0 : f32
  } -> tensor<4x8xf32>
  bufferization.materialize_in_destination %wn in restrict writable %wbuf : (tensor<4x8xf32>, memref<4x8xf32>) -> ()
  %w2 = bufferization.to_tensor %wbuf restrict : memref<4x8xf32> to tensor<4x8xf32>
  %s = linalg.generic {indexing_maps = [#ab, #ab, #b], iterator_types = ["reduction", "parallel"]} ins(%p, %w2 : tensor<4x8xf32>, tensor<4x8xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %0 = arith.addf %a, %b : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  } -> tensor<8xf32>
  return %s : tensor<8xf32>
}

// An elementwise op reading an elementwise result through a collapse_shape
// (a pooling's input gradient as cells [2, 2, 4], then the activation's
// gradient over [4, 4]) runs over the expanded shape, and the two fuse.
#cell = affine_map<(i, r, j) -> (i, j floordiv 2)>
#id3 = affine_map<(i, r, j) -> (i, r, j)>
// CHECK-LABEL: func.func @through_collapse
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<2x2xf32>, tensor<2x2x4xf32>)
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
// CHECK: tensor.collapse_shape
func.func @through_collapse(%g: tensor<2x2xf32>, %h: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %e = tensor.empty() : tensor<2x2x4xf32>
  %half = arith.constant 0.5 : f32
  %cells = linalg.generic {indexing_maps = [#cell, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g : tensor<2x2xf32>) outs(%e : tensor<2x2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.mulf %in, %half : f32
    linalg.yield %0 : f32
  } -> tensor<2x2x4xf32>
  %dx = tensor.collapse_shape %cells [[0, 1], [2]] : tensor<2x2x4xf32> into tensor<4x4xf32>
  %e2 = tensor.empty() : tensor<4x4xf32>
  %r = linalg.generic {indexing_maps = [#ij, #ij, #ij], iterator_types = ["parallel", "parallel"]} ins(%dx, %h : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e2 : tensor<4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %0 = arith.mulf %a, %b : f32
    linalg.yield %0 : f32
  } -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// A collapsed result with another use stays: the consumer keeps its shape.
// CHECK-LABEL: func.func @collapse_used_twice
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
// CHECK: tensor.collapse_shape
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
func.func @collapse_used_twice(%g: tensor<2x2xf32>, %h: tensor<4x4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>) {
  %e = tensor.empty() : tensor<2x2x4xf32>
  %half = arith.constant 0.5 : f32
  %cells = linalg.generic {indexing_maps = [#cell, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g : tensor<2x2xf32>) outs(%e : tensor<2x2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.mulf %in, %half : f32
    linalg.yield %0 : f32
  } -> tensor<2x2x4xf32>
  %dx = tensor.collapse_shape %cells [[0, 1], [2]] : tensor<2x2x4xf32> into tensor<4x4xf32>
  %e2 = tensor.empty() : tensor<4x4xf32>
  %r = linalg.generic {indexing_maps = [#ij, #ij, #ij], iterator_types = ["parallel", "parallel"]} ins(%dx, %h : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e2 : tensor<4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %0 = arith.mulf %a, %b : f32
    linalg.yield %0 : f32
  } -> tensor<4x4xf32>
  return %r, %dx : tensor<4x4xf32>, tensor<4x4xf32>
}

// A parameter's gradient added to its buffer: g + A B, the product into a
// zero fill, the sum stored back into g. The product writes into g
// itself (its blocks start from g's values), and the sum goes.
#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @accumulated
// CHECK: %[[G:.*]] = memref.view
// CHECK: %[[INIT:.*]] = bufferization.to_tensor %[[G]] restrict writable
// CHECK: %[[P:.*]] = linalg.matmul ins(%arg1, %arg2 : tensor<4x3xf32>, tensor<3x8xf32>) outs(%[[INIT]] : tensor<4x8xf32>)
// CHECK-NOT: linalg.generic
// CHECK: bufferization.materialize_in_destination %[[P]] in writable %[[G]]
func.func @accumulated(%arena: memref<256xi8>, %a: tensor<4x3xf32>, %b: tensor<3x8xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %gb = memref.view %arena[%c0][] : memref<256xi8> to memref<4x8xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %p = linalg.matmul ins(%a, %b : tensor<4x3xf32>, tensor<3x8xf32>) outs(%z : tensor<4x8xf32>) -> tensor<4x8xf32>
  %g = bufferization.to_tensor %gb restrict : memref<4x8xf32> to tensor<4x8xf32>
  %s = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%g, %p : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %0 = arith.addf %x, %y : f32
    linalg.yield %0 : f32
  } -> tensor<4x8xf32>
  bufferization.materialize_in_destination %s in writable %gb : (tensor<4x8xf32>, memref<4x8xf32>) -> ()
  return
}

// Left alone: the product's result has another use (it is stored too), the
// sum goes to another buffer, or g is loaded again before the store (the
// product would have written it by then).
// CHECK-LABEL: func.func @not_accumulated
// CHECK-NOT: restrict writable
// CHECK: arith.addf
// CHECK-NOT: restrict writable
// CHECK: arith.addf
// CHECK-NOT: restrict writable
// CHECK: arith.addf
// CHECK-NOT: restrict writable
// CHECK: return
func.func @not_accumulated(%arena: memref<512xi8>, %a: tensor<4x3xf32>, %b: tensor<3x8xf32>) -> tensor<4x8xf32> {
  %c0 = arith.constant 0 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  %c384 = arith.constant 384 : index
  %zero = arith.constant 0.0 : f32
  %gb = memref.view %arena[%c0][] : memref<512xi8> to memref<4x8xf32>
  %hb = memref.view %arena[%c128][] : memref<512xi8> to memref<4x8xf32>
  %kb = memref.view %arena[%c256][] : memref<512xi8> to memref<4x8xf32>
  %lb = memref.view %arena[%c384][] : memref<512xi8> to memref<4x8xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %p1 = linalg.matmul ins(%a, %b : tensor<4x3xf32>, tensor<3x8xf32>) outs(%z : tensor<4x8xf32>) -> tensor<4x8xf32>
  bufferization.materialize_in_destination %p1 in writable %lb : (tensor<4x8xf32>, memref<4x8xf32>) -> ()
  %g = bufferization.to_tensor %gb restrict : memref<4x8xf32> to tensor<4x8xf32>
  %s1 = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%g, %p1 : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %0 = arith.addf %x, %y : f32
    linalg.yield %0 : f32
  } -> tensor<4x8xf32>
  bufferization.materialize_in_destination %s1 in writable %gb : (tensor<4x8xf32>, memref<4x8xf32>) -> ()
  %p2 = linalg.matmul ins(%a, %b : tensor<4x3xf32>, tensor<3x8xf32>) outs(%z : tensor<4x8xf32>) -> tensor<4x8xf32>
  %h = bufferization.to_tensor %hb restrict : memref<4x8xf32> to tensor<4x8xf32>
  %s2 = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%h, %p2 : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %0 = arith.addf %x, %y : f32
    linalg.yield %0 : f32
  } -> tensor<4x8xf32>
  bufferization.materialize_in_destination %s2 in writable %kb : (tensor<4x8xf32>, memref<4x8xf32>) -> ()
  %p3 = linalg.matmul ins(%a, %b : tensor<4x3xf32>, tensor<3x8xf32>) outs(%z : tensor<4x8xf32>) -> tensor<4x8xf32>
  %again = bufferization.to_tensor %kb restrict : memref<4x8xf32> to tensor<4x8xf32>
  %k = bufferization.to_tensor %kb restrict : memref<4x8xf32> to tensor<4x8xf32>
  %s3 = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%k, %p3 : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %0 = arith.addf %x, %y : f32
    linalg.yield %0 : f32
  } -> tensor<4x8xf32>
  bufferization.materialize_in_destination %s3 in writable %kb : (tensor<4x8xf32>, memref<4x8xf32>) -> ()
  return %again : tensor<4x8xf32>
}

// A gradient cleared after the optimizer's update read it: the update
// clears it too (a third result, zero, stored into the gradient), in the
// same pass, and the fill goes. Left alone: a fill whose buffer is loaded
// again between its last reader and its store.
// CHECK-LABEL: func.func @cleared
// CHECK: %[[R:.*]]:3 = linalg.generic
// CHECK: linalg.yield %{{.*}}, %{{.*}}, %cst : f32, f32, f32
// CHECK: bufferization.materialize_in_destination %[[R]]#2 in writable %[[G:.*]] :
// CHECK: %[[F:.*]] = linalg.fill
// CHECK: bufferization.materialize_in_destination %[[F]]
func.func @cleared(%arena: memref<512xi8>) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  %c96 = arith.constant 96 : index
  %c128 = arith.constant 128 : index
  %cst = arith.constant 0.0 : f32
  %lr = arith.constant 0.5 : f32
  %wb = memref.view %arena[%c0][] : memref<512xi8> to memref<8xf32>
  %gb = memref.view %arena[%c32][] : memref<512xi8> to memref<8xf32>
  %mb = memref.view %arena[%c64][] : memref<512xi8> to memref<8xf32>
  %hb = memref.view %arena[%c96][] : memref<512xi8> to memref<8xf32>
  %kb = memref.view %arena[%c128][] : memref<512xi8> to memref<8xf32>
  %e = tensor.empty() : tensor<8xf32>
  %w = bufferization.to_tensor %wb restrict : memref<8xf32> to tensor<8xf32>
  %g = bufferization.to_tensor %gb restrict : memref<8xf32> to tensor<8xf32>
  %m = bufferization.to_tensor %mb restrict : memref<8xf32> to tensor<8xf32>
  %u:2 = linalg.generic {indexing_maps = [#id, #id, #id, #id, #id], iterator_types = ["parallel"]} ins(%w, %g, %m : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) outs(%e, %e : tensor<8xf32>, tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32, %o1: f32, %o2: f32):
    %0 = arith.addf %z, %y : f32
    %1 = arith.mulf %0, %lr : f32
    %2 = arith.subf %x, %1 : f32
    linalg.yield %0, %2 : f32, f32
  } -> (tensor<8xf32>, tensor<8xf32>)
  bufferization.materialize_in_destination %u#0 in writable %mb : (tensor<8xf32>, memref<8xf32>) -> ()
  bufferization.materialize_in_destination %u#1 in writable %wb : (tensor<8xf32>, memref<8xf32>) -> ()
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  bufferization.materialize_in_destination %z in writable %gb : (tensor<8xf32>, memref<8xf32>) -> ()
  %h = bufferization.to_tensor %hb restrict : memref<8xf32> to tensor<8xf32>
  %v = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%h : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %0 = arith.mulf %x, %lr : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  bufferization.materialize_in_destination %v in writable %kb : (tensor<8xf32>, memref<8xf32>) -> ()
  %again = bufferization.to_tensor %hb restrict : memref<8xf32> to tensor<8xf32>
  %z2 = linalg.fill ins(%cst : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  bufferization.materialize_in_destination %z2 in writable %hb : (tensor<8xf32>, memref<8xf32>) -> ()
  return %again : tensor<8xf32>
}
