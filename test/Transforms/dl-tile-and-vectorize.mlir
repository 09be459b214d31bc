// RUN: dl-opt %s -dl-tile-and-vectorize=vector-width=8 -canonicalize -split-input-file | FileCheck %s

// A matmul becomes register blocks of 4 rows by 16 columns (two 8-lane
// vectors) with a reduction step of 1. The column blocks are an
// scf.forall (threads share them once on buffers) outside the row blocks
// (a block column of B stays in cache across the rows); the block of C is
// read once before the reduction loop, carried in registers, and written
// once after it.
// CHECK-LABEL: func.func @matmul
// CHECK: scf.forall (%[[J:.*]]) = (0) to (32) step (16) shared_outs(%[[OUT:.*]] = %arg2)
// CHECK: %[[T:.*]] = tensor.extract_slice %[[OUT]][0, %[[J]]] [8, 16] [1, 1]
// CHECK: scf.for %[[I:.*]] = %c0 to %c8 step %c4 iter_args(%[[TILE:.*]] = %[[T]])
// CHECK: %[[C:.*]] = vector.transfer_read %[[TILE]][%[[I]], %c0]{{.*}} : tensor<8x16xf32>, vector<4x16xf32>
// CHECK: %[[R:.*]] = scf.for %[[K:.*]] = %c0 to %c6 step %c1 iter_args(%[[ACC:.*]] = %[[C]]) -> (vector<4x16xf32>)
// CHECK: %[[A:.*]] = vector.transfer_read %arg0[%[[I]], %[[K]]]{{.*}} : tensor<8x6xf32>, vector<4x1xf32>
// CHECK: %[[B:.*]] = vector.transfer_read %arg1[%[[K]], %[[J]]]{{.*}} : tensor<6x32xf32>, vector<1x16xf32>
// CHECK: %[[D:.*]] = vector.contract {{.*}} %[[A]], %[[B]], %[[ACC]] : vector<4x1xf32>, vector<1x16xf32> into vector<4x16xf32>
// CHECK: scf.yield %[[D]]
// CHECK: vector.transfer_write %[[R]], %[[TILE]][%[[I]], %c0]
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[OUT]][0, %[[J]]] [8, 16] [1, 1]
func.func @matmul(%a: tensor<8x6xf32>, %b: tensor<6x32xf32>, %c: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<8x6xf32>, tensor<6x32xf32>) outs(%c : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// Blocks divide the shape, so none needs masking; among those, the one
// with the most useful FMA lanes per cycle (a row of B and the
// accumulators in the 16 registers; a vector longer than a register must
// be a power of two, which LLVM does not widen): 9 rows by 5 columns
// (one partial register) here, in two column blocks threads share.
// CHECK-LABEL: func.func @odd
// CHECK: scf.forall (%{{.*}}) = (0) to (10) step (5)
// CHECK: vector.contract {{.*}} : vector<9x1xf32>, vector<1x5xf32> into vector<9x5xf32>
func.func @odd(%a: tensor<9x5xf32>, %b: tensor<5x10xf32>, %c: tensor<9x10xf32>) -> tensor<9x10xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<9x5xf32>, tensor<5x10xf32>) outs(%c : tensor<9x10xf32>) -> tensor<9x10xf32>
  return %0 : tensor<9x10xf32>
}

// -----

// With a single column block (two registers wide), threads share the row
// blocks (6 rows: the 12 accumulators and the row of B fit).
// CHECK-LABEL: func.func @rows
// CHECK: scf.forall (%{{.*}}) = (0) to (12) step (6)
// CHECK: vector.contract {{.*}} : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
func.func @rows(%a: tensor<12x4xf32>, %b: tensor<4x16xf32>, %c: tensor<12x16xf32>) -> tensor<12x16xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<12x4xf32>, tensor<4x16xf32>) outs(%c : tensor<12x16xf32>) -> tensor<12x16xf32>
  return %0 : tensor<12x16xf32>
}

// -----

// Batched products tile the batch by 1, the loop threads share.
// CHECK-LABEL: func.func @batched
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK: vector.contract {{.*}} into vector<1x4x8xf32>
func.func @batched(%a: tensor<2x4x3xf32>, %b: tensor<2x3x8xf32>, %c: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %0 = linalg.batch_matmul ins(%a, %b : tensor<2x4x3xf32>, tensor<2x3x8xf32>) outs(%c : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// Dynamic shapes and other ops are left alone (the pass rejects nothing).
// CHECK-LABEL: func.func @left_alone
// CHECK: linalg.matmul
// CHECK-NOT: vector.contract
func.func @left_alone(%a: tensor<?x6xf32>, %b: tensor<6x32xf32>, %c: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<?x6xf32>, tensor<6x32xf32>) outs(%c : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}

// -----

// A convolution becomes an im2col copy and a batched product of the
// filters [F, C KH KW] with the columns [C KH KW, OH OW], tiled like a
// matmul (2 filters by 6 output positions here). The copy iterates over
// (n, c, kh, kw, oh, ow) and reads x[n, c, oh + kh, ow + kw]: no division
// in its indexing, whole rows.
// CHECK-DAG: #[[$READ:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 + d4, d3 + d5)>
// CHECK-LABEL: func.func @conv
// CHECK-NOT: linalg.conv_2d_nchw_fchw
// CHECK: %[[COLS:.*]] = linalg.generic {indexing_maps = [#[[$READ]], {{.*}}]{{.*}} ins(%arg0 : tensor<1x2x8x8xf32>) outs(%{{.*}} : tensor<1x2x3x3x6x6xf32>)
// CHECK: tensor.collapse_shape %[[COLS]] {{\[}}[0], [1, 2, 3], [4, 5]] : tensor<1x2x3x3x6x6xf32> into tensor<1x18x36xf32>
// CHECK: vector.contract {{.*}} : vector<2x1xf32>, vector<1x1x6xf32> into vector<1x2x6xf32>
func.func @conv(%x: tensor<1x2x8x8xf32>, %w: tensor<2x2x3x3xf32>, %o: tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x2x8x8xf32>, tensor<2x2x3x3xf32>) outs(%o : tensor<1x2x6x6xf32>) -> tensor<1x2x6x6xf32>
  return %0 : tensor<1x2x6x6xf32>
}

// -----

// 16 filters and 100 output positions: channels last gives the product
// whole registers along the filters ([OH OW, KH KW C] x [KH KW C, F],
// 5 x 16 blocks) where channels first would have 5-lane vectors. The input
// and the accumulator are transposed to NHWC, the filters to HWCF, and the
// result back to NCHW; the stride reads every other row and column.
// CHECK-DAG: #[[$READ2:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d3, d2 * 2 + d4, d5)>
// CHECK-LABEL: func.func @conv_channels_last
// CHECK: %[[XT:.*]] = linalg.transpose ins(%arg0 : tensor<1x2x21x21xf32>) outs(%{{.*}} : tensor<1x21x21x2xf32>) permutation = [0, 2, 3, 1]
// CHECK: linalg.generic {indexing_maps = [#[[$READ2]], {{.*}}]{{.*}} ins(%[[XT]] : tensor<1x21x21x2xf32>) outs(%{{.*}} : tensor<1x10x10x3x3x2xf32>)
// CHECK: linalg.transpose ins(%arg1 : tensor<16x2x3x3xf32>) outs(%{{.*}} : tensor<3x3x2x16xf32>) permutation = [2, 3, 1, 0]
// CHECK: vector.contract {{.*}} : vector<1x5x1xf32>, vector<1x16xf32> into vector<1x5x16xf32>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x10x10x16xf32>) outs(%{{.*}} : tensor<1x16x10x10xf32>) permutation = [0, 3, 1, 2]
func.func @conv_channels_last(%x: tensor<1x2x21x21xf32>, %w: tensor<16x2x3x3xf32>, %o: tensor<1x16x10x10xf32>) -> tensor<1x16x10x10xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : tensor<1x2x21x21xf32>, tensor<16x2x3x3xf32>) outs(%o : tensor<1x16x10x10xf32>) -> tensor<1x16x10x10xf32>
  return %0 : tensor<1x16x10x10xf32>
}
