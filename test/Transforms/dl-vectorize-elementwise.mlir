// RUN: dl-opt %s -dl-vectorize-elementwise | FileCheck %s
// RUN: dl-opt %s -dl-vectorize-elementwise=vector-width=16 | FileCheck %s --check-prefix=W16

#id4 = affine_map<(a, b, c, d) -> (a, b, c, d)>
#bias = affine_map<(a, b, c, d) -> (b, 0, 0)>
#id2 = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (j)>
#col = affine_map<(i, j) -> (i)>
#tr = affine_map<(i, j) -> (j, i)>
#id1 = affine_map<(i) -> (i)>
#scalar = affine_map<(i) -> ()>

// An activation: the four loops are one (every operand is contiguous),
// four vectors per step.
// CHECK-LABEL: func.func @activation
// CHECK-DAG: %[[X:.*]] = memref.collapse_shape %arg0 {{\[\[}}0, 1, 2, 3]] : memref<4x6x28x28xf32> into memref<18816xf32>
// CHECK-DAG: %[[Y:.*]] = memref.collapse_shape %arg1 {{\[\[}}0, 1, 2, 3]] : memref<4x6x28x28xf32> into memref<18816xf32>
// CHECK: scf.forall (%[[I:.*]]) = (0) to (18816) step (32) {
// CHECK: %[[V:.*]] = vector.transfer_read %[[X]][%[[I]]]{{.*}} : memref<18816xf32>, vector<32xf32>
// CHECK: %[[R:.*]] = arith.maximumf %[[V]], %{{.*}} : vector<32xf32>
// CHECK: vector.transfer_write %[[R]], %[[Y]][%[[I]]]{{.*}} : vector<32xf32>, memref<18816xf32>
// CHECK-NOT: linalg.generic
func.func @activation(%x: memref<4x6x28x28xf32>, %y: memref<4x6x28x28xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<4x6x28x28xf32>) outs(%y : memref<4x6x28x28xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// Fewer vectors per step for bodies that keep more values live: two
// operands and an exp (estimated 5 live values) take two vectors per
// step; seven operands and two tanh (13) one with AVX-512's 16 lanes,
// which keeps them all in registers, but two with AVX2's 8 (a body that
// expands two functions or more: two chains of dependent instructions at
// once); nine operands and one tanh (12) one vector with either.
// CHECK-LABEL: func.func @live_values
// CHECK: scf.forall (%{{.*}}) = (0) to (1024) step (16)
// CHECK: math.exp {{.*}} : vector<16xf32>
// CHECK: scf.forall (%{{.*}}) = (0) to (1024) step (16)
// CHECK: math.tanh {{.*}} : vector<16xf32>
// CHECK: scf.forall (%{{.*}}) = (0) to (1024) step (8)
// CHECK: math.tanh {{.*}} : vector<8xf32>
// W16-LABEL: func.func @live_values
// W16: scf.forall (%{{.*}}) = (0) to (1024) step (32)
// W16: math.exp {{.*}} : vector<32xf32>
// W16: scf.forall (%{{.*}}) = (0) to (1024) step (16)
// W16: math.tanh {{.*}} : vector<16xf32>
// W16: scf.forall (%{{.*}}) = (0) to (1024) step (16)
// W16: math.tanh {{.*}} : vector<16xf32>
func.func @live_values(%a: memref<1024xf32>, %b: memref<1024xf32>, %c: memref<1024xf32>,
                       %d: memref<1024xf32>, %e: memref<1024xf32>, %f: memref<1024xf32>,
                       %g: memref<1024xf32>, %h: memref<1024xf32>,
                       %y: memref<1024xf32>) {
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%a : memref<1024xf32>) outs(%y : memref<1024xf32>) {
  ^bb0(%x: f32, %out: f32):
    %r = math.exp %x : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id1, #id1, #id1, #id1, #id1, #id1, #id1], iterator_types = ["parallel"]}
      ins(%a, %b, %c, %d, %e, %f : memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<1024xf32>) outs(%y : memref<1024xf32>) {
  ^bb0(%x0: f32, %x1: f32, %x2: f32, %x3: f32, %x4: f32, %x5: f32, %out: f32):
    %t0 = math.tanh %x0 : f32
    %t1 = math.tanh %x1 : f32
    %s0 = arith.mulf %t0, %x2 : f32
    %s1 = arith.mulf %t1, %x3 : f32
    %s2 = arith.addf %s0, %s1 : f32
    %s3 = arith.mulf %x4, %x5 : f32
    %r = arith.addf %s2, %s3 : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id1, #id1, #id1, #id1, #id1, #id1, #id1, #id1, #id1], iterator_types = ["parallel"]}
      ins(%a, %b, %c, %d, %e, %f, %g, %h : memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<1024xf32>, memref<1024xf32>) outs(%y : memref<1024xf32>) {
  ^bb0(%x0: f32, %x1: f32, %x2: f32, %x3: f32, %x4: f32, %x5: f32, %x6: f32, %x7: f32, %out: f32):
    %t0 = math.tanh %x0 : f32
    %s0 = arith.mulf %t0, %x1 : f32
    %s1 = arith.mulf %x2, %x3 : f32
    %s2 = arith.mulf %x4, %x5 : f32
    %s3 = arith.mulf %x6, %x7 : f32
    %s4 = arith.addf %s0, %s1 : f32
    %s5 = arith.addf %s2, %s3 : f32
    %r = arith.addf %s4, %s5 : f32
    linalg.yield %r : f32
  }
  return
}

// A bias of shape [C, 1, 1] added to every pixel: read through a view
// without its unit dimensions, broadcast along the pixels, which are one
// loop; the channel loop stays.
// CHECK-LABEL: func.func @bias
// CHECK-DAG: %[[B:.*]] = memref.collapse_shape %arg1 {{\[\[}}0, 1, 2]] : memref<6x1x1xf32> into memref<6xf32>
// CHECK-DAG: %[[X:.*]] = memref.collapse_shape %arg0 {{\[\[}}0], [1], [2, 3]] : memref<4x6x28x28xf32> into memref<4x6x784xf32>
// CHECK: scf.forall (%[[N:.*]], %[[C:.*]], %[[P:.*]]) = (0, 0, 0) to (4, 6, 784) step (1, 1, 16) {
// CHECK: vector.transfer_read %[[X]][%[[N]], %[[C]], %[[P]]]{{.*}} : memref<4x6x784xf32>, vector<16xf32>
// CHECK: vector.transfer_read %[[B]][%[[C]]]{{.*}}permutation_map{{.*}} : memref<6xf32>, vector<16xf32>
// CHECK: arith.addf {{.*}} : vector<16xf32>
// CHECK-NOT: linalg.generic
func.func @bias(%x: memref<4x6x28x28xf32>, %b: memref<6x1x1xf32>, %y: memref<4x6x28x28xf32>) {
  linalg.generic {indexing_maps = [#id4, #bias, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %b : memref<4x6x28x28xf32>, memref<6x1x1xf32>) outs(%y : memref<4x6x28x28xf32>) {
  ^bb0(%in: f32, %c: f32, %out: f32):
    %r = arith.addf %in, %c : f32
    linalg.yield %r : f32
  }
  return
}

// The same bias along the channels of an NHWC tensor (a pooling with bias
// and relu of a channels-last convolution's result, before its transpose
// back): the channels are the contiguous, vectorized loop, and the bias a
// plain vector of them.
#nhwc_bias = affine_map<(a, b, c, d) -> (d, 0, 0)>
// CHECK-LABEL: func.func @bias_channels_last
// CHECK-DAG: %[[B:.*]] = memref.collapse_shape %arg1 {{\[\[}}0, 1, 2]] : memref<16x1x1xf32> into memref<16xf32>
// CHECK: scf.forall
// CHECK: %[[V:.*]] = vector.transfer_read %[[B]][%{{.*}}]{{.*}} : memref<16xf32>, vector<16xf32>
// CHECK: arith.addf %{{.*}}, %[[V]] : vector<16xf32>
// CHECK-NOT: linalg.generic
func.func @bias_channels_last(%x: memref<4x5x5x16xf32>, %b: memref<16x1x1xf32>, %y: memref<4x5x5x16xf32>) {
  linalg.generic {indexing_maps = [#id4, #nhwc_bias, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %b : memref<4x5x5x16xf32>, memref<16x1x1xf32>) outs(%y : memref<4x5x5x16xf32>) {
  ^bb0(%in: f32, %c: f32, %out: f32):
    %r = arith.addf %in, %c : f32
    linalg.yield %r : f32
  }
  return
}

// Rows of 84 with a broadcast row and column, one row per step: its first
// 80 columns are vectors of 16, then its last 4 one vector of 4 (half a
// register), in the same pass over the row.
// CHECK-LABEL: func.func @rows
// CHECK: scf.forall (%[[I:.*]]) in (16) {
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: vector.transfer_read %arg0[%[[I]], %[[J]]]{{.*}} : memref<16x84xf32>, vector<16xf32>
// CHECK: vector.transfer_read %arg1[%[[J]]]{{.*}} : memref<84xf32>, vector<16xf32>
// CHECK: vector.transfer_read %arg2[%[[I]]]{{.*}}permutation_map{{.*}} : memref<16xf32>, vector<16xf32>
// CHECK: vector.transfer_write {{.*}}, %arg3[%[[I]], %[[J]]]{{.*}} : vector<16xf32>, memref<16x84xf32>
// CHECK: }
// CHECK: %[[C80:.*]] = arith.constant 80 : index
// CHECK: vector.transfer_read %arg0[%[[I]], %[[C80]]]{{.*}} : memref<16x84xf32>, vector<4xf32>
// CHECK: vector.transfer_write {{.*}}, %arg3[%[[I]], %{{.*}}]{{.*}} : vector<4xf32>, memref<16x84xf32>
// CHECK: }
// CHECK-NOT: linalg.generic
func.func @rows(%x: memref<16x84xf32>, %b: memref<84xf32>, %s: memref<16xf32>, %y: memref<16x84xf32>) {
  linalg.generic {indexing_maps = [#id2, #row, #col, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b, %s : memref<16x84xf32>, memref<84xf32>, memref<16xf32>) outs(%y : memref<16x84xf32>) {
  ^bb0(%in: f32, %c: f32, %d: f32, %out: f32):
    %r = arith.addf %in, %c : f32
    %t = arith.mulf %r, %d : f32
    linalg.yield %t : f32
  }
  return
}

// An in-place update with two results and a scalar operand: one vector
// of 8, then the remainder of 2 as a vector of 2.
// CHECK-LABEL: func.func @update
// CHECK: vector.transfer_read %arg0{{.*}} : memref<10xf32>, vector<8xf32>
// CHECK: vector.transfer_read %arg2[]{{.*}} : memref<f32>, vector<8xf32>
// CHECK: vector.transfer_write {{.*}}, %arg0{{.*}} : vector<8xf32>, memref<10xf32>
// CHECK: vector.transfer_write {{.*}}, %arg3{{.*}} : vector<8xf32>, memref<10xf32>
// CHECK: scf.forall (%{{.*}}) = (0) to (2) step (2)
// CHECK: vector.transfer_read %arg0{{.*}} : memref<10xf32>, vector<2xf32>
// CHECK: vector.transfer_write {{.*}}, %arg0{{.*}} : vector<2xf32>, memref<10xf32>
// CHECK: vector.transfer_write {{.*}}, %arg3{{.*}} : vector<2xf32>, memref<10xf32>
func.func @update(%w: memref<10xf32>, %g: memref<10xf32>, %lr: memref<f32>, %v: memref<10xf32>) {
  linalg.generic {indexing_maps = [#id1, #id1, #scalar, #id1, #id1], iterator_types = ["parallel"]}
      ins(%w, %g, %lr : memref<10xf32>, memref<10xf32>, memref<f32>) outs(%w, %v : memref<10xf32>, memref<10xf32>) {
  ^bb0(%a: f32, %b: f32, %l: f32, %o: f32, %p: f32):
    %m = arith.mulf %l, %b : f32
    %r = arith.subf %a, %m : f32
    linalg.yield %r, %m : f32, f32
  }
  return
}

// Left alone: a transposed operand (the innermost loop is not its last
// index), an innermost loop shorter than a vector, a body that reads a
// loop index.
// CHECK-LABEL: func.func @transposed
// CHECK-NOT: vector.
// CHECK: linalg.generic
func.func @transposed(%x: memref<16x16xf32>, %y: memref<16x16xf32>) {
  linalg.generic {indexing_maps = [#tr, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<16x16xf32>) outs(%y : memref<16x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  return
}

// A transpose of whole rows (the last dimension stays last) copies rows:
// its outer loops keep their order in the output, the rows (3 x 16, one
// loop) go by vectors.
// CHECK-LABEL: func.func @transpose_rows
// CHECK: scf.forall (%[[C:.*]], %[[N:.*]], %[[I:.*]]) = (0, 0, 0) to (3, 2, 48) step (1, 1, 16) {
// CHECK: %[[R:.*]] = vector.transfer_read %{{.*}}[%[[N]], %[[C]], %[[I]]]{{.*}} : memref<2x3x48xf32>, vector<16xf32>
// CHECK: vector.transfer_write %[[R]], %{{.*}}[%[[C]], %[[N]], %[[I]]] {{.*}} : vector<16xf32>, memref<3x2x48xf32>
// CHECK-NOT: linalg.transpose
func.func @transpose_rows(%x: memref<2x3x3x16xf32>, %y: memref<3x2x3x16xf32>) {
  linalg.transpose ins(%x : memref<2x3x3x16xf32>) outs(%y : memref<3x2x3x16xf32>) permutation = [1, 0, 2, 3]
  return
}

// A copy into a strided view (an image into its padded buffer, 28 of 32
// columns from column 2) goes by vectors too: each row 3 x 8, then 4.
// CHECK-LABEL: func.func @copy_into_padding
// CHECK: scf.forall {{.*}} in (2, 28) {
// CHECK: scf.for {{.*}} {
// CHECK: vector.transfer_read %arg0{{.*}} : memref<2x28x28xf32>, vector<8xf32>
// CHECK: vector.transfer_write {{.*}} : vector<8xf32>, memref<2x33x32xf32>
// CHECK: }
// CHECK: vector.transfer_write {{.*}} : vector<4xf32>, memref<2x33x32xf32>
// CHECK-NOT: linalg.copy
func.func @copy_into_padding(%x: memref<2x28x28xf32>, %y: memref<2x33x32xf32>) {
  %v = memref.subview %y[0, 2, 2] [2, 28, 28] [1, 1, 1] : memref<2x33x32xf32> to memref<2x28x28xf32, strided<[1056, 32, 1], offset: 66>>
  linalg.copy ins(%x : memref<2x28x28xf32>) outs(%v : memref<2x28x28xf32, strided<[1056, 32, 1], offset: 66>>)
  return
}

// A transpose that moves the last dimension (the other dimensions single:
// a convolution's NHWC result, one image row of 10 pixels by 16 channels,
// back to NCHW) goes by 8 x 8 blocks: 8 rows of 8 channels loaded,
// transposed by unpacks, shuffles and 128-bit permutes, stored as 8
// channels' rows of 8 pixels. The last 2 pixels are in a block of pixels
// 2 to 9, which overlaps the first (both store the same values).
// CHECK-LABEL: func.func @transpose_columns
// CHECK-NOT: linalg.transpose
// CHECK: scf.for %[[I:.*]] = %c0 to %c16 step %c8
// CHECK: scf.for %[[J:.*]] = %c0 to %c16 step %c8
// CHECK-DAG: %[[P:.*]] = arith.minsi %[[I]], %c2
// CHECK-DAG: %[[C:.*]] = arith.minsi %[[J]], %c8
// CHECK: vector.load %arg0[%c0, %c0, %[[P]], %[[C]]]{{.*}}, vector<8xf32>
// CHECK-COUNT-7: vector.load %arg0[%c0, %c0, %{{.*}}, %[[C]]]{{.*}}, vector<8xf32>
// CHECK: vector.shuffle {{.*}} [0, 8, 1, 9, 4, 12, 5, 13]
// CHECK: vector.shuffle {{.*}} [0, 1, 8, 9, 4, 5, 12, 13]
// CHECK: %[[COL0:.*]] = vector.shuffle {{.*}} [0, 1, 2, 3, 8, 9, 10, 11]
// CHECK: vector.store %[[COL0]], %arg1[%c0, %[[C]], %c0, %[[P]]]{{.*}}, vector<8xf32>
// CHECK-COUNT-7: vector.store {{.*}}, vector<8xf32>
// CHECK-NOT: linalg.transpose
// CHECK: return
func.func @transpose_columns(%x: memref<1x1x10x16xf32, strided<[1600, 160, 16, 1], offset: ?>>, %y: memref<1x16x1x10xf32, strided<[1600, 100, 10, 1], offset: ?>>) {
  linalg.transpose ins(%x : memref<1x1x10x16xf32, strided<[1600, 160, 16, 1], offset: ?>>) outs(%y : memref<1x16x1x10xf32, strided<[1600, 100, 10, 1], offset: ?>>) permutation = [0, 3, 1, 2]
  return
}

// A block with fewer than 8 rows (6 channels by 14 pixels into NHWC): 6
// rows of 8 pixels loaded, the missing rows poison, 8 pixels stored as 6
// channels each; the pixels 6 to 13 in a second, overlapping block.
// CHECK-LABEL: func.func @transpose_short
// CHECK: %[[POISON:.*]] = ub.poison : vector<8xf32>
// CHECK: scf.for %[[I:.*]] = %c0 to %c8 step %c8
// CHECK: scf.for %[[J:.*]] = %c0 to %c16 step %c8
// CHECK: %[[C:.*]] = arith.minsi %[[J]], %c6
// CHECK-COUNT-6: vector.load %arg0[%{{.*}}, %[[C]]] : memref<6x14xf32>, vector<8xf32>
// CHECK-NOT: vector.load
// CHECK: vector.shuffle %[[POISON]], %[[POISON]]
// CHECK: %[[ROW:.*]] = vector.shuffle %[[T:.*]], %[[T]] [0, 1, 2, 3, 4, 5] : vector<8xf32>, vector<8xf32>
// CHECK: vector.store %[[ROW]], %arg1[%{{.*}}, %{{.*}}] : memref<14x6xf32>, vector<6xf32>
// CHECK-COUNT-7: vector.store {{.*}} vector<6xf32>
// CHECK-NOT: vector.store
// CHECK: return
func.func @transpose_short(%x: memref<6x14xf32>, %y: memref<14x6xf32>) {
  linalg.transpose ins(%x : memref<6x14xf32>) outs(%y : memref<14x6xf32>) permutation = [1, 0]
  return
}

// Two rows into pairs (a pooling gradient's column phases interleaved):
// per 8 columns, the two rows' vectors zipped by two shuffles into 16
// consecutive floats of the output, seen flat; 13 columns end with a
// block from column 5 that overlaps the first.
// CHECK-LABEL: func.func @transpose_zip
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %arg1 {{\[\[}}0], [1], [2, 3]] {{.*}} into memref<1x1x26xf32
// CHECK: scf.for %[[I:.*]] = %c0 to %c16 step %c8
// CHECK: %[[C:.*]] = arith.minsi %[[I]], %c5
// CHECK: %[[R0:.*]] = vector.load %arg0[%c0, %c0, %c0, %[[C]]]
// CHECK: %[[R1:.*]] = vector.load %arg0[%c0, %c0, %c1, %[[C]]]
// CHECK: %[[AT:.*]] = arith.addi %[[C]], %[[C]]
// CHECK: %[[LO:.*]] = vector.shuffle %[[R0]], %[[R1]] [0, 8, 1, 9, 2, 10, 3, 11]
// CHECK: vector.store %[[LO]], %[[FLAT]][%c0, %c0, %[[AT]]]
// CHECK: %[[HI:.*]] = vector.shuffle %[[R0]], %[[R1]] [4, 12, 5, 13, 6, 14, 7, 15]
// CHECK: %[[AT8:.*]] = arith.addi %[[AT]], %c8
// CHECK: vector.store %[[HI]], %[[FLAT]][%c0, %c0, %[[AT8]]]
// CHECK-NOT: linalg.transpose
func.func @transpose_zip(%x: memref<1x1x2x13xf32, strided<[104, 52, 13, 1], offset: ?>>, %y: memref<1x1x13x2xf32, strided<[104, 52, 2, 1], offset: ?>>) {
  linalg.transpose ins(%x : memref<1x1x2x13xf32, strided<[104, 52, 13, 1], offset: ?>>) outs(%y : memref<1x1x13x2xf32, strided<[104, 52, 2, 1], offset: ?>>) permutation = [0, 1, 3, 2]
  return
}

// Left alone: pairs that are not consecutive in the output.
// CHECK-LABEL: func.func @transpose_pairs_apart
// CHECK-NOT: vector
// CHECK: linalg.transpose
func.func @transpose_pairs_apart(%x: memref<2x9xf32>, %y: memref<9x2xf32, strided<[4, 1]>>) {
  linalg.transpose ins(%x : memref<2x9xf32>) outs(%y : memref<9x2xf32, strided<[4, 1]>>) permutation = [1, 0]
  return
}

// Left alone: a transpose whose blocks would have fewer than 32 elements
// (5 x 6: 5 loads, 24 shuffles and 6 stores would move 30 elements).
// CHECK-LABEL: func.func @transpose_small
// CHECK-NOT: vector
// CHECK: linalg.transpose
func.func @transpose_small(%x: memref<5x6xf32>, %y: memref<6x5xf32>) {
  linalg.transpose ins(%x : memref<5x6xf32>) outs(%y : memref<6x5xf32>) permutation = [1, 0]
  return
}

// CHECK-LABEL: func.func @short
// CHECK-NOT: vector.
// CHECK: linalg.generic
func.func @short(%x: memref<6xf32>, %y: memref<6xf32>) {
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%x : memref<6xf32>) outs(%y : memref<6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.negf %in : f32
    linalg.yield %r : f32
  }
  return
}

// CHECK-LABEL: func.func @indexed
// CHECK-NOT: vector.
// CHECK: linalg.generic
// CHECK: linalg.index
func.func @indexed(%x: memref<16x16xf32>, %y: memref<16x16xf32>) {
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<16x16xf32>) outs(%y : memref<16x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %i = linalg.index 1 : index
    %c = arith.index_cast %i : index to i32
    %f = arith.sitofp %c : i32 to f32
    %r = arith.addf %in, %f : f32
    linalg.yield %r : f32
  }
  return
}

// Views with their own strides (rows of 84 of which 64 are read) are not
// collapsed: the rows are vectors.
// CHECK-LABEL: func.func @strided
// CHECK-NOT: memref.collapse_shape
// CHECK: scf.forall (%[[I:.*]], %[[J:.*]]) = (0, 0) to (4, 64) step (1, 32) {
// CHECK: vector.transfer_read %arg0[%[[I]], %[[J]]]{{.*}} : memref<4x64xf32, strided<[84, 1]>>, vector<32xf32>
func.func @strided(%x: memref<4x64xf32, strided<[84, 1]>>, %y: memref<4x64xf32>) {
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x64xf32, strided<[84, 1]>>) outs(%y : memref<4x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.negf %in : f32
    linalg.yield %r : f32
  }
  return
}

// A 2 x 2 max pooling with stride 2 (each window position an input): one
// step per output row; each of the two input rows is read once, whole,
// and each position takes every second element of it (a shuffle).
#w00 = affine_map<(n, c, h, w) -> (n, c, 2 * h, 2 * w)>
#w01 = affine_map<(n, c, h, w) -> (n, c, 2 * h, 2 * w + 1)>
#w10 = affine_map<(n, c, h, w) -> (n, c, 2 * h + 1, 2 * w)>
#w11 = affine_map<(n, c, h, w) -> (n, c, 2 * h + 1, 2 * w + 1)>
// CHECK-LABEL: func.func @pool
// CHECK: scf.forall (%[[N:.*]], %[[C:.*]], %[[H:.*]]) in (2, 3, 14) {
// CHECK: %[[R0:.*]] = vector.load %arg0[%[[N]], %[[C]], %{{.*}}, %{{.*}}] : memref<2x3x28x28xf32>, vector<28xf32>
// CHECK: vector.shuffle %[[R0]], %[[R0]] [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26]
// CHECK: vector.shuffle %[[R0]], %[[R0]] [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27]
// CHECK: %[[R1:.*]] = vector.load %arg0{{.*}} : memref<2x3x28x28xf32>, vector<28xf32>
// CHECK-NOT: vector.load
// CHECK-COUNT-3: arith.maximumf {{.*}} : vector<14xf32>
// CHECK: vector.store %{{.*}}, %arg1[%[[N]], %[[C]], %[[H]], %{{.*}}] : memref<2x3x14x14xf32>, vector<14xf32>
// CHECK-NOT: linalg.generic
func.func @pool(%x: memref<2x3x28x28xf32>, %y: memref<2x3x14x14xf32>) {
  linalg.generic {indexing_maps = [#w00, #w01, #w10, #w11, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %x, %x, %x : memref<2x3x28x28xf32>, memref<2x3x28x28xf32>, memref<2x3x28x28xf32>, memref<2x3x28x28xf32>) outs(%y : memref<2x3x14x14xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32, %d: f32, %o: f32):
    %0 = arith.maximumf %a, %b : f32
    %1 = arith.maximumf %0, %c : f32
    %2 = arith.maximumf %1, %d : f32
    linalg.yield %2 : f32
  }
  return
}

// Windows wider than the stride (3 positions, stride 2, over rows of 7):
// the read covers the last position (7 elements), and the third position
// takes elements 2, 4, 6; a scalar constant is broadcast.
#v0 = affine_map<(h, w) -> (h, 2 * w)>
#v1 = affine_map<(h, w) -> (h, 2 * w + 1)>
#v2 = affine_map<(h, w) -> (h, 2 * w + 2)>
// CHECK-LABEL: func.func @wide
// CHECK: %[[R:.*]] = vector.load %arg0[%{{.*}}, %{{.*}}] : memref<4x7xf32>, vector<7xf32>
// CHECK: vector.shuffle %[[R]], %[[R]] [2, 4, 6] : vector<7xf32>, vector<7xf32>
// CHECK: arith.constant dense<0.333333343> : vector<3xf32>
// CHECK: arith.mulf {{.*}} : vector<3xf32>
// CHECK: vector.store {{.*}} : memref<4x3xf32>, vector<3xf32>
func.func @wide(%x: memref<4x7xf32>, %y: memref<4x3xf32>) {
  %third = arith.constant 0.333333343 : f32
  linalg.generic {indexing_maps = [#v0, #v1, #v2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x, %x, %x : memref<4x7xf32>, memref<4x7xf32>, memref<4x7xf32>) outs(%y : memref<4x3xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32, %o: f32):
    %0 = arith.addf %a, %b : f32
    %1 = arith.addf %0, %c : f32
    %2 = arith.mulf %1, %third : f32
    linalg.yield %2 : f32
  }
  return
}

// The first argmax of each 2 x 2 window (i32 output): the window
// positions read as in @pool, the position constants broadcast.
// CHECK-LABEL: func.func @argmax
// CHECK: scf.forall
// CHECK-COUNT-2: vector.load %arg0{{.*}} : memref<1x2x8x8xf32>, vector<8xf32>
// CHECK-COUNT-4: arith.cmpf ogt, {{.*}} : vector<4xf32>
// CHECK: vector.store %{{.*}}, %arg1[{{.*}}] : memref<1x2x4x4xi32>, vector<4xi32>
func.func @argmax(%x: memref<1x2x8x8xf32>, %y: memref<1x2x4x4xi32>) {
  %low = arith.constant 0xFF800000 : f32
  %p0 = arith.constant 0 : i32
  %p1 = arith.constant 1 : i32
  %p2 = arith.constant 2 : i32
  %p3 = arith.constant 3 : i32
  linalg.generic {indexing_maps = [#w00, #w01, #w10, #w11, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %x, %x, %x : memref<1x2x8x8xf32>, memref<1x2x8x8xf32>, memref<1x2x8x8xf32>, memref<1x2x8x8xf32>) outs(%y : memref<1x2x4x4xi32>) {
  ^bb0(%a: f32, %b: f32, %c: f32, %d: f32, %o: i32):
    %0 = arith.cmpf ogt, %a, %low : f32
    %1 = arith.select %0, %a, %low : f32
    %2 = arith.cmpf ogt, %b, %1 : f32
    %3 = arith.select %2, %b, %1 : f32
    %4 = arith.select %2, %p1, %p0 : i32
    %5 = arith.cmpf ogt, %c, %3 : f32
    %6 = arith.select %5, %c, %3 : f32
    %7 = arith.select %5, %p2, %4 : i32
    %8 = arith.cmpf ogt, %d, %6 : f32
    %9 = arith.select %8, %p3, %7 : i32
    linalg.yield %9 : i32
  }
  return
}

// The input gradient of a 2 x 2 max pooling over cells [n, c, oh, row of
// the cell, x] with the argmax fused in: each lane x reads its window's
// gradient at x floordiv 2 (lanes 0, 0, 1, 1, ...) and the window's
// positions at (x floordiv 2) * 2 + k (lanes 0, 0, 2, 2, ... of the input
// row); the constant places (i32) are read as they are.
#place = affine_map<(n, c, h, r, x) -> (r, x)>
#cell = affine_map<(n, c, h, r, x) -> (n, c, h, x floordiv 2)>
#c0 = affine_map<(n, c, h, r, x) -> (n, c, 2 * h, (x floordiv 2) * 2)>
#c1 = affine_map<(n, c, h, r, x) -> (n, c, 2 * h, (x floordiv 2) * 2 + 1)>
#id5 = affine_map<(n, c, h, r, x) -> (n, c, h, r, x)>
// CHECK-LABEL: func.func @pool_gradient
// CHECK: scf.forall (%[[N:.*]], %[[C:.*]], %[[H:.*]], %[[R:.*]]) in (1, 2, 4, 2) {
// CHECK: %[[P:.*]] = vector.load %arg0[%[[R]], %{{.*}}] : memref<2x8xi32>, vector<8xi32>
// CHECK: %[[G:.*]] = vector.load %arg1[%[[N]], %[[C]], %[[H]], %{{.*}}] : memref<1x2x4x4xf32>, vector<4xf32>
// CHECK: vector.shuffle %[[G]], %[[G]] [0, 0, 1, 1, 2, 2, 3, 3] : vector<4xf32>, vector<4xf32>
// CHECK: %[[X:.*]] = vector.load %arg2{{.*}} : memref<1x2x8x8xf32>, vector<8xf32>
// CHECK: vector.shuffle %[[X]], %[[X]] [0, 0, 2, 2, 4, 4, 6, 6]
// CHECK: vector.shuffle %[[X]], %[[X]] [1, 1, 3, 3, 5, 5, 7, 7]
// CHECK: arith.cmpi eq, %[[P]], %{{.*}} : vector<8xi32>
// CHECK: vector.store %{{.*}}, %arg3[%[[N]], %[[C]], %[[H]], %[[R]], %{{.*}}] : memref<1x2x4x2x8xf32>, vector<8xf32>
// CHECK-NOT: linalg.generic
func.func @pool_gradient(%place: memref<2x8xi32>, %g: memref<1x2x4x4xf32>, %x: memref<1x2x8x8xf32>, %dx: memref<1x2x4x2x8xf32>) {
  %low = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %p0 = arith.constant 0 : i32
  %p1 = arith.constant 1 : i32
  linalg.generic {indexing_maps = [#place, #cell, #c0, #c1, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%place, %g, %x, %x : memref<2x8xi32>, memref<1x2x4x4xf32>, memref<1x2x8x8xf32>, memref<1x2x8x8xf32>) outs(%dx : memref<1x2x4x2x8xf32>) {
  ^bb0(%p: i32, %gg: f32, %a: f32, %b: f32, %o: f32):
    %0 = arith.cmpf ogt, %a, %low : f32
    %1 = arith.select %0, %a, %low : f32
    %2 = arith.cmpf ogt, %b, %1 : f32
    %3 = arith.select %2, %p1, %p0 : i32
    %4 = arith.cmpi eq, %p, %3 : i32
    %5 = arith.select %4, %gg, %zero : f32
    linalg.yield %5 : f32
  }
  return
}

// Left alone: an input whose last index reads another loop too.
// CHECK-LABEL: func.func @skewed
// CHECK-NOT: vector.
// CHECK: linalg.generic
func.func @skewed(%x: memref<4x16xf32>, %y: memref<4x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(h, w) -> (h, 2 * w + h)>, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x16xf32>) outs(%y : memref<4x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  return
}

// Left alone: windows so far apart that one read of their row (5 * 31 + 1
// elements) would not stay in registers.
// CHECK-LABEL: func.func @far
// CHECK-NOT: vector.
// CHECK: linalg.generic
func.func @far(%x: memref<2x160xf32>, %y: memref<2x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(h, w) -> (h, 5 * w)>, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<2x160xf32>) outs(%y : memref<2x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  return
}

// Left alone: a window op that reads its output.
// CHECK-LABEL: func.func @accumulates
// CHECK-NOT: vector.
// CHECK: linalg.generic
func.func @accumulates(%x: memref<4x8xf32>, %y: memref<4x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(h, w) -> (h, 2 * w)>, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x8xf32>) outs(%y : memref<4x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %0 = arith.addf %a, %o : f32
    linalg.yield %0 : f32
  }
  return
}

// Left alone: windows over a view whose rows are not contiguous (a column
// of a larger buffer), which a vector load cannot read.
// CHECK-LABEL: func.func @columns
// CHECK-NOT: vector.
// CHECK: linalg.generic
func.func @columns(%x: memref<4x8xf32, strided<[1, 4]>>, %y: memref<4x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(h, w) -> (h, 2 * w)>, affine_map<(h, w) -> (h, 2 * w + 1)>, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x, %x : memref<4x8xf32, strided<[1, 4]>>, memref<4x8xf32, strided<[1, 4]>>) outs(%y : memref<4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %0 = arith.maximumf %a, %b : f32
    linalg.yield %0 : f32
  }
  return
}

// Left alone, unchanged: one operand indexed at 0 in a unit dimension, the
// other at 0 in a dimension of 3 (a column, not a unit dimension).
// CHECK-LABEL: func.func @zero_column
// CHECK-NOT: memref.collapse_shape
// CHECK: linalg.generic {{.*}} ins(%arg0, %arg1, %arg2 : memref<4x6xf32>, memref<6x1xf32>, memref<4x3xf32>)
func.func @zero_column(%x: memref<4x6xf32>, %b: memref<6x1xf32>, %c: memref<4x3xf32>, %y: memref<4x6xf32>) {
  linalg.generic {indexing_maps = [#id2, affine_map<(i, j) -> (j, 0)>, affine_map<(i, j) -> (i, 0)>, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b, %c : memref<4x6xf32>, memref<6x1xf32>, memref<4x3xf32>) outs(%y : memref<4x6xf32>) {
  ^bb0(%in: f32, %bb: f32, %cc: f32, %out: f32):
    %0 = arith.addf %in, %bb : f32
    %1 = arith.mulf %0, %cc : f32
    linalg.yield %1 : f32
  }
  return
}
