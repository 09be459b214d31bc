// RUN: dl-opt %s -dl-tile-and-vectorize=vector-width=8 -canonicalize -split-input-file | FileCheck %s
// RUN: dl-opt %s -dl-tile-and-vectorize=vector-width=16 -canonicalize -split-input-file | FileCheck %s --check-prefix=AVX512

// A matmul becomes register blocks of 6 rows by 16 columns (two 8-lane
// vectors: 12 accumulators, enough FMAs in flight) with a reduction step
// of 1. The column blocks are an scf.forall (threads share them once on
// buffers) outside the row blocks (a block column of B stays in cache
// across the rows); the sums of a block are carried in registers from
// zero across the reduction loop, then the block of C is read once, added
// to them (C + AB: its read no longer holds up the loop's first FMAs, nor
// its registers the loop), and written once.
// CHECK-LABEL: func.func @matmul
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<6x16xf32>
// CHECK: scf.forall (%[[J:.*]]) = (0) to (32) step (16) shared_outs(%[[OUT:.*]] = %arg2)
// CHECK: %[[T:.*]] = tensor.extract_slice %[[OUT]][0, %[[J]]] [12, 16] [1, 1]
// CHECK: scf.for %[[I:.*]] = %c0 to %c12 step %c6 iter_args(%[[TILE:.*]] = %[[T]])
// CHECK: %[[BLOCK:.*]] = tensor.extract_slice %[[TILE]][%[[I]], 0] [6, 16] [1, 1]
// CHECK: %[[R:.*]] = scf.for %[[K:.*]] = %c0 to %c6 step %c1 iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (vector<6x16xf32>)
// CHECK: %[[A:.*]] = vector.transfer_read %arg0[%[[I]], %[[K]]]{{.*}} : tensor<12x6xf32>, vector<6x1xf32>
// CHECK: %[[B:.*]] = vector.transfer_read %arg1[%[[K]], %[[J]]]{{.*}} : tensor<6x32xf32>, vector<1x16xf32>
// CHECK: %[[D:.*]] = vector.contract {{.*}} %[[A]], %[[B]], %[[ACC]] : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
// CHECK: scf.yield %[[D]]
// CHECK: %[[C:.*]] = vector.transfer_read %[[BLOCK]][%c0, %c0]{{.*}} : tensor<6x16xf32>, vector<6x16xf32>
// CHECK: %[[S:.*]] = arith.addf %[[C]], %[[R]] : vector<6x16xf32>
// CHECK: %[[W:.*]] = vector.transfer_write %[[S]], %[[BLOCK]][%c0, %c0]
// CHECK: tensor.insert_slice %[[W]] into %[[TILE]][%[[I]], 0] [6, 16] [1, 1]
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[OUT]][0, %[[J]]] [12, 16] [1, 1]
func.func @matmul(%a: tensor<12x6xf32>, %b: tensor<6x32xf32>, %c: tensor<12x32xf32>) -> tensor<12x32xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<12x6xf32>, tensor<6x32xf32>) outs(%c : tensor<12x32xf32>) -> tensor<12x32xf32>
  return %0 : tensor<12x32xf32>
}

// -----

// A product that starts from a zero fill fills no buffer: the fill is
// fused into the blocks, whose accumulators start as zero vectors, and
// the shared loop writes into the fill's empty tensor.
// CHECK-LABEL: func.func @fill
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<6x16xf32>
// CHECK-DAG: %[[EMPTY:.*]] = tensor.empty() : tensor<12x32xf32>
// CHECK-NOT: linalg.fill
// CHECK: scf.forall {{.*}} shared_outs(%{{.*}} = %[[EMPTY]])
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[ZERO]]) -> (vector<6x16xf32>)
func.func @fill(%a: tensor<12x6xf32>, %b: tensor<6x32xf32>) -> tensor<12x32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<12x32xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<12x32xf32>) -> tensor<12x32xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<12x6xf32>, tensor<6x32xf32>) outs(%c : tensor<12x32xf32>) -> tensor<12x32xf32>
  return %0 : tensor<12x32xf32>
}

// -----

// 8 rows: the divisors of 8 only allow blocks of 8 accumulators or
// fewer, so the product is split into rows 0-5 in 6 x 16 blocks and rows
// 6-7 in a 2 x 32 block, each tiled on its own.
// CHECK-LABEL: func.func @split_rows
// CHECK: %[[TOP:.*]] = tensor.extract_slice %arg2[0, 0] [6, 32] [1, 1]
// CHECK: scf.forall {{.*}} shared_outs(%{{.*}} = %[[TOP]])
// CHECK: vector.contract {{.*}} : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
// CHECK: %[[PART:.*]] = tensor.insert_slice %{{.*}} into %arg2[0, 0] [6, 32] [1, 1]
// CHECK: tensor.extract_slice %[[PART]][6, 0] [2, 32] [1, 1]
// CHECK: vector.contract {{.*}} : vector<2x1xf32>, vector<1x32xf32> into vector<2x32xf32>
// CHECK: tensor.insert_slice %{{.*}} into %[[PART]][6, 0] [2, 32] [1, 1]
func.func @split_rows(%a: tensor<8x6xf32>, %b: tensor<6x32xf32>, %c: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<8x6xf32>, tensor<6x32xf32>) outs(%c : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// Split in two, a product from a zero fill starts both parts' blocks
// from zero vectors, and no fill is left.
// CHECK-LABEL: func.func @split_rows_fill
// CHECK-NOT: linalg.fill
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %cst{{.*}}) -> (vector<6x16xf32>)
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %cst{{.*}}) -> (vector<2x32xf32>)
func.func @split_rows_fill(%a: tensor<8x6xf32>, %b: tensor<6x32xf32>) -> tensor<8x32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<8x32xf32>) -> tensor<8x32xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<8x6xf32>, tensor<6x32xf32>) outs(%c : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// 20 columns: the divisors of 20 only allow 5-lane vectors (a partial
// register; 10 and 20 are not powers of two), so columns 0-15 become
// 6 x 16 blocks and columns 16-19 a 12 x 4 block.
// CHECK-LABEL: func.func @split_columns
// CHECK: %[[LEFT:.*]] = tensor.extract_slice %arg2[0, 0] [12, 16] [1, 1]
// CHECK: scf.forall {{.*}} shared_outs(%{{.*}} = %[[LEFT]])
// CHECK: vector.contract {{.*}} : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
// CHECK: %[[PART:.*]] = tensor.insert_slice %{{.*}} into %arg2[0, 0] [12, 16] [1, 1]
// CHECK: tensor.extract_slice %[[PART]][0, 16] [12, 4] [1, 1]
// CHECK: vector.contract {{.*}} : vector<12x1xf32>, vector<1x4xf32> into vector<12x4xf32>
// CHECK: tensor.insert_slice %{{.*}} into %[[PART]][0, 16] [12, 4] [1, 1]
func.func @split_columns(%a: tensor<12x6xf32>, %b: tensor<6x20xf32>, %c: tensor<12x20xf32>) -> tensor<12x20xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<12x6xf32>, tensor<6x20xf32>) outs(%c : tensor<12x20xf32>) -> tensor<12x20xf32>
  return %0 : tensor<12x20xf32>
}

// -----

// The rows are split by the columns the main blocks cover: 500 columns
// are 496 in blocks of 16 and a rest of 4, so 784 rows are 774 in 6 x 16
// blocks and 10 (weighed against all 500 columns, whose divisors allow
// 5-lane blocks at most, they were 754 in 13-row blocks and 30, and the
// 496 columns then took 13 x 8 blocks: more registers than AVX2 has).
// CHECK-LABEL: func.func @rows_by_main_columns
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [774, 496] [1, 1]
// CHECK: vector<1x16xf32> into vector<6x16xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 496] [774, 4] [1, 1]
// CHECK: tensor.extract_slice %{{.*}}[774, 0] [10, 500] [1, 1]
// CHECK: vector<1x16xf32> into vector<5x16xf32>
// CHECK-NOT: into vector<13x8xf32>
func.func @rows_by_main_columns(%a: tensor<784x100xf32>, %b: tensor<100x500xf32>) -> tensor<784x500xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<784x500xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<784x500xf32>) -> tensor<784x500xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<784x100xf32>, tensor<100x500xf32>) outs(%c : tensor<784x500xf32>) -> tensor<784x500xf32>
  return %0 : tensor<784x500xf32>
}

// -----

// A product of a transposed matrix (a weight gradient X^T G) reads the
// matrix itself: each reduction step k reads 6 neighbouring elements of
// its row k, and the transpose is gone.
// CHECK-LABEL: func.func @transposed_lhs
// CHECK-NOT: linalg.transpose
// CHECK: vector.transfer_read %arg0[%{{.*}}, %{{.*}}]{{.*}} : tensor<5x12xf32>, vector<1x6xf32>
// CHECK: vector.contract {{.*}} : vector<1x6xf32>, vector<1x16xf32> into vector<6x16xf32>
func.func @transposed_lhs(%x: tensor<5x12xf32>, %g: tensor<5x16xf32>, %c: tensor<12x16xf32>) -> tensor<12x16xf32> {
  %e = tensor.empty() : tensor<12x5xf32>
  %xt = linalg.transpose ins(%x : tensor<5x12xf32>) outs(%e : tensor<12x5xf32>) permutation = [1, 0]
  %0 = linalg.matmul ins(%xt, %g : tensor<12x5xf32>, tensor<5x16xf32>) outs(%c : tensor<12x16xf32>) -> tensor<12x16xf32>
  return %0 : tensor<12x16xf32>
}

// -----

// Unless the matrix's rows lie a power of two of 1 KB or more apart (here
// 2 KB): a column of it falls into 2 of L1's sets, and the elements of X
// a block broadcasts came from L2 again for every column block. The
// transpose stays (copied in 16 x 16 blocks) and the product reads the
// copy's rows.
// CHECK-LABEL: func.func @transposed_lhs_few_sets
// CHECK: scf.forall
// CHECK: linalg.transpose ins(%{{.*}} : tensor<16x16xf32>) outs(%{{.*}} : tensor<16x16xf32>)
// CHECK: vector.transfer_read %{{.*}} : tensor<512x64xf32>, vector<6x1xf32>
// CHECK: vector.contract {{.*}} : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
func.func @transposed_lhs_few_sets(%x: tensor<64x512xf32>, %g: tensor<64x16xf32>, %c: tensor<512x16xf32>) -> tensor<512x16xf32> {
  %e = tensor.empty() : tensor<512x64xf32>
  %xt = linalg.transpose ins(%x : tensor<64x512xf32>) outs(%e : tensor<512x64xf32>) permutation = [1, 0]
  %0 = linalg.matmul ins(%xt, %g : tensor<512x64xf32>, tensor<64x16xf32>) outs(%c : tensor<512x16xf32>) -> tensor<512x16xf32>
  return %0 : tensor<512x16xf32>
}

// With B wide (rows 1 KB apart: a column block of it falls into a few of
// L1's sets and comes from L2 for every row block anyway), a transposed A's
// row blocks are the outer loop in each chunk of rows: a block's lines of X
// (14 elements of each of its rows) stay in L1 while the column blocks pass
// by. The same product with a plain A keeps its column blocks outside.
// AVX512-LABEL: func.func @transposed_wide
// AVX512: scf.forall (%{{.*}}) = (0) to (112) step (56)
// AVX512: scf.for %{{.*}} = %c0 to %c56 step %c14
// AVX512-NEXT: scf.for %{{.*}} = %c0 to %c256 step %c32
// AVX512: vector.contract {{.*}} : vector<1x14xf32>, vector<1x32xf32> into vector<14x32xf32>
// AVX512-LABEL: func.func @plain_wide
// AVX512: scf.forall (%{{.*}}) = (0) to (112) step (56)
// AVX512: scf.for %{{.*}} = %c0 to %c256 step %c32
// AVX512-NEXT: scf.for %{{.*}} = %c0 to %c56 step %c14
// AVX512: vector.contract {{.*}} : vector<14x1xf32>, vector<1x32xf32> into vector<14x32xf32>
func.func @transposed_wide(%x: tensor<512x112xf32>, %g: tensor<512x256xf32>, %c: tensor<112x256xf32>) -> tensor<112x256xf32> {
  %e = tensor.empty() : tensor<112x512xf32>
  %xt = linalg.transpose ins(%x : tensor<512x112xf32>) outs(%e : tensor<112x512xf32>) permutation = [1, 0]
  %0 = linalg.matmul ins(%xt, %g : tensor<112x512xf32>, tensor<512x256xf32>) outs(%c : tensor<112x256xf32>) -> tensor<112x256xf32>
  return %0 : tensor<112x256xf32>
}
func.func @plain_wide(%a: tensor<112x512xf32>, %g: tensor<512x256xf32>, %c: tensor<112x256xf32>) -> tensor<112x256xf32> {
  %0 = linalg.matmul ins(%a, %g : tensor<112x512xf32>, tensor<512x256xf32>) outs(%c : tensor<112x256xf32>) -> tensor<112x256xf32>
  return %0 : tensor<112x256xf32>
}

// -----

// A transpose is copied in blocks of up to 16 x 16 elements (16 cache
// lines read, 16 written), which threads share.
// CHECK-LABEL: func.func @transpose
// CHECK: scf.forall (%[[I:.*]], %[[J:.*]]) = (0, 0) to (48, 20) step (16, 10)
// CHECK: tensor.extract_slice %arg0[%[[J]], %[[I]]] [10, 16] [1, 1]
// CHECK: linalg.transpose ins(%{{.*}} : tensor<10x16xf32>) outs(%{{.*}} : tensor<16x10xf32>)
func.func @transpose(%x: tensor<20x48xf32>) -> tensor<48x20xf32> {
  %e = tensor.empty() : tensor<48x20xf32>
  %0 = linalg.transpose ins(%x : tensor<20x48xf32>) outs(%e : tensor<48x20xf32>) permutation = [1, 0]
  return %0 : tensor<48x20xf32>
}

// -----

// Rows of 34 (32 padded by 1 on each side) have no divisor from 8 to 16:
// opposite 16 channels, a whole row is one block (transposed in registers
// later), not blocks of 2 x 16. Opposite 3 channels, 2 x 3 blocks stay.
// CHECK-LABEL: func.func @transpose_padded_rows
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (2, 34)
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x16x1x34xf32>) outs(%{{.*}} : tensor<1x1x34x16xf32>) permutation = [0, 2, 3, 1]
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) = (0, 0, 0) to (2, 34, 34) step (1, 1, 2)
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x3x1x2xf32>) outs(%{{.*}} : tensor<1x1x2x3xf32>) permutation = [0, 2, 3, 1]
func.func @transpose_padded_rows(%x: tensor<2x16x34x34xf32>, %y: tensor<2x3x34x34xf32>) -> (tensor<2x34x34x16xf32>, tensor<2x34x34x3xf32>) {
  %e = tensor.empty() : tensor<2x34x34x16xf32>
  %0 = linalg.transpose ins(%x : tensor<2x16x34x34xf32>) outs(%e : tensor<2x34x34x16xf32>) permutation = [0, 2, 3, 1]
  %f = tensor.empty() : tensor<2x34x34x3xf32>
  %1 = linalg.transpose ins(%y : tensor<2x3x34x34xf32>) outs(%f : tensor<2x34x34x3xf32>) permutation = [0, 2, 3, 1]
  return %0, %1 : tensor<2x34x34x16xf32>, tensor<2x34x34x3xf32>
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

// Cache blocking: A (96 x 1024, 384 KB) outgrows the L2 share (192 KB),
// so threads share chunks of 48 rows (192 KB, a multiple of the 6-row
// block), and in each the column blocks pass by the rows kept in cache.
// CHECK-LABEL: func.func @chunks
// CHECK: scf.forall (%[[I:.*]]) = (0) to (96) step (48)
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c16
// CHECK: scf.for %{{.*}} = %c0 to %c48 step %c6
// CHECK: vector.contract {{.*}} : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
func.func @chunks(%a: tensor<96x1024xf32>, %b: tensor<1024x32xf32>, %c: tensor<96x32xf32>) -> tensor<96x32xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<96x1024xf32>, tensor<1024x32xf32>) outs(%c : tensor<96x32xf32>) -> tensor<96x32xf32>
  return %0 : tensor<96x32xf32>
}

// -----

// No chunk of 270 rows (a multiple of 6 rows, up to 96 rows in the L2
// share) makes an even number of them: 90 rows would make 3, which two
// threads share 2 to 1. Chunks of 30 make 9, the largest number of 8 or
// more, which the runtime's shares even out.
// CHECK-LABEL: func.func @chunks_odd
// CHECK: scf.forall (%{{.*}}) = (0) to (270) step (30)
// CHECK: scf.for %{{.*}} = %c0 to %c30 step %c6
func.func @chunks_odd(%a: tensor<270x512xf32>, %b: tensor<512x32xf32>, %c: tensor<270x32xf32>) -> tensor<270x32xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<270x512xf32>, tensor<512x32xf32>) outs(%c : tensor<270x32xf32>) -> tensor<270x32xf32>
  return %0 : tensor<270x32xf32>
}

// -----

// 14 x 8 blocks would leave one register for the broadcasts besides 14
// accumulators and the row of B (LLVM then spills accumulators): 28 rows
// are 18 in 6 x 16 blocks and 10 in 5 x 16 (not 25 and a rest of 3 in
// 3 x 16 blocks, whose 6 accumulators leave the FMA units waiting).
// CHECK-LABEL: func.func @narrow
// CHECK-NOT: vector<14x8xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c18 step %c6
// CHECK: vector.contract {{.*}} into vector<6x16xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c10 step %c5
// CHECK: vector.contract {{.*}} into vector<5x16xf32>
func.func @narrow(%a: tensor<28x64xf32>, %b: tensor<64x512xf32>, %c: tensor<28x512xf32>) -> tensor<28x512xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<28x64xf32>, tensor<64x512xf32>) outs(%c : tensor<28x512xf32>) -> tensor<28x512xf32>
  return %0 : tensor<28x512xf32>
}

// -----

// The same 128 rows over K = 256, whose column blocks of B (16 KB) stay
// in L1 while the row blocks pass: 108 rows in 6 x 16 blocks and 20 in
// four blocks of 5 x 16 (an autoencoder's weight gradient).
// CHECK-LABEL: func.func @rest_in_l1
// CHECK-NOT: step %c128
// CHECK: scf.for %{{.*}} = %c0 to %c108 step %c6
// CHECK: vector.contract {{.*}} into vector<6x16xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c20 step %c5
// CHECK: vector.contract {{.*}} into vector<5x16xf32>
func.func @rest_in_l1(%a: tensor<128x256xf32>, %b: tensor<256x784xf32>, %c: tensor<128x784xf32>) -> tensor<128x784xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<128x256xf32>, tensor<256x784xf32>) outs(%c : tensor<128x784xf32>) -> tensor<128x784xf32>
  return %0 : tensor<128x784xf32>
}

// -----

// A row vector times a large matrix (batch-1 inference: B of 1.6 MB does
// not stay in L2) streams B row by row, in 4 parts of its rows (196 each,
// a contiguous run of B) that threads share, each into its own row of
// partial sums. In a part, the zero fill of its row is outside the loop
// over B's rows, which cannot carry it; for every 4 rows of B, the 4
// elements of A are read once, then each 8-lane vector of the row gets 4
// FMAs with the rows' vectors and is written back. Then the parts' rows
// are added to the result, 32 columns at a time. The function is marked
// dl.alternate_loops: every call reads all of B, so dl-parallelize has the
// runtime run its loops last-first on every other call.
// CHECK-LABEL: func.func @row_vector
// CHECK-SAME: attributes {dl.alternate_loops}
// CHECK: %[[PARTS:.*]] = scf.forall (%[[P:.*]]) in (4) shared_outs(%[[O:.*]] = %{{.*}}) -> (tensor<4x1x512xf32>)
// CHECK: %[[ROW:.*]] = tensor.extract_slice %[[O]][%[[P]], 0, 0] [1, 1, 512] [1, 1, 1] : tensor<4x1x512xf32> to tensor<1x512xf32>
// CHECK: linalg.fill {{.*}} outs(%[[ROW]] : tensor<1x512xf32>)
// CHECK: scf.for %{{.*}} = %c0 to %c196 step %c4
// CHECK-COUNT-4: vector.transfer_read %arg0
// CHECK: scf.for %{{.*}} = %c0 to %c512 step %c8
// CHECK-NOT: %arg0
// CHECK: vector.transfer_read %arg1[
// CHECK-COUNT-4: vector.contract {{.*}} : vector<1x1xf32>, vector<1x8xf32> into vector<1x8xf32>
// CHECK: vector.transfer_write %{{.*}} : vector<1x8xf32>, tensor<1x512xf32>
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[O]][%[[P]], 0, 0] [1, 1, 512]
// CHECK: scf.forall (%[[J:.*]]) = (0) to (512) step (32)
// CHECK: scf.for %[[Q:.*]] = %c0 to %c4 step %c1
// CHECK: vector.transfer_read %[[PARTS]][%[[Q]], %c0, %[[J]]]
// CHECK: arith.addf %{{.*}} : vector<1x32xf32>
func.func @row_vector(%a: tensor<1x784xf32>, %b: tensor<784x512xf32>) -> tensor<1x512xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x512xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<1x512xf32>) -> tensor<1x512xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<1x784xf32>, tensor<784x512xf32>) outs(%c : tensor<1x512xf32>) -> tensor<1x512xf32>
  return %0 : tensor<1x512xf32>
}

// -----

// A matrix that stays in L2 (400 x 120, 188 KB) keeps register blocks
// (and its function's loops their order).
// CHECK-LABEL: func.func @row_vector_small
// CHECK-NOT: dl.alternate_loops
// CHECK-NOT: step %c4
// CHECK: vector.contract {{.*}} into vector<1x
func.func @row_vector_small(%a: tensor<1x400xf32>, %b: tensor<400x120xf32>, %c: tensor<1x120xf32>) -> tensor<1x120xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<1x400xf32>, tensor<400x120xf32>) outs(%c : tensor<1x120xf32>) -> tensor<1x120xf32>
  return %0 : tensor<1x120xf32>
}

// -----

// A deep product: A (128 x 1792, 896 KB) outgrows the L2 share, where
// chunks of its rows would each stream all of B (3.5 MB). The reduction
// is blocked by 256 instead (A's 128 x 256 stay in L2, B's 256 x 16 in
// L1) in an outer scf.for carrying the result, which is zeroed once
// beforehand, and in each K block threads share the column blocks (B's
// 256 rows are read a piece of each row after the other, not a column
// block over all 1792 rows). The rows are 126 in 6 x 16 blocks and 2 in
// 2 x 32, not 108 and a rest of 20 (four blocks of 5, each reading B's
// column block again). The rest is blocked as the main part, in the same
// loop over the K blocks: in each, its share reads the 256 rows of B that
// the main part's left in L2 (a pass of its own over all 1792 rows read
// B's 3.5 MB from memory for 2 rows).
// With AVX-512's 8 x 32 blocks too, the reduction blocks are of 256 (a
// column block's 256 rows of 128 bytes would not fit the L1 panel, but B's
// rows 2 KB apart would not stay in L1 anyway).
// CHECK-LABEL: func.func @deep
// CHECK: linalg.fill {{.*}} -> tensor<126x512xf32>
// CHECK: linalg.fill {{.*}} -> tensor<2x512xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c1792 step %c256 {{.*}} -> (tensor<126x512xf32>, tensor<2x512xf32>)
// CHECK: scf.forall (%{{.*}}) = (0) to (512) step (16)
// CHECK: scf.for %{{.*}} = %c0 to %c126 step %c6
// AVX512-LABEL: func.func @deep
// AVX512: scf.for %{{.*}} = %c0 to %c1792 step %c256
// AVX512: scf.forall (%{{.*}}) = (0) to (512) step (32)
// AVX512: vector.contract {{.*}} into vector<8x32xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c256 step %c1
// CHECK: vector.contract {{.*}} into vector<6x16xf32>
// CHECK: scf.forall (%{{.*}}) = (0) to (512) step (32)
// CHECK: scf.for %{{.*}} = %c0 to %c256 step %c1
// CHECK: vector.contract {{.*}} into vector<2x32xf32>
// CHECK: scf.yield %{{.*}}, %{{.*}} : tensor<126x512xf32>, tensor<2x512xf32>
func.func @deep(%a: tensor<128x1792xf32>, %b: tensor<1792x512xf32>) -> tensor<128x512xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x512xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<128x512xf32>) -> tensor<128x512xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<128x1792xf32>, tensor<1792x512xf32>) outs(%c : tensor<128x512xf32>) -> tensor<128x512xf32>
  return %0 : tensor<128x512xf32>
}

// -----

// B (32 x 256, 32 KB) stays in L2 while C (1024 x 256, 1 MB) does not:
// the row blocks are the outer loop, which threads share, and each writes
// whole rows of C (columns outside would write it a strip of 16 or 32
// columns at a time). The 10 rows that 6 x 16 blocks leave make a C of
// 10 KB: their column blocks stay outside. B's rows lie 1 KB apart, but
// all of it (32 KB) stays in L1: not a wide B, 8 x 32 blocks with AVX-512.
// CHECK-LABEL: func.func @rows_outside
// CHECK: scf.forall (%{{.*}}) = (0) to (1014) step (6)
// CHECK: scf.for %{{.*}} = %c0 to %c256 step %c16
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c1
// CHECK: vector.contract {{.*}} into vector<6x16xf32>
// CHECK: scf.forall (%{{.*}}) = (0) to (256) step (16)
// CHECK: scf.for %{{.*}} = %c0 to %c10 step %c5
// AVX512-LABEL: func.func @rows_outside
// AVX512: scf.forall (%{{.*}}) = (0) to (1024) step (8)
// AVX512: scf.for %{{.*}} = %c0 to %c256 step %c32
// AVX512: vector.contract {{.*}} into vector<8x32xf32>
func.func @rows_outside(%a: tensor<1024x32xf32>, %b: tensor<32x256xf32>) -> tensor<1024x256xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1024x256xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<1024x256xf32>) -> tensor<1024x256xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<1024x32xf32>, tensor<32x256xf32>) outs(%c : tensor<1024x256xf32>) -> tensor<1024x256xf32>
  return %0 : tensor<1024x256xf32>
}

// -----

// A wide B (784 x 512: rows 2 KB apart, 1.6 MB), whose column blocks come
// from L2 at every row block: with AVX-512, of the blocks that keep the FMA
// units busy, 6 x 64 reads the fewest vectors per FMA, so 256 rows are 252
// in 6 x 64 blocks (in chunks of 42 rows) and a rest of 4 in 4 x 64, not
// 8 x 32 blocks. B (1 MB or more) does not stay in L2: each chunk reads it
// in K blocks of 112 rows across all 512 columns (224 KB, the largest
// divisor of 784 within 256 KB), first block, blocks between, last block;
// the rest of 4 rows, a share of 4 x 512, is not blocked.
// With AVX2, 246 rows in 6 x 16 blocks and 10 in 5 x 16 would cost a hair
// less than 252 and 4 in 4 x 16; but 246 rows (41 blocks) allow only
// chunks of 6 rows, each of which would read all of B from L3: 252 and 4.
// CHECK-LABEL: func.func @wide_b
// CHECK: scf.forall (%{{.*}}) = (0) to (252) step (42)
// CHECK: scf.for %{{.*}} = %c0 to %c112 step %c1
// CHECK: vector.contract {{.*}} into vector<6x16xf32>
// CHECK: scf.forall.in_parallel
// CHECK: scf.for %{{.*}} = %c0 to %c784 step %c1
// CHECK: vector.contract {{.*}} into vector<4x16xf32>
// AVX512-LABEL: func.func @wide_b
// AVX512: scf.forall (%{{.*}}) = (0) to (252) step (42)
// AVX512: scf.for %{{.*}} = %c0 to %c512 step %c64
// AVX512: scf.for %{{.*}} = %c0 to %c42 step %c6
// AVX512: scf.for %{{.*}} = %c0 to %c112 step %c1
// AVX512: vector.contract {{.*}} into vector<6x64xf32>
// AVX512: scf.for %{{.*}} = %c0 to %c560 step %c112
// AVX512: scf.for %{{.*}} = %c0 to %c512 step %c64
// AVX512: scf.for %{{.*}} = %c0 to %c42 step %c6
// AVX512: scf.for %{{.*}} = %c0 to %c112 step %c1
// AVX512: scf.forall.in_parallel
// AVX512: scf.for %{{.*}} = %c0 to %c784 step %c1
// AVX512: vector.contract {{.*}} into vector<4x64xf32>
// AVX512-NOT: vector<8x32xf32>
func.func @wide_b(%a: tensor<256x784xf32>, %b: tensor<784x512xf32>) -> tensor<256x512xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x512xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<256x512xf32>) -> tensor<256x512xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<256x784xf32>, tensor<784x512xf32>) outs(%c : tensor<256x512xf32>) -> tensor<256x512xf32>
  return %0 : tensor<256x512xf32>
}

// -----

// With AVX2, 784 rows over K = 1024 (chunks of at most 48 rows) split best
// as 774 and 10, whose 129 blocks of 6 allow chunks of 18 rows at most; but
// no split within 5 % of its cost allows 32 or more (780 rows: chunks of
// 30; 782 in 2 x 32 blocks costs far more), so 774 and 10 stay.
// CHECK-LABEL: func.func @wide_b_no_better_chunks
// CHECK: scf.forall (%{{.*}}) = (0) to (774) step (18)
// CHECK: vector.contract {{.*}} into vector<6x16xf32>
// CHECK: scf.forall (%{{.*}}) = (0) to (512) step (16) {{.*}} -> (tensor<10x512xf32>)
// CHECK: vector.contract {{.*}} into vector<5x16xf32>
func.func @wide_b_no_better_chunks(%a: tensor<784x1024xf32>, %b: tensor<1024x512xf32>) -> tensor<784x512xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<784x512xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<784x512xf32>) -> tensor<784x512xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<784x1024xf32>, tensor<1024x512xf32>) outs(%c : tensor<784x512xf32>) -> tensor<784x512xf32>
  return %0 : tensor<784x512xf32>
}

// -----

// A wide B that stays in L2 (784 x 256, 784 KB) keeps whole column blocks
// over all of K: its 4-line panels would not stay in L1 either (rows 1 KB
// apart), and blocking K adds nothing where B comes from L2 anyway.
// AVX512-LABEL: func.func @wide_b_in_l2
// AVX512: scf.forall (%{{.*}}) = (0) to (252) step (42)
// AVX512: scf.for %{{.*}} = %c0 to %c784 step %c1 iter_args(%{{.*}}) -> (vector<6x64xf32>)
// AVX512: vector.contract {{.*}} into vector<6x64xf32>
// AVX512: scf.forall.in_parallel
func.func @wide_b_in_l2(%a: tensor<256x784xf32>, %b: tensor<784x256xf32>) -> tensor<256x256xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x256xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<256x256xf32>) -> tensor<256x256xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<256x784xf32>, tensor<784x256xf32>) outs(%c : tensor<256x256xf32>) -> tensor<256x256xf32>
  return %0 : tensor<256x256xf32>
}

// -----

// With 64 rows, the rest's second pass over the wide B would cost more
// than the 6 x 64 blocks save: 8 x 32 blocks over all 64.
// AVX512-LABEL: func.func @wide_b_few_rows
// AVX512-NOT: vector<6x64xf32>
// AVX512: vector.contract {{.*}} into vector<8x32xf32>
// AVX512-NOT: vector<4x64xf32>
func.func @wide_b_few_rows(%a: tensor<64x784xf32>, %b: tensor<784x512xf32>) -> tensor<64x512xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x512xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<64x512xf32>) -> tensor<64x512xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<64x784xf32>, tensor<784x512xf32>) outs(%c : tensor<64x512xf32>) -> tensor<64x512xf32>
  return %0 : tensor<64x512xf32>
}

// -----

// A column block of B (784 x 16, 49 KB) outgrows its share of L1 (16 KB):
// the reduction is blocked by 196 (12 KB of it), so that each block stays
// in L1 while the row blocks of A pass by it, where the whole column block
// would come from L2 again for every row block (the MLP's first layer at
// batch 64). Both parts of the split rows are blocked. In each share, the
// first block is a product of its own whose register blocks start from
// zeros and write the result (no zero fill of the share, no read of it,
// and no addition of the fill's zeros: a sum from +0.0 is never -0.0),
// then a loop over the blocks between adds to it, then the last block.
// With AVX-512's 32 registers, the blocks are 8 x 32 (16 accumulators,
// 10 loads per step), which 16 registers would not hold; a column block's
// row is then 128 bytes, and the reduction is blocked by 112 (14 KB).
// N = 32 is one column block, so threads share the rows.
// CHECK-LABEL: func.func @panel_in_l1
// CHECK: scf.forall (%{{.*}}) = (0) to (32) step (16)
// CHECK-NOT: vector<54x16xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c54 step %c6
// CHECK: %[[FIRST:.*]] = scf.for %{{.*}} = %c0 to %c196 step %c1
// CHECK: vector.contract {{.*}} into vector<6x16xf32>
// CHECK-NOT: arith.addf
// CHECK: vector.transfer_write %[[FIRST]]
// CHECK: scf.for %{{.*}} = %c0 to %c392 step %c196
// CHECK: scf.for %{{.*}} = %c0 to %c54 step %c6
// CHECK: scf.for %{{.*}} = %c0 to %c196 step %c1
// CHECK: vector.transfer_read
// CHECK: arith.addf
// CHECK: scf.for %{{.*}} = %c0 to %c54 step %c6
// CHECK: scf.for %{{.*}} = %c0 to %c196 step %c1
// CHECK: vector.transfer_read
// CHECK: arith.addf
// CHECK: scf.forall.in_parallel
// CHECK: scf.forall (%{{.*}}) = (0) to (32) step (16)
// CHECK: scf.for %{{.*}} = %c0 to %c10 step %c5
// CHECK: scf.for %{{.*}} = %c0 to %c392 step %c196
// CHECK: scf.for %{{.*}} = %c0 to %c10 step %c5
// AVX512-LABEL: func.func @panel_in_l1
// AVX512: scf.forall (%{{.*}}) = (0) to (64) step (32)
// AVX512: scf.for %{{.*}} = %c0 to %c32 step %c8
// AVX512: scf.for %{{.*}} = %c0 to %c112 step %c1
// AVX512: vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// AVX512: scf.for %{{.*}} = %c0 to %c560 step %c112
// AVX512: scf.for %{{.*}} = %c0 to %c32 step %c8
func.func @panel_in_l1(%a: tensor<64x784xf32>, %b: tensor<784x32xf32>) -> tensor<64x32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x32xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<64x32xf32>) -> tensor<64x32xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<64x784xf32>, tensor<784x32xf32>) outs(%c : tensor<64x32xf32>) -> tensor<64x32xf32>
  return %0 : tensor<64x32xf32>
}

// -----

// The bias and relu after a product blocked along its reduction are the
// epilogue of its last block: its register blocks add the blocks before,
// the bias and the relu, and write the relu's result; the product's own
// result is written by the blocks before the last alone. With two blocks
// (K = 256 by 128), nothing is between them.
// AVX512-LABEL: func.func @panel_epilogue
// AVX512: scf.forall (%{{.*}}) = (0) to (512) step (32)
// AVX512: %[[FIRST:.*]] = scf.for %{{.*}} = %c0 to %c64 step %c8
// AVX512: scf.for %{{.*}} = %c0 to %c128 step %c1
// AVX512-NOT: arith.maximumf
// AVX512: scf.yield
// AVX512-NOT: step %c128
// AVX512: scf.for %{{.*}} = %c0 to %c64 step %c8
// AVX512: tensor.extract_slice %[[FIRST]]
// AVX512: scf.for %{{.*}} = %c0 to %c128 step %c1
// AVX512: vector.transfer_read
// AVX512: arith.addf
// AVX512: arith.addf
// AVX512: arith.maximumf
// AVX512: vector.transfer_write
// AVX512: scf.forall.in_parallel
// AVX512-NOT: linalg.generic
// AVX512: return
func.func @panel_epilogue(%a: tensor<64x256xf32>, %b: tensor<256x512xf32>, %bias: tensor<512xf32>) -> tensor<64x512xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x512xf32>
  %c = linalg.fill ins(%z : f32) outs(%e : tensor<64x512xf32>) -> tensor<64x512xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<64x256xf32>, tensor<256x512xf32>) outs(%c : tensor<64x512xf32>) -> tensor<64x512xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%0, %bias : tensor<64x512xf32>, tensor<512xf32>) outs(%e : tensor<64x512xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %r = arith.maximumf %s, %z : f32
    linalg.yield %r : f32
  } -> tensor<64x512xf32>
  return %1 : tensor<64x512xf32>
}

// -----

// A single row block leaves nothing to share a column block of B with:
// its reduction is not blocked, however deep.
// CHECK-LABEL: func.func @panel_one_row_block
// CHECK-NOT: step %c196
// CHECK: scf.for %{{.*}} = %c0 to %c784 step %c1
// CHECK: vector.contract {{.*}} into vector<6x16xf32>
func.func @panel_one_row_block(%a: tensor<6x784xf32>, %b: tensor<784x32xf32>, %c: tensor<6x32xf32>) -> tensor<6x32xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<6x784xf32>, tensor<784x32xf32>) outs(%c : tensor<6x32xf32>) -> tensor<6x32xf32>
  return %0 : tensor<6x32xf32>
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
// matmul (2 filters by 32 output positions here). The copy moves whole
// rows: cols[n, c, kh, kw, oh, :] = x[n, c, oh + kh, kw : kw + OW], one
// vector read and write each; threads share the channels (one image).
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d0 + d1)>
// CHECK-LABEL: func.func @conv
// CHECK-NOT: linalg.conv_2d_nchw_fchw
// CHECK: scf.forall (%[[C:.*]]) in (2)
// CHECK: scf.for %[[KH:.*]] = %c0 to %c3
// CHECK: scf.for %[[KW:.*]] = %c0 to %c3
// CHECK: scf.for %[[OH:.*]] = %c0 to %c8
// CHECK: %[[H:.*]] = affine.apply #[[$ROW]](%[[OH]], %[[KH]])
// CHECK: %[[ROWV:.*]] = vector.transfer_read %arg0[%c0, %[[C]], %[[H]], %[[KW]]]{{.*}} : tensor<1x2x10x10xf32>, vector<8xf32>
// CHECK: vector.transfer_write %[[ROWV]], %{{.*}}[%c0, %c0, %[[KH]], %[[KW]], %[[OH]], %c0]{{.*}} : vector<8xf32>, tensor<1x1x3x3x8x8xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3], [4, 5]] : tensor<1x2x3x3x8x8xf32> into tensor<1x18x64xf32>
// CHECK: vector.contract {{.*}} : vector<2x1xf32>, vector<1x1x32xf32> into vector<1x2x32xf32>
func.func @conv(%x: tensor<1x2x10x10xf32>, %w: tensor<2x2x3x3xf32>, %o: tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x2x10x10xf32>, tensor<2x2x3x3xf32>) outs(%o : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  return %0 : tensor<1x2x8x8xf32>
}

// -----

// With a stride along the width, output pixels are not contiguous in the
// input: the copy stays a linalg.generic over (n, c, kh, kw, oh, ow)
// reading x[n, c, 2 oh + kh, 2 ow + kw] (no division in its indexing).
// CHECK-DAG: #[[$READS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4 * 2 + d2, d5 * 2 + d3)>
// CHECK-LABEL: func.func @conv_strided
// CHECK: linalg.generic {indexing_maps = [#[[$READS]], {{.*}}]{{.*}} ins(%arg0 : tensor<1x2x17x17xf32>) outs(%{{.*}} : tensor<1x2x3x3x8x8xf32>)
// CHECK: vector.contract {{.*}} : vector<2x1xf32>, vector<1x1x32xf32> into vector<1x2x32xf32>
func.func @conv_strided(%x: tensor<1x2x17x17xf32>, %w: tensor<2x2x3x3xf32>, %o: tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : tensor<1x2x17x17xf32>, tensor<2x2x3x3xf32>) outs(%o : tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  return %0 : tensor<1x2x8x8xf32>
}

// -----

// 16 filters and 100 output positions: channels last gives the product
// whole registers along the filters ([OH OW, KH KW C] x [KH KW C, F],
// 5 x 16 blocks) where channels first would have 5-lane vectors. The input
// and the accumulator are transposed to NHWC, the filters to HWCF, and the
// result back to NCHW. In NHWC a kernel row's columns and channels are
// contiguous (KW C = 6 elements, from column 2 ow, the stride), so the
// product reads the input itself, with no im2col copy: threads share the
// output rows (one image), each reads its 3 input rows (from 2 oh), and a
// block of 5 output columns takes, per step (kh, r), 5 elements 4 apart
// (s C) of the row, starting at 4 ow + r.
// CHECK-DAG: #[[$H:.*]] = affine_map<(d0) -> (d0 * 2)>
// CHECK-DAG: #[[$W:.*]] = affine_map<(d0) -> (d0 * 4)>
// CHECK-LABEL: func.func @conv_channels_last
// CHECK: %[[XT:.*]] = scf.forall {{.*}} -> (tensor<1x21x21x2xf32>)
// CHECK: linalg.transpose {{.*}} permutation = [0, 2, 3, 1]
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[XT]] {{\[}}[0], [1], [2, 3]] : tensor<1x21x21x2xf32> into tensor<1x21x42xf32>
// CHECK: scf.forall {{.*}} -> (tensor<3x3x2x16xf32>)
// CHECK: linalg.transpose {{.*}} permutation = [2, 3, 1, 0]
// CHECK: %[[F:.*]] = tensor.collapse_shape %{{.*}} : tensor<3x3x2x16xf32> into tensor<3x6x16xf32>
// CHECK: scf.forall {{.*}} -> (tensor<1x10x10x16xf32>)
// CHECK: linalg.transpose {{.*}} permutation = [0, 2, 3, 1]
// CHECK: scf.forall (%[[OH:.*]]) in (10)
// CHECK: %[[R:.*]] = affine.apply #[[$H]](%[[OH]])
// CHECK: %[[ROWS:.*]] = tensor.extract_slice %[[FLAT]][0, %[[R]], 0] [1, 3, 42]
// CHECK: scf.for %[[OW:.*]] = %c0 to %c10 step %c5
// CHECK: %[[Q:.*]] = affine.apply #[[$W]](%[[OW]])
// CHECK: %[[BLOCK:.*]] = tensor.extract_slice %[[ROWS]][0, 0, %[[Q]]] [1, 3, 22]
// CHECK: scf.for %[[KH:.*]] = %c0 to %c3
// CHECK: scf.for %[[RR:.*]] = %c0 to %c6
// CHECK: %[[STEP:.*]] = tensor.extract_slice %[[BLOCK]][0, %[[KH]], %[[RR]]] [1, 1, 17]
// CHECK: tensor.extract_slice %[[F]][%[[KH]], %[[RR]], 0] [1, 1, 16]
// CHECK: tensor.extract_slice %[[STEP]][0, 0, 0] [1, 1, 5] [1, 1, 4]
// CHECK: vector.contract {{.*}} : vector<1x1x5x1xf32>, vector<1x16xf32> into vector<1x1x5x16xf32>
// CHECK: scf.forall {{.*}} -> (tensor<1x16x10x10xf32>)
// CHECK: linalg.transpose {{.*}} permutation = [0, 3, 1, 2]
// CHECK-NOT: x10x10x3x6xf32
func.func @conv_channels_last(%x: tensor<1x2x21x21xf32>, %w: tensor<16x2x3x3xf32>, %o: tensor<1x16x10x10xf32>) -> tensor<1x16x10x10xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : tensor<1x2x21x21xf32>, tensor<16x2x3x3xf32>) outs(%o : tensor<1x16x10x10xf32>) -> tensor<1x16x10x10xf32>
  return %0 : tensor<1x16x10x10xf32>
}

// -----

// Stride 1 with 16 channels: per step, 5 neighbouring output columns read
// elements 16 apart (C) in a kernel row of 3 x 16 = 48.
// CHECK-LABEL: func.func @conv_long_rows
// CHECK: scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c48 step %c1
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0] [1, 1, 5] [1, 1, 16] : tensor<1x1x65xf32> to tensor<1x1x5xf32>
// CHECK: vector.contract {{.*}} : vector<1x1x5x1xf32>, vector<1x16xf32> into vector<1x1x5x16xf32>
func.func @conv_long_rows(%x: tensor<1x16x7x7xf32>, %w: tensor<16x16x3x3xf32>, %o: tensor<1x16x5x5xf32>) -> tensor<1x16x5x5xf32> {
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x16x7x7xf32>, tensor<16x16x3x3xf32>) outs(%o : tensor<1x16x5x5xf32>) -> tensor<1x16x5x5xf32>
  return %0 : tensor<1x16x5x5xf32>
}

// -----

// A stride-1 convolution with few filters from a zero fill is a product
// over shifted rows of the input itself: the output pixels are computed at
// the width of the padded rows, column p reading x[p + W kh + kw], and the
// columns past the image's 28 dropped by a strided view. The rows share
// their padding (the left 2 columns are the previous row's right), so they
// are 30 wide, not 32: 28 x 30 = 840 columns, 848 in whole blocks. The
// padding's fill gains rows (33) so that the last columns' reads stay
// inside. No im2col copy; 6 x 16 register blocks, threads share the
// column blocks (one image).
// CHECK-DAG: #[[$SHIFT:.*]] = affine_map<(d0, d1)[s0] -> (d0 * 30 + d1 + s0)>
// CHECK-LABEL: func.func @conv_shifted
// CHECK: %[[TALL:.*]] = linalg.fill {{.*}} -> tensor<1x1x33x30xf32>
// CHECK: %[[PAD:.*]] = tensor.insert_slice %arg0 into %[[TALL]][0, 0, 2, 2] [1, 1, 28, 28]
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[PAD]] {{\[}}[0], [1], [2, 3]] : tensor<1x1x33x30xf32> into tensor<1x1x990xf32>
// CHECK: %[[P:.*]] = scf.forall (%[[COL:.*]]) = (0) to (848) step (16)
// CHECK: scf.for %[[KH:.*]] = %c0 to %c5
// CHECK: scf.for %[[KW:.*]] = %c0 to %c5
// CHECK: %[[AT:.*]] = affine.apply #[[$SHIFT]](%[[KH]], %[[KW]])[%[[COL]]]
// CHECK: vector.transfer_read %[[FLAT]][%c0, %c0, %[[AT]]]{{.*}} : tensor<1x1x990xf32>, vector<1x1x16xf32>
// CHECK: vector.contract {{.*}} : vector<6x1xf32>, vector<1x1x16xf32> into vector<1x6x16xf32>
// CHECK: %[[ROWS:.*]] = tensor.extract_slice %[[P]][0, 0, 0] [1, 6, 840] [1, 1, 1]
// CHECK: %[[IMG:.*]] = tensor.expand_shape %[[ROWS]] {{\[}}[0], [1], [2, 3]] output_shape [1, 6, 28, 30]
// CHECK: %[[OUT:.*]] = tensor.extract_slice %[[IMG]][0, 0, 0, 0] [1, 6, 28, 28] [1, 1, 1, 1]
// CHECK: return %[[OUT]]
func.func @conv_shifted(%x: tensor<1x1x28x28xf32>, %w: tensor<6x1x5x5xf32>) -> tensor<1x6x28x28xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1x32x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x32x32xf32>) -> tensor<1x1x32x32xf32>
  %p = tensor.insert_slice %x into %z[0, 0, 2, 2] [1, 1, 28, 28] [1, 1, 1, 1] : tensor<1x1x28x28xf32> into tensor<1x1x32x32xf32>
  %oe = tensor.empty() : tensor<1x6x28x28xf32>
  %o = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x6x28x28xf32>) -> tensor<1x6x28x28xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%p, %w : tensor<1x1x32x32xf32>, tensor<6x1x5x5xf32>) outs(%o : tensor<1x6x28x28xf32>) -> tensor<1x6x28x28xf32>
  return %0 : tensor<1x6x28x28xf32>
}

// -----

// Padding wider on the right (0 left, 2 right) is not shared: a row's right
// padding would be read from the next row's first columns, which hold
// pixels. The rows stay at the padded width, 30.
// CHECK-DAG: #[[$SHIFT:.*]] = affine_map<(d0, d1)[s0] -> (d0 * 30 + d1 + s0)>
// CHECK-LABEL: func.func @conv_shifted_right_padding
// CHECK: %[[TALL:.*]] = linalg.fill {{.*}} -> tensor<1x1x29x30xf32>
// CHECK: tensor.insert_slice %arg0 into %[[TALL]][0, 0, 0, 0] [1, 1, 28, 28]
// CHECK: scf.forall (%{{.*}}) = (0) to (784) step (16)
// CHECK: affine.apply #[[$SHIFT]]
// CHECK: tensor.expand_shape %{{.*}} output_shape [1, 6, 26, 30]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 6, 26, 28] [1, 1, 1, 1]
func.func @conv_shifted_right_padding(%x: tensor<1x1x28x28xf32>, %w: tensor<6x1x3x3xf32>) -> tensor<1x6x26x28xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1x28x30xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x28x30xf32>) -> tensor<1x1x28x30xf32>
  %p = tensor.insert_slice %x into %z[0, 0, 0, 0] [1, 1, 28, 28] [1, 1, 1, 1] : tensor<1x1x28x28xf32> into tensor<1x1x28x30xf32>
  %oe = tensor.empty() : tensor<1x6x26x28xf32>
  %o = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x6x26x28xf32>) -> tensor<1x6x26x28xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%p, %w : tensor<1x1x28x30xf32>, tensor<6x1x3x3xf32>) outs(%o : tensor<1x6x26x28xf32>) -> tensor<1x6x26x28xf32>
  return %0 : tensor<1x6x26x28xf32>
}

// -----

// 16 filters: blocks of 8 x 8, 4 x 16 and 2 x 32 all have 8 accumulators,
// fewer than keep the FMA units busy, and tie on their score. With AVX2
// the one with the fewest loads per FMA wins: 4 x 16 (4 broadcasts and 2
// rows per 8 FMAs; 8 x 8 loads 9). AVX-512 keeps its blocks (8 x 32).
// CHECK-LABEL: func.func @conv_sixteen_filters
// CHECK: scf.for %{{.*}} = %c0 to %c16 step %c4
// CHECK: vector.contract {{.*}} : vector<4x1xf32>, vector<1x1x16xf32> into vector<1x4x16xf32>
// AVX512-LABEL: func.func @conv_sixteen_filters
// AVX512: vector.contract {{.*}} : vector<8x1xf32>, vector<1x1x32xf32> into vector<1x8x32xf32>
func.func @conv_sixteen_filters(%x: tensor<1x16x34x34xf32>, %w: tensor<16x16x3x3xf32>) -> tensor<1x16x32x32xf32> {
  %zero = arith.constant 0.0 : f32
  %oe = tensor.empty() : tensor<1x16x32x32xf32>
  %o = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x16x32x32xf32>) -> tensor<1x16x32x32xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x16x34x34xf32>, tensor<16x16x3x3xf32>) outs(%o : tensor<1x16x32x32xf32>) -> tensor<1x16x32x32xf32>
  return %0 : tensor<1x16x32x32xf32>
}

// -----

// An input without padding is copied into a taller zero tensor (10 + 1
// rows); threads share the images, each image's 8 x 10 columns are 5
// blocks of 4 filters by 16, the reduction runs over channels and the
// kernel's rows and columns.
// CHECK-DAG: #[[$SHIFT:.*]] = affine_map<(d0, d1)[s0] -> (d0 * 10 + d1 + s0)>
// CHECK-LABEL: func.func @conv_shifted_copy
// CHECK: %[[TALL:.*]] = linalg.fill {{.*}} -> tensor<2x2x11x10xf32>
// CHECK: %[[PAD:.*]] = tensor.insert_slice %arg0 into %[[TALL]][0, 0, 0, 0] [2, 2, 10, 10]
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[PAD]] {{.*}} into tensor<2x2x110xf32>
// CHECK: scf.forall (%[[N:.*]]) in (2)
// CHECK: scf.for %[[COL:.*]] = %c0 to %c80 step %c16
// CHECK: scf.for %[[C:.*]] = %c0 to %c2
// CHECK: scf.for %[[KH:.*]] = %c0 to %c3
// CHECK: scf.for %[[KW:.*]] = %c0 to %c3
// CHECK: %[[AT:.*]] = affine.apply #[[$SHIFT]](%[[KH]], %[[KW]])[%[[COL]]]
// CHECK: vector.transfer_read %[[FLAT]][%[[N]], %[[C]], %[[AT]]]{{.*}} : tensor<2x2x110xf32>, vector<1x1x16xf32>
// CHECK: vector.contract {{.*}} : vector<4x1xf32>, vector<1x1x16xf32> into vector<1x4x16xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [2, 4, 8, 8] [1, 1, 1, 1] : tensor<2x4x8x10xf32> to tensor<2x4x8x8xf32>
func.func @conv_shifted_copy(%x: tensor<2x2x10x10xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<2x4x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %oe = tensor.empty() : tensor<2x4x8x8xf32>
  %o = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<2x2x10x10xf32>, tensor<4x2x3x3xf32>) outs(%o : tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  return %0 : tensor<2x4x8x8xf32>
}

// -----

// With 16 filters over 10 of 14 columns, shifted rows would cost 16 x 4 /
// 10 = 6.4 FMAs per im2col element saved: the convolution is a
// channels-last product instead (reading the NHWC input directly). Its
// zero accumulator is a fill of the NHWC shape, taken into the register
// blocks (zero registers), not a transpose of the NCHW zeros.
// CHECK-LABEL: func.func @conv_wide_waste
// CHECK-NOT: tensor<1x6x15x14xf32>
// CHECK: arith.constant dense<0.000000e+00> : vector<1x1x5x16xf32>
// CHECK: linalg.transpose {{.*}} permutation = [0, 2, 3, 1]
// CHECK-NOT: permutation = [0, 2, 3, 1]
// CHECK: vector.contract {{.*}} : vector<1x1x5x1xf32>, vector<1x16xf32> into vector<1x1x5x16xf32>
// CHECK-NOT: linalg.fill
func.func @conv_wide_waste(%x: tensor<1x6x14x14xf32>, %w: tensor<16x6x5x5xf32>) -> tensor<1x16x10x10xf32> {
  %zero = arith.constant 0.0 : f32
  %oe = tensor.empty() : tensor<1x16x10x10xf32>
  %o = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x16x10x10xf32>) -> tensor<1x16x10x10xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x6x14x14xf32>, tensor<16x6x5x5xf32>) outs(%o : tensor<1x16x10x10xf32>) -> tensor<1x16x10x10xf32>
  return %0 : tensor<1x16x10x10xf32>
}

// -----

// 16 -> 32 channels of 14 x 14, 5 x 5: channels last scores 6.4, channels
// first 5.6, short of the 1.25x that decides where the im2col copies stay
// in L2. At batch 64 they would be 20 MB, and their cost decides: channels
// last (the input and result transposed, the product reading the NHWC
// input itself); at batch 2 (625 KB) the copy stays.
// CHECK-LABEL: func.func @conv_large_copies
// CHECK-NOT: tensor<64x16x5x5x14x14xf32>
// CHECK: -> (tensor<64x18x18x16xf32>)
// CHECK: -> (tensor<64x14x14x32xf32>)
// CHECK-LABEL: func.func @conv_small_copies
// CHECK: scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}}) -> (tensor<2x16x5x5x14x14xf32>)
func.func @conv_large_copies(%x: tensor<64x16x18x18xf32>, %w: tensor<32x16x5x5xf32>) -> tensor<64x32x14x14xf32> {
  %zero = arith.constant 0.0 : f32
  %oe = tensor.empty() : tensor<64x32x14x14xf32>
  %o = linalg.fill ins(%zero : f32) outs(%oe : tensor<64x32x14x14xf32>) -> tensor<64x32x14x14xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<64x16x18x18xf32>, tensor<32x16x5x5xf32>) outs(%o : tensor<64x32x14x14xf32>) -> tensor<64x32x14x14xf32>
  return %0 : tensor<64x32x14x14xf32>
}
func.func @conv_small_copies(%x: tensor<2x16x18x18xf32>, %w: tensor<32x16x5x5xf32>) -> tensor<2x32x14x14xf32> {
  %zero = arith.constant 0.0 : f32
  %oe = tensor.empty() : tensor<2x32x14x14xf32>
  %o = linalg.fill ins(%zero : f32) outs(%oe : tensor<2x32x14x14xf32>) -> tensor<2x32x14x14xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<2x16x18x18xf32>, tensor<32x16x5x5xf32>) outs(%o : tensor<2x32x14x14xf32>) -> tensor<2x32x14x14xf32>
  return %0 : tensor<2x32x14x14xf32>
}

// -----

// A weight gradient as a direct channels-last product whose "filters"
// (the output gradient, 16 rows of 512 x 64: 2 MB) do not stay in L2: its
// kernel rows are blocked by 2 (256 KB of it) in an scf.for outside the
// loop threads share (the 32 input channels), which carries the result
// from its zero fill, so each block stays in L2 while every channel reads
// it.
// CHECK-LABEL: func.func @direct_depth
// CHECK: %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<32x3x3x64xf32>
// CHECK-NEXT: scf.for %{{.*}} = %c0 to %c16 step %c2 iter_args(%{{.*}} = %[[ZERO]]) -> (tensor<32x3x3x64xf32>)
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, 0, 0] [2, 512, 64] [1, 1, 1]
// CHECK-NEXT: scf.forall (%{{.*}}) in (32)
func.func @direct_depth(%x: tensor<32x32x18x18xf32>, %g: tensor<64x32x16x16xf32>) -> tensor<32x64x3x3xf32> {
  %zero = arith.constant 0.0 : f32
  %oe = tensor.empty() : tensor<32x64x3x3xf32>
  %o = linalg.fill ins(%zero : f32) outs(%oe : tensor<32x64x3x3xf32>) -> tensor<32x64x3x3xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %g : tensor<32x32x18x18xf32>, tensor<64x32x16x16xf32>) outs(%o : tensor<32x64x3x3xf32>) -> tensor<32x64x3x3xf32>
  return %0 : tensor<32x64x3x3xf32>
}

// -----

// LeNet's second weight gradient: its output gradient (410 KB) stays in
// L2, and the threads share the 6 input channels over all of its rows.
// CHECK-LABEL: func.func @direct_depth_in_l2
// CHECK-NOT: scf.for {{.*}} -> (tensor<6x5x5x16xf32>)
// CHECK: scf.forall (%{{.*}}) in (6) shared_outs(%{{.*}}) -> (tensor<6x5x5x16xf32>)
func.func @direct_depth_in_l2(%x: tensor<6x64x14x14xf32>, %g: tensor<16x64x10x10xf32>) -> tensor<6x16x5x5xf32> {
  %zero = arith.constant 0.0 : f32
  %oe = tensor.empty() : tensor<6x16x5x5xf32>
  %o = linalg.fill ins(%zero : f32) outs(%oe : tensor<6x16x5x5xf32>) -> tensor<6x16x5x5xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %g : tensor<6x64x14x14xf32>, tensor<16x64x10x10xf32>) outs(%o : tensor<6x16x5x5xf32>) -> tensor<6x16x5x5xf32>
  return %0 : tensor<6x16x5x5xf32>
}

// -----

// The weight gradient of a 7 x 7 stride-2 stem over 3 channels at batch
// 16: the images (batch and channels swapped) correlated with the output
// gradient, a 32 x 32 kernel dilated by 2. Its im2col copies would be
// 9.6 MB; the direct channels-last product reads the NHWC images instead,
// over the kernel's rows (blocked by 4 for L2, directDepthBlock), its
// columns (32 elements, 2 x 16 apart: the dilation) and the images (16,
// contiguous). A block's 7 output columns are 16 elements apart. The
// transposes that swapped batch and channels fold into the ones to
// channels last.
// CHECK-LABEL: func.func @direct_dilated
// CHECK-NOT: tensor<3x16x32x32x7x7xf32>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<16x1x1x14xf32>) outs(%{{.*}} : tensor<1x1x14x16xf32>) permutation = [1, 2, 3, 0]
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x16x1x16xf32>) outs(%{{.*}} : tensor<1x16x1x16xf32>) permutation = [2, 3, 0, 1]
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c4 iter_args(%{{.*}}) -> (tensor<3x7x7x32xf32>)
// CHECK: scf.forall (%{{.*}}) in (3)
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1 iter_args(%{{.*}}) -> (vector<1x1x7x8xf32>)
// CHECK-NEXT: scf.for %[[J:.*]] = %c0 to %c32 step %c1 iter_args(%{{.*}}) -> (vector<1x1x7x8xf32>)
// CHECK-NEXT: scf.for %[[R:.*]] = %c0 to %c16 step %c1 iter_args(%{{.*}}) -> (vector<1x1x7x8xf32>)
// CHECK: %[[COLUMN:.*]] = affine.apply #{{.*}}(%[[J]], %[[R]])
// CHECK: tensor.extract_slice %{{.*}}[0, %{{.*}}, %[[COLUMN]]] [1, 1, 97] [1, 1, 1]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0] [1, 1, 7] [1, 1, 16]
// CHECK: vector.contract {{.*}} : vector<1x1x7x1xf32>, vector<1x8xf32> into vector<1x1x7x8xf32>
// AVX512-LABEL: func.func @direct_dilated
// AVX512: vector.contract {{.*}} : vector<1x1x7x1xf32>, vector<1x32xf32> into vector<1x1x7x32xf32>
func.func @direct_dilated(%x: tensor<16x3x70x70xf32>, %g: tensor<16x32x32x32xf32>) -> tensor<3x32x7x7xf32> {
  %zero = arith.constant 0.0 : f32
  %xe = tensor.empty() : tensor<3x16x70x70xf32>
  %xt = linalg.transpose ins(%x : tensor<16x3x70x70xf32>) outs(%xe : tensor<3x16x70x70xf32>) permutation = [1, 0, 2, 3]
  %ge = tensor.empty() : tensor<32x16x32x32xf32>
  %gt = linalg.transpose ins(%g : tensor<16x32x32x32xf32>) outs(%ge : tensor<32x16x32x32xf32>) permutation = [1, 0, 2, 3]
  %oe = tensor.empty() : tensor<3x32x7x7xf32>
  %o = linalg.fill ins(%zero : f32) outs(%oe : tensor<3x32x7x7xf32>) -> tensor<3x32x7x7xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%xt, %gt : tensor<3x16x70x70xf32>, tensor<32x16x32x32xf32>) outs(%o : tensor<3x32x7x7xf32>) -> tensor<3x32x7x7xf32>
  return %0 : tensor<3x32x7x7xf32>
}

// -----

// A 1 x 1 stride-2 convolution's weight gradient (16 input channels, 32
// filters, batch 32): its result has one pixel per input channel, too few
// for a vector. Channels first multiplies all 16 at once, [32, 8192] x
// [8192, 16], from an im2col copy laid out [C, KH, KW, N, OH, OW], in
// register blocks of 16 columns; the result goes back to [N, F, 1, 1].
// CHECK-LABEL: func.func @conv_folded
// CHECK: linalg.generic {{.*}} ins(%arg0 : tensor<16x32x32x32xf32>) outs(%{{.*}} : tensor<32x16x16x16x1x1xf32>)
// CHECK: tensor.collapse_shape %{{.*}} : tensor<32x16x16x16x1x1xf32> into tensor<8192x16xf32>
// CHECK: vector.contract {{.*}} : vector<5x1xf32>, vector<1x16xf32> into vector<5x16xf32>
// CHECK: vector.contract {{.*}} : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
// CHECK: linalg.transpose {{.*}} permutation = [1, 0, 2, 3]
func.func @conv_folded(%x: tensor<16x32x32x32xf32>, %g: tensor<32x32x16x16xf32>) -> tensor<16x32x1x1xf32> {
  %zero = arith.constant 0.0 : f32
  %oe = tensor.empty() : tensor<16x32x1x1xf32>
  %o = linalg.fill ins(%zero : f32) outs(%oe : tensor<16x32x1x1xf32>) -> tensor<16x32x1x1xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %g : tensor<16x32x32x32xf32>, tensor<32x32x16x16xf32>) outs(%o : tensor<16x32x1x1xf32>) -> tensor<16x32x1x1xf32>
  return %0 : tensor<16x32x1x1xf32>
}

// -----

// A convolution whose kernel is large next to its result (the weight
// gradient of a convolution: images correlated with their gradients) is a
// correlation over shifted rows, vectorized along the summed pixels: the
// kernel (g) padded to the input's width 12 and cut in vectors of 8
// (10 x 12 = 15 x 8), the input given a row of zeros (13). Each image (an
// scf.forall) sums into 3 filters x 3 kernel columns of 8-lane vectors per
// kernel row, carried by the loop over the 15 vectors: per step 3 reads
// of g, 3 of x (one element apart) and 9 FMAs. Then the images' vectors
// are summed into the result.
// CHECK-DAG: #[[$X0:.*]] = affine_map<(d0, d1) -> (d0 * 12 + d1 * 8)>
// CHECK-DAG: #[[$X2:.*]] = affine_map<(d0, d1) -> (d0 * 12 + d1 * 8 + 2)>
// CHECK-LABEL: func.func @conv_weight_gradient
// CHECK: %[[GPAD:.*]] = tensor.insert_slice %arg1 into %{{.*}}[0, 0, 0, 0] [6, 4, 10, 10] {{.*}} into tensor<6x4x10x12xf32>
// CHECK: %[[GFLAT:.*]] = tensor.collapse_shape %[[GPAD]] {{.*}} into tensor<6x4x120xf32>
// CHECK: %[[G:.*]] = tensor.expand_shape %[[GFLAT]] {{.*}} into tensor<6x4x15x8xf32>
// CHECK: %[[XPAD:.*]] = tensor.insert_slice %arg0 into %{{.*}} into tensor<1x4x13x12xf32>
// CHECK: %[[X:.*]] = tensor.collapse_shape %[[XPAD]] {{.*}} into tensor<1x4x156xf32>
// CHECK: %[[PARTS:.*]] = scf.forall (%[[N:.*]]) in (4) {{.*}} -> (tensor<4x1x6x3x3x8xf32>)
// CHECK: scf.for %[[F:.*]] = %c0 to %c6 step %c3
// CHECK: scf.for %[[I:.*]] = %c0 to %c3 step %c1
// CHECK: scf.for %[[T:.*]] = %c0 to %c15 step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: %[[G0:.*]] = vector.transfer_read %[[G]][%[[F]], %[[N]], %[[T]], %c0]{{.*}} : tensor<6x4x15x8xf32>, vector<8xf32>
// CHECK: %[[A0:.*]] = affine.apply #[[$X0]](%[[I]], %[[T]])
// CHECK: %[[X0:.*]] = vector.transfer_read %[[X]][%c0, %[[N]], %[[A0]]]{{.*}} : tensor<1x4x156xf32>, vector<8xf32>
// CHECK: vector.fma %[[G0]], %[[X0]]
// CHECK: %[[A2:.*]] = affine.apply #[[$X2]](%[[I]], %[[T]])
// CHECK: vector.transfer_read %[[X]][%c0, %[[N]], %[[A2]]]
// CHECK-COUNT-3: vector.fma
// CHECK: scf.yield
// CHECK: scf.forall ({{.*}}) in (6, 3, 3)
// CHECK: vector.transfer_read %[[PARTS]]
// CHECK: vector.multi_reduction <add>
func.func @conv_weight_gradient(%x: tensor<1x4x12x12xf32>, %g: tensor<6x4x10x10xf32>) -> tensor<1x6x3x3xf32> {
  %zero = arith.constant 0.0 : f32
  %oe = tensor.empty() : tensor<1x6x3x3xf32>
  %o = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x6x3x3xf32>) -> tensor<1x6x3x3xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %g : tensor<1x4x12x12xf32>, tensor<6x4x10x10xf32>) outs(%o : tensor<1x6x3x3xf32>) -> tensor<1x6x3x3xf32>
  return %0 : tensor<1x6x3x3xf32>
}

// -----

// Rows of 64 (a 1-D convolution's weight gradient: 8 channels as the
// batch, 4 images, 8 filters, a "kernel" of 1 x 60 giving 1 x 5), 8
// channels times 8 filters and 8 vector steps per image: the blocks sum
// the images too. Parts [8, 8, 1, 5, 8] (no images' dimension), threads
// share the channels, each block of 2 filters by 5 kernel columns carries
// its 10 vectors through the loops over the images (4) and the steps (8).
// CHECK-LABEL: func.func @conv_weight_gradient_rows
// CHECK-NOT: tensor<8x4x8x1x5x8xf32>
// CHECK: scf.forall (%[[C:.*]]) in (8) {{.*}} -> (tensor<8x8x1x5x8xf32>)
// CHECK: scf.for %[[F:.*]] = %c0 to %c8 step %c2
// CHECK: scf.for %[[N:.*]] = %c0 to %c4 step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: scf.for %[[T:.*]] = %c0 to %c8 step %c1 iter_args(
// CHECK: vector.transfer_read %{{.*}}[%[[F]], %[[N]], %[[T]], %c0]{{.*}} : tensor<8x4x8x8xf32>, vector<8xf32>
// CHECK: vector.transfer_read %{{.*}}[%[[C]], %[[N]], %{{.*}}]{{.*}} : tensor<8x4x128xf32>, vector<8xf32>
// CHECK-COUNT-10: vector.fma
func.func @conv_weight_gradient_rows(%x: tensor<8x4x1x64xf32>, %g: tensor<8x4x1x60xf32>) -> tensor<8x8x1x5xf32> {
  %zero = arith.constant 0.0 : f32
  %oe = tensor.empty() : tensor<8x8x1x5xf32>
  %o = linalg.fill ins(%zero : f32) outs(%oe : tensor<8x8x1x5xf32>) -> tensor<8x8x1x5xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %g : tensor<8x4x1x64xf32>, tensor<8x4x1x60xf32>) outs(%o : tensor<8x8x1x5xf32>) -> tensor<8x8x1x5xf32>
  return %0 : tensor<8x8x1x5xf32>
}

// -----

// With 16 kernels of 10 x 10 at width 14 (LeNet's second weight
// gradient), the padding would cost 16 x 44 FMAs against 2 x 100 for an
// im2col copy: no correlation parts (a channels-last product).
// CHECK-LABEL: func.func @conv_weight_gradient_waste
// CHECK-NOT: tensor<64x6x16x5x5x8xf32>
// CHECK: vector.contract
func.func @conv_weight_gradient_waste(%x: tensor<6x64x14x14xf32>, %g: tensor<16x64x10x10xf32>) -> tensor<6x16x5x5xf32> {
  %zero = arith.constant 0.0 : f32
  %oe = tensor.empty() : tensor<6x16x5x5xf32>
  %o = linalg.fill ins(%zero : f32) outs(%oe : tensor<6x16x5x5xf32>) -> tensor<6x16x5x5xf32>
  %0 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %g : tensor<6x64x14x14xf32>, tensor<16x64x10x10xf32>) outs(%o : tensor<6x16x5x5xf32>) -> tensor<6x16x5x5xf32>
  return %0 : tensor<6x16x5x5xf32>
}

// -----

// A sum over the batch (a dense layer's bias gradient) keeps the columns
// in vectors: threads share blocks of 8 columns (120 = 15 x 8), and each
// block's sums stay in a register across the rows.
// CHECK-LABEL: func.func @sum_rows
// CHECK: scf.forall (%[[J:.*]]) = (0) to (120) step (8)
// CHECK: %[[INIT:.*]] = vector.transfer_read {{.*}} : tensor<8xf32>, vector<8xf32>
// CHECK: %[[SUM:.*]] = scf.for %[[I:.*]] = %c0 to %c64 step %c1 iter_args(%[[ACC:.*]] = %[[INIT]]) -> (vector<8xf32>)
// CHECK: %[[ROW:.*]] = vector.transfer_read %arg0[%[[I]], %[[J]]]{{.*}} : tensor<64x120xf32>, vector<1x8xf32>
// CHECK: %[[FLAT:.*]] = vector.shape_cast %[[ROW]]
// CHECK: %[[NEXT:.*]] = arith.addf %[[ACC]], %[[FLAT]] : vector<8xf32>
// CHECK: scf.yield %[[NEXT]]
// CHECK: vector.transfer_write %[[SUM]]
func.func @sum_rows(%g: tensor<64x120xf32>, %o: tensor<120xf32>) -> tensor<120xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]} ins(%g : tensor<64x120xf32>) outs(%o : tensor<120xf32>) {
  ^bb0(%in: f32, %out: f32):
    %1 = arith.addf %out, %in : f32
    linalg.yield %1 : f32
  } -> tensor<120xf32>
  return %0 : tensor<120xf32>
}

// -----

// A sum over the batch and the pixels (a convolution's bias gradient):
// threads share the channels, and each step adds one row of pixels to a
// vector of partial sums (a row long), carried across the loops over
// images and rows; the partial sums are summed once, after the loops.
// CHECK-LABEL: func.func @sum_pixels
// CHECK: scf.forall (%[[C:.*]]) in (6)
// CHECK: %[[SUMS:.*]] = scf.for %[[N:.*]] = %c0 to %c64 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<1x1x1x28xf32>)
// CHECK: scf.for %[[H:.*]] = %c0 to %c28 step %c1 iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<1x1x1x28xf32>)
// CHECK: %[[ROW:.*]] = vector.transfer_read %arg0[%[[N]], %[[C]], %[[H]], %c0]{{.*}} : tensor<64x6x28x28xf32>, vector<1x1x1x28xf32>
// CHECK: arith.addf %[[ACC]], %[[ROW]] : vector<1x1x1x28xf32>
// CHECK-NOT: vector.multi_reduction
// CHECK: vector.multi_reduction <add>, %[[SUMS]], %{{.*}} [1, 2, 3] : vector<1x1x1x28xf32> to vector<1xf32>
func.func @sum_pixels(%g: tensor<64x6x28x28xf32>, %o: tensor<6xf32>) -> tensor<6xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1)>], iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins(%g : tensor<64x6x28x28xf32>) outs(%o : tensor<6xf32>) {
  ^bb0(%in: f32, %out: f32):
    %1 = arith.addf %out, %in : f32
    linalg.yield %1 : f32
  } -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

// sum(reshape(x, [16, 1, 96]) * w, axis = 2) with w [64, 96], fused: a
// product that reads x through a unit dimension at index 0 and w as
// [N, K]. x is read without the unit dimension (the view folds into the
// reshape), w transposed in 16 x 16 blocks, and the product tiled as
// x @ transpose(w) is (it was scalar loops: 15 to 42 times the product's
// time).
// CHECK-LABEL: func.func @unit_read_product
// CHECK-NOT: tensor.expand_shape
// CHECK: linalg.transpose ins(%{{.*}} : tensor<16x16xf32>) outs(%{{.*}} : tensor<16x16xf32>) permutation = [1, 0]
// CHECK: vector.transfer_read %arg0[{{.*}}]{{.*}} : tensor<16x96xf32>, vector<5x1xf32>
// CHECK: vector.contract {{.*}} : vector<5x1xf32>, vector<1x16xf32> into vector<5x16xf32>
// CHECK: vector.contract {{.*}} : vector<6x1xf32>, vector<1x16xf32> into vector<6x16xf32>
func.func @unit_read_product(%x: tensor<16x96xf32>, %w: tensor<64x96xf32>) -> tensor<16x64xf32> {
  %cst = arith.constant 0.0 : f32
  %xe = tensor.expand_shape %x [[0], [1, 2]] output_shape [16, 1, 96] : tensor<16x96xf32> into tensor<16x1x96xf32>
  %e = tensor.empty() : tensor<16x64xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<16x64xf32>) -> tensor<16x64xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, 0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%xe, %w : tensor<16x1x96xf32>, tensor<64x96xf32>) outs(%z : tensor<16x64xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %1 = arith.mulf %a, %b : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<16x64xf32>
  return %0 : tensor<16x64xf32>
}

// -----

// Its weight gradient, sum over the batch of dY [16, 64, 1] * x [16, 1,
// 96]: both read without their unit dimensions, and dY, the left operand
// read transposed, in place (no transpose).
// CHECK-LABEL: func.func @unit_read_gradient
// CHECK-DAG: %[[G:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0], [1, 2]] : tensor<16x64x1xf32> into tensor<16x64xf32>
// CHECK-DAG: %[[X:.*]] = tensor.collapse_shape %arg1 {{\[\[}}0, 1], [2]] : tensor<16x1x96xf32> into tensor<16x96xf32>
// CHECK-NOT: linalg.transpose
// CHECK: vector.transfer_read %[[G]][{{.*}}]{{.*}} : tensor<16x64xf32>, vector<1x6xf32>
// CHECK: vector.transfer_read %[[X]][{{.*}}]{{.*}} : tensor<16x96xf32>, vector<1x16xf32>
// CHECK: vector.contract {{.*}} : vector<1x6xf32>, vector<1x16xf32> into vector<6x16xf32>
func.func @unit_read_gradient(%g: tensor<16x64x1xf32>, %x: tensor<16x1x96xf32>) -> tensor<64x96xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x96xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<64x96xf32>) -> tensor<64x96xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, 0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>], iterator_types = ["reduction", "parallel", "parallel"]} ins(%g, %x : tensor<16x64x1xf32>, tensor<16x1x96xf32>) outs(%z : tensor<64x96xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %1 = arith.mulf %a, %b : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<64x96xf32>
  return %0 : tensor<64x96xf32>
}

// -----

// Attention's scores written as sum(q [4, 8, 1, 40] * k [4, 1, 8, 40],
// axis = 3): a batched product of q by transpose(k), k transposed per
// batch.
// CHECK-LABEL: func.func @unit_read_batch
// CHECK-DAG: %[[Q:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0], [1, 2], [3]] : tensor<4x8x1x40xf32> into tensor<4x8x40xf32>
// CHECK-DAG: %[[K:.*]] = tensor.collapse_shape %arg1 {{\[\[}}0, 1], [2], [3]] : tensor<4x1x8x40xf32> into tensor<4x8x40xf32>
// CHECK: %[[KT:.*]] = scf.forall
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x8x10xf32>) outs(%{{.*}} : tensor<1x10x8xf32>) permutation = [0, 2, 1]
// CHECK: scf.forall (%[[B:.*]]) in (4)
// CHECK: vector.transfer_read %[[Q]][%[[B]], %c0, %{{.*}}]{{.*}} : tensor<4x8x40xf32>, vector<1x8x1xf32>
// CHECK: vector.transfer_read %[[KT]][%[[B]], %{{.*}}, %c0]{{.*}} : tensor<4x40x8xf32>, vector<1x1x8xf32>
// CHECK: vector.contract {{.*}} : vector<1x8x1xf32>, vector<1x1x8xf32> into vector<1x8x8xf32>
func.func @unit_read_batch(%q: tensor<4x8x1x40xf32>, %k: tensor<4x1x8x40xf32>) -> tensor<4x8x8xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8x8xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<4x8x8xf32>) -> tensor<4x8x8xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, 0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<4x8x1x40xf32>, tensor<4x1x8x40xf32>) outs(%z : tensor<4x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %1 = arith.mulf %a, %b : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<4x8x8xf32>
  return %0 : tensor<4x8x8xf32>
}

// -----

// Rows of 256 elements or more summed along them (a product at one row as
// dl-simplify writes it, sum(x * w, axis = 1)): 4 rows at a time, in
// pieces of two vectors, so that each piece of x is read once for 4 rows
// and 4 independent sums hide the additions' latency (one row at a time,
// in pieces of 32, the PyTorch-layout MLP's 512 x 784 took 40.7 us at one
// row, 24.0 us so). A piece adds its products in fused multiply-adds.
// CHECK-LABEL: func.func @long_rows
// CHECK: scf.forall (%[[N:.*]]) = (0) to (8) step (4)
// CHECK: scf.for %[[K:.*]] = %c0 to %c512 step %c16 iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<4x16xf32>)
// CHECK: %[[W:.*]] = vector.transfer_read %arg0[%[[N]], %[[K]]]{{.*}} : tensor<8x512xf32>, vector<4x16xf32>
// CHECK: %[[X:.*]] = vector.transfer_read %arg1[%[[K]]]{{.*}} : tensor<512xf32>, vector<16xf32>
// CHECK: %[[XS:.*]] = vector.broadcast %[[X]] : vector<16xf32> to vector<4x16xf32>
// CHECK: math.fma %[[W]], %[[XS]], %[[ACC]] : vector<4x16xf32>
// CHECK: vector.multi_reduction <add>, %{{.*}}, %{{.*}} [1] : vector<4x16xf32> to vector<4xf32>
func.func @long_rows(%w: tensor<8x512xf32>, %x: tensor<512xf32>, %o: tensor<8xf32>) -> tensor<8xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(n, k) -> (n, k)>, affine_map<(n, k) -> (k)>, affine_map<(n, k) -> (n)>], iterator_types = ["parallel", "reduction"]} ins(%w, %x : tensor<8x512xf32>, tensor<512xf32>) outs(%o : tensor<8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %1 = arith.mulf %a, %b : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// A product of 3 rows by a matrix read as rows of its transpose, with rows
// of 256 (dl-simplify's form of x @ transpose(w) at a few rows): dot
// products along the rows, all 3 rows of x by 2 of w's at a time (6
// accumulators of one vector), each piece of x and of w read once per
// step, in fused multiply-adds; the lanes are summed after the loop. (As
// a product, it had 3 rows and read w transposed: PyTorch's layout at
// batch 2 to 4 took 1.8 to 2.5 times dense()'s.)
// CHECK-LABEL: func.func @dot_products
// CHECK: scf.forall (%[[N:.*]]) = (0) to (8) step (2)
// CHECK: scf.for %[[K:.*]] = %c0 to %c256 step %c8 iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<3x2x8xf32>)
// CHECK: vector.transfer_read %arg0[%c0, %[[K]]]{{.*}} : tensor<3x256xf32>, vector<3x8xf32>
// CHECK: vector.transfer_read %arg1[%[[N]], %[[K]]]{{.*}} : tensor<8x256xf32>, vector<2x8xf32>
// CHECK: math.fma %{{.*}}, %{{.*}}, %[[ACC]] : vector<3x2x8xf32>
// CHECK: vector.multi_reduction <add>, %{{.*}}, %{{.*}} [2] : vector<3x2x8xf32> to vector<3x2xf32>
// CHECK-NOT: vector.contract
func.func @dot_products(%x: tensor<3x256xf32>, %w: tensor<8x256xf32>) -> tensor<3x8xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x8xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<3x8xf32>) -> tensor<3x8xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<3x256xf32>, tensor<8x256xf32>) outs(%z : tensor<3x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %1 = arith.mulf %a, %b : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<3x8xf32>
  return %0 : tensor<3x8xf32>
}

// -----

// Batch norm's variance, sum((x - mean)^2) over all but the channels: a
// sum of a term of the tensor and a broadcast (the channel's mean), as the
// sum above, each step a row of (x - mean)^2 from a broadcast mean. (It
// was a loop over the images around a parallel loop over the channels,
// each element a scalar load, add and store.) A product is not such a sum.
// The mean, read at index 0 in its unit dimensions, is read through a view
// without them.
// CHECK-LABEL: func.func @sum_with_broadcast
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %arg1 {{\[\[}}0, 1, 2]] : tensor<6x1x1xf32> into tensor<6xf32>
// CHECK: scf.forall (%[[C:.*]]) in (6)
// CHECK: %[[SUMS:.*]] = scf.for %[[N:.*]] = %c0 to %c64 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<1x1x1x28xf32>)
// CHECK: scf.for %[[H:.*]] = %c0 to %c28 step %c1 iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<1x1x1x28xf32>)
// CHECK: %[[ROW:.*]] = vector.transfer_read %arg0[%[[N]], %[[C]], %[[H]], %c0]{{.*}} : tensor<64x6x28x28xf32>, vector<1x1x1x28xf32>
// CHECK: %[[MEAN:.*]] = vector.transfer_read %[[FLAT]][%[[C]]]{{.*}} : tensor<6xf32>, vector<1xf32>
// CHECK: %[[MEANS:.*]] = vector.broadcast %[[MEAN]] : vector<1xf32> to vector<1x1x1x28xf32>
// CHECK: %[[D:.*]] = arith.subf %[[ROW]], %[[MEANS]] : vector<1x1x1x28xf32>
// CHECK: %[[SQ:.*]] = arith.mulf %[[D]], %[[D]] : vector<1x1x1x28xf32>
// CHECK: arith.addf %[[ACC]], %[[SQ]] : vector<1x1x1x28xf32>
// CHECK: vector.multi_reduction <add>, %[[SUMS]], %{{.*}} [1, 2, 3] : vector<1x1x1x28xf32> to vector<1xf32>
func.func @sum_with_broadcast(%x: tensor<64x6x28x28xf32>, %mean: tensor<6x1x1xf32>, %o: tensor<6xf32>) -> tensor<6xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>, affine_map<(d0, d1, d2, d3) -> (d1)>], iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins(%x, %mean : tensor<64x6x28x28xf32>, tensor<6x1x1xf32>) outs(%o : tensor<6xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %1 = arith.subf %in, %m : f32
    %2 = arith.mulf %1, %1 : f32
    %3 = arith.addf %out, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

// A long summed row (100 elements) is summed in pieces of up to 32
// (25 here, a divisor), added to a piece of partial sums.
// CHECK-LABEL: func.func @sum_long_rows
// CHECK: scf.forall (%[[I:.*]]) in (4)
// CHECK: %[[SUMS:.*]] = scf.for %[[P:.*]] = %c0 to %c100 step %c25 iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<1x25xf32>)
// CHECK: %[[PIECE:.*]] = vector.transfer_read %arg0[%[[I]], %[[P]]]{{.*}} : tensor<4x100xf32>, vector<1x25xf32>
// CHECK: arith.addf %[[ACC]], %[[PIECE]] : vector<1x25xf32>
// CHECK: vector.multi_reduction <add>, %[[SUMS]], %{{.*}} [1] : vector<1x25xf32> to vector<1xf32>
func.func @sum_long_rows(%x: tensor<4x100xf32>, %o: tensor<4xf32>) -> tensor<4xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x100xf32>) outs(%o : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %1 = arith.addf %out, %in : f32
    linalg.yield %1 : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A total over every element (a loss) runs over the elements in order.
// A large one (at least two chunks of 4096 elements) is summed in chunks
// that threads share (an scf.forall over 49 chunks of 4096 here: their
// number follows from the shape, not from the threads), each into a
// vector of 32 partial sums (a block of four registers) carried in
// registers (a chunk's 128 x 32 rows read as a matrix of their own, so
// that the vector is carried as one); then each chunk's vector is summed,
// then the chunks' sums are added to the init.
// CHECK-LABEL: func.func @total
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1]] : tensor<256x784xf32> into tensor<200704xf32>
// CHECK: %[[CHUNKS:.*]] = tensor.expand_shape %[[FLAT]] {{\[}}[0, 1, 2]] output_shape [49, 128, 32]
// CHECK: %[[PARTS:.*]] = scf.forall (%[[C:.*]]) in (49) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<49x32xf32>)
// CHECK: %[[CHUNK:.*]] = tensor.extract_slice %[[CHUNKS]][%[[C]], 0, 0] [1, 128, 32]
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[CHUNK]] {{\[}}[0, 1], [2]] : tensor<1x128x32xf32> into tensor<128x32xf32>
// CHECK: %[[SUMS:.*]] = scf.for %[[R:.*]] = %c0 to %c128 step %c1 iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<32xf32>)
// CHECK: vector.transfer_read %[[ROWS]][%[[R]], %c0]
// CHECK: arith.addf %[[ACC]], %{{.*}} : vector<32xf32>
// CHECK: %[[PART:.*]] = scf.forall (%{{.*}}) in (49) {{.*}} -> (tensor<49xf32>)
// CHECK: vector.transfer_read %[[PARTS]]
// CHECK: vector.multi_reduction <add>, %{{.*}} [1] : vector<1x32xf32> to vector<1xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[PART]] : tensor<49xf32>) outs(%arg1 : tensor<f32>)
func.func @total(%x: tensor<256x784xf32>, %o: tensor<f32>) -> tensor<f32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%x : tensor<256x784xf32>) outs(%o : tensor<f32>) {
  ^bb0(%in: f32, %out: f32):
    %1 = arith.addf %out, %in : f32
    linalg.yield %1 : f32
  } -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// The sums of a matrix's columns over 256 rows (a bias gradient over a
// batch) run in 4 chunks of 64 rows that threads share with the columns'
// blocks, chunk-major (each thread sums the rows of its part of a loop
// split by rows), into a row of partial sums per chunk; then the chunks'
// rows are added to the init in order. Over 64 rows (one chunk), the
// columns' blocks alone are shared.
// CHECK-LABEL: func.func @column_sums
// CHECK: %[[CHUNKS:.*]] = tensor.expand_shape %arg0 {{\[}}[0, 1], [2]] output_shape [4, 64, 512]
// CHECK: %[[PARTS:.*]] = scf.forall (%[[C:.*]], %[[J:.*]]) = (0, 0) to (4, 512) step (1, 32) {{.*}} -> (tensor<4x512xf32>)
// CHECK: %[[CHUNK:.*]] = tensor.extract_slice %[[CHUNKS]][%[[C]], 0, %[[J]]] [1, 64, 32]
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[CHUNK]] {{\[}}[0, 1], [2]] : tensor<1x64x32xf32> into tensor<64x32xf32>
// CHECK: scf.for %[[R:.*]] = %c0 to %c64 step %c1 iter_args(%{{.*}}) -> (vector<32xf32>)
// CHECK: vector.transfer_read %[[ROWS]][%[[R]], %c0]
// CHECK: scf.forall (%[[K:.*]]) = (0) to (512) step (32) shared_outs(%{{.*}} = %arg1)
// CHECK: scf.for %[[P:.*]] = %c0 to %c4 step %c1
// CHECK: vector.transfer_read %[[PARTS]][%[[P]], %[[K]]]
// CHECK-LABEL: func.func @column_sums_few_rows
// CHECK-NOT: tensor.expand_shape
// CHECK: scf.forall (%{{.*}}) = (0) to (512) step (32)
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c1
// CHECK-NOT: scf.forall (
func.func @column_sums(%x: tensor<256x512xf32>, %o: tensor<512xf32>) -> tensor<512xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]} ins(%x : tensor<256x512xf32>) outs(%o : tensor<512xf32>) {
  ^bb0(%in: f32, %out: f32):
    %1 = arith.addf %out, %in : f32
    linalg.yield %1 : f32
  } -> tensor<512xf32>
  return %0 : tensor<512xf32>
}
func.func @column_sums_few_rows(%x: tensor<64x512xf32>, %o: tensor<512xf32>) -> tensor<512xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]} ins(%x : tensor<64x512xf32>) outs(%o : tensor<512xf32>) {
  ^bb0(%in: f32, %out: f32):
    %1 = arith.addf %out, %in : f32
    linalg.yield %1 : f32
  } -> tensor<512xf32>
  return %0 : tensor<512xf32>
}

// -----

// A total whose body reads its loop index (a label's column) is left as
// it is: flattening or splitting would change the index.
// CHECK-LABEL: func.func @total_with_index
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK: linalg.index 1
func.func @total_with_index(%x: tensor<8x16xf32>, %o: tensor<f32>) -> tensor<f32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%x : tensor<8x16xf32>) outs(%o : tensor<f32>) {
  ^bb0(%in: f32, %out: f32):
    %i = linalg.index 1 : index
    %c = arith.index_cast %i : index to i32
    %f = arith.sitofp %c : i32 to f32
    %m = arith.mulf %in, %f : f32
    %1 = arith.addf %out, %m : f32
    linalg.yield %1 : f32
  } -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// A total that combines inputs element by element (a squared error) runs
// over all of them in order the same way.
// CHECK-LABEL: func.func @total_of_two
// CHECK-DAG: tensor.collapse_shape %arg0 {{\[}}[0, 1]] : tensor<4x64xf32> into tensor<256xf32>
// CHECK-DAG: tensor.collapse_shape %arg1 {{\[}}[0, 1]] : tensor<4x64xf32> into tensor<256xf32>
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<32xf32>)
// CHECK: arith.subf %{{.*}} : vector<1x32xf32>
func.func @total_of_two(%x: tensor<4x64xf32>, %y: tensor<4x64xf32>, %o: tensor<f32>) -> tensor<f32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%x, %y : tensor<4x64xf32>, tensor<4x64xf32>) outs(%o : tensor<f32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %d = arith.subf %a, %b : f32
    %s = arith.mulf %d, %d : f32
    %1 = arith.addf %out, %s : f32
    linalg.yield %1 : f32
  } -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// A total that broadcasts an input (a loss fused with the output layer's
// bias and sigmoid) cannot be flattened: it is summed a row at a time in
// pieces of a vector block of the row, into a vector of partial sums
// carried in registers across both loops, then the sum of those.
// CHECK-LABEL: func.func @total_with_bias
// CHECK-NOT: tensor.collapse_shape
// CHECK: %[[SUMS:.*]] = scf.for %{{.*}} = %c0 to %c4 step %c1 iter_args(%[[ROW:.*]] = %{{.*}}) -> (vector<1x32xf32>)
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c32 iter_args(%[[ACC:.*]] = %[[ROW]]) -> (vector<1x32xf32>)
// CHECK: vector.transfer_read %arg1[%{{.*}}]{{.*}} : tensor<64xf32>, vector<32xf32>
// CHECK: math.exp %{{.*}} : vector<1x32xf32>
// CHECK: arith.addf %[[ACC]], %{{.*}} : vector<1x32xf32>
// CHECK: vector.multi_reduction <add>, %[[SUMS]], %{{.*}} [0, 1] : vector<1x32xf32> to f32
// AVX512-LABEL: func.func @total_with_bias
// AVX512: scf.for %{{.*}} = %c0 to %c4 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<1x64xf32>)
func.func @total_with_bias(%x: tensor<4x64xf32>, %b: tensor<64xf32>, %t: tensor<4x64xf32>, %o: tensor<f32>) -> tensor<f32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%x, %b, %t : tensor<4x64xf32>, tensor<64xf32>, tensor<4x64xf32>) outs(%o : tensor<f32>) {
  ^bb0(%a: f32, %c: f32, %y: f32, %out: f32):
    %one = arith.constant 1.0 : f32
    %z = arith.addf %a, %c : f32
    %n = arith.negf %z : f32
    %e = math.exp %n : f32
    %d1 = arith.addf %e, %one : f32
    %s = arith.divf %one, %d1 : f32
    %d = arith.subf %s, %y : f32
    %q = arith.mulf %d, %d : f32
    %1 = arith.addf %out, %q : f32
    linalg.yield %1 : f32
  } -> tensor<f32>
  return %0 : tensor<f32>
}

// A large total that broadcasts an input is summed in chunks of rows
// that threads share (32 chunks of 8 rows here), each a row at a time, in
// pieces of a vector block of the row; then the chunks' sums are added.
// CHECK-LABEL: func.func @large_total_with_bias
// CHECK-DAG: %[[X:.*]] = tensor.expand_shape %arg0 {{\[}}[0, 1], [2]] output_shape [32, 8, 784]
// CHECK-DAG: %[[T:.*]] = tensor.expand_shape %arg2 {{\[}}[0, 1], [2]] output_shape [32, 8, 784]
// CHECK: %[[PART:.*]] = scf.forall (%[[C:.*]]) in (32) {{.*}} -> (tensor<32xf32>)
// CHECK: scf.for %[[R:.*]] = %c0 to %c8 step %c1
// CHECK: scf.for %[[J:.*]] = %c0 to %c784 step %c16
// CHECK: vector.transfer_read %[[X]][%[[C]], %[[R]], %[[J]]]
// CHECK: vector.transfer_read %arg1[%[[J]]]
// CHECK: math.exp
// CHECK: vector.multi_reduction <add>
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[PART]] : tensor<32xf32>) outs(%arg3 : tensor<f32>)
func.func @large_total_with_bias(%x: tensor<256x784xf32>, %b: tensor<784xf32>, %t: tensor<256x784xf32>, %o: tensor<f32>) -> tensor<f32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%x, %b, %t : tensor<256x784xf32>, tensor<784xf32>, tensor<256x784xf32>) outs(%o : tensor<f32>) {
  ^bb0(%a: f32, %c: f32, %y: f32, %out: f32):
    %one = arith.constant 1.0 : f32
    %z = arith.addf %a, %c : f32
    %n = arith.negf %z : f32
    %e = math.exp %n : f32
    %d1 = arith.addf %e, %one : f32
    %s = arith.divf %one, %d1 : f32
    %d = arith.subf %s, %y : f32
    %q = arith.mulf %d, %d : f32
    %1 = arith.addf %out, %q : f32
    linalg.yield %1 : f32
  } -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// A large total that is not a sum (a maximum) is not split into chunks:
// its partial results are in order, in one loop.
// CHECK-LABEL: func.func @large_maximum
// CHECK-NOT: scf.forall (%{{.*}}) in (49)
// CHECK: scf.for %{{.*}} = %c0 to %c12544 step %c1
// CHECK: arith.maximumf
func.func @large_maximum(%x: tensor<256x784xf32>, %o: tensor<f32>) -> tensor<f32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%x : tensor<256x784xf32>) outs(%o : tensor<f32>) {
  ^bb0(%in: f32, %out: f32):
    %1 = arith.maximumf %out, %in : f32
    linalg.yield %1 : f32
  } -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// An optimizer update that reads a parameter's buffer and is stored back
// into it becomes the epilogue of the weight gradient's product and
// updates w in place: w's load (restrict, writable) is the init of the
// product's loops, each block reads its tile of w from there, subtracts
// lr times its sums and writes the tile back. The gradient is never
// written.
// CHECK-LABEL: func.func @update_in_blocks
// CHECK: %[[W:.*]] = bufferization.to_tensor %arg2 restrict writable
// CHECK: scf.forall {{.*}} shared_outs(%[[OUT:.*]] = %[[W]])
// CHECK: scf.for {{.*}} iter_args(%[[TILE:.*]] = %{{.*}}) -> (tensor<96x16xf32>)
// CHECK: %[[SUMS:.*]] = scf.for
// CHECK: vector.contract
// CHECK: %[[OLD:.*]] = vector.transfer_read %[[TILE]]
// CHECK: %[[STEP:.*]] = arith.mulf %{{.*}}, %{{.*}} : vector<6x16xf32>
// CHECK: %[[NEW:.*]] = arith.subf %[[OLD]], %[[STEP]] : vector<6x16xf32>
// CHECK: vector.transfer_write %[[NEW]], %[[TILE]]
// CHECK-NOT: linalg.generic
// CHECK: bufferization.materialize_in_destination %{{.*}} in writable %arg2
#ut_xt = affine_map<(d0, d1, d2) -> (d2, d0)>
#ut_dy = affine_map<(d0, d1, d2) -> (d2, d1)>
#ut_g = affine_map<(d0, d1, d2) -> (d0, d1)>
#ut_id = affine_map<(d0, d1) -> (d0, d1)>
#ut_s = affine_map<(d0, d1) -> ()>
func.func @update_in_blocks(%x: tensor<64x96xf32>, %dy: tensor<64x32xf32>, %w: memref<96x32xf32>, %lr: tensor<f32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<96x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<96x32xf32>) -> tensor<96x32xf32>
  %g = linalg.generic {indexing_maps = [#ut_xt, #ut_dy, #ut_g], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %dy : tensor<64x96xf32>, tensor<64x32xf32>) outs(%f : tensor<96x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<96x32xf32>
  %wt = bufferization.to_tensor %w restrict : memref<96x32xf32> to tensor<96x32xf32>
  %u = linalg.generic {indexing_maps = [#ut_id, #ut_s, #ut_id, #ut_id], iterator_types = ["parallel", "parallel"]} ins(%wt, %lr, %g : tensor<96x32xf32>, tensor<f32>, tensor<96x32xf32>) outs(%e : tensor<96x32xf32>) {
  ^bb0(%wv: f32, %l: f32, %gv: f32, %o: f32):
    %d = arith.mulf %l, %gv : f32
    %n = arith.subf %wv, %d : f32
    linalg.yield %n : f32
  } -> tensor<96x32xf32>
  bufferization.materialize_in_destination %u in writable %w : (tensor<96x32xf32>, memref<96x32xf32>) -> ()
  return
}

// -----

// When another load of w is read after the update (here returned),
// updating w in place would change what that reads: the update stays an
// op of its own, after the product.
// CHECK-LABEL: func.func @update_read_after
// CHECK: %[[BEFORE:.*]] = bufferization.to_tensor %arg2 restrict :
// CHECK: %[[W:.*]] = bufferization.to_tensor %arg2 restrict :
// CHECK: %[[G:.*]] = scf.forall
// CHECK-NOT: arith.subf
// CHECK: linalg.generic {{.*}} ins(%[[W]], %arg3, %[[G]] :
// CHECK: arith.subf
// CHECK: return %[[BEFORE]]
#ut_xt = affine_map<(d0, d1, d2) -> (d2, d0)>
#ut_dy = affine_map<(d0, d1, d2) -> (d2, d1)>
#ut_g = affine_map<(d0, d1, d2) -> (d0, d1)>
#ut_id = affine_map<(d0, d1) -> (d0, d1)>
#ut_s = affine_map<(d0, d1) -> ()>
func.func @update_read_after(%x: tensor<64x96xf32>, %dy: tensor<64x32xf32>, %w: memref<96x32xf32>, %lr: tensor<f32>) -> tensor<96x32xf32> {
  %zero = arith.constant 0.0 : f32
  %before = bufferization.to_tensor %w restrict : memref<96x32xf32> to tensor<96x32xf32>
  %e = tensor.empty() : tensor<96x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<96x32xf32>) -> tensor<96x32xf32>
  %g = linalg.generic {indexing_maps = [#ut_xt, #ut_dy, #ut_g], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %dy : tensor<64x96xf32>, tensor<64x32xf32>) outs(%f : tensor<96x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<96x32xf32>
  %wt = bufferization.to_tensor %w restrict : memref<96x32xf32> to tensor<96x32xf32>
  %u = linalg.generic {indexing_maps = [#ut_id, #ut_s, #ut_id, #ut_id], iterator_types = ["parallel", "parallel"]} ins(%wt, %lr, %g : tensor<96x32xf32>, tensor<f32>, tensor<96x32xf32>) outs(%e : tensor<96x32xf32>) {
  ^bb0(%wv: f32, %l: f32, %gv: f32, %o: f32):
    %d = arith.mulf %l, %gv : f32
    %n = arith.subf %wv, %d : f32
    linalg.yield %n : f32
  } -> tensor<96x32xf32>
  bufferization.materialize_in_destination %u in writable %w : (tensor<96x32xf32>, memref<96x32xf32>) -> ()
    return %before : tensor<96x32xf32>
}

// -----

// A pooling (with its bias and relu) of a channels-last convolution's
// NHWC result transposed back to NCHW pools the NHWC tensor: each window
// position a strided slice, the pooling elementwise over them (contiguous
// along the channels), the bias read per channel in the new loop order;
// then the pooled result, a quarter of the size, is transposed.
#w00 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 2, d3 * 2)>
#w01 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 2, d3 * 2 + 1)>
#w10 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 2 + 1, d3 * 2)>
#w11 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 2 + 1, d3 * 2 + 1)>
#chan = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
#out4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$BIAS:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, 0, 0)>
// CHECK-LABEL: func.func @pool_before_transpose
// CHECK: %[[S00:.*]] = tensor.extract_slice %arg0[0, 0, 0, 0] [2, 2, 2, 16] [1, 2, 2, 1] : tensor<2x4x4x16xf32> to tensor<2x2x2x16xf32>
// CHECK: %[[S01:.*]] = tensor.extract_slice %arg0[0, 0, 1, 0] [2, 2, 2, 16] [1, 2, 2, 1]
// CHECK: %[[S10:.*]] = tensor.extract_slice %arg0[0, 1, 0, 0] [2, 2, 2, 16] [1, 2, 2, 1]
// CHECK: %[[S11:.*]] = tensor.extract_slice %arg0[0, 1, 1, 0] [2, 2, 2, 16] [1, 2, 2, 1]
// CHECK: %[[P:.*]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]], #[[$ID]], #[[$ID]], #[[$BIAS]], #[[$ID]]], {{.*}} ins(%[[S00]], %[[S01]], %[[S10]], %[[S11]], %arg1 : {{.*}}) outs(%{{.*}} : tensor<2x2x2x16xf32>)
// CHECK-COUNT-3: arith.maximumf
// CHECK: arith.addf
// CHECK: scf.forall
// CHECK: tensor.extract_slice %[[P]]
// CHECK: linalg.transpose {{.*}} permutation = [0, 3, 1, 2]
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @pool_before_transpose(%x: tensor<2x4x4x16xf32>, %b: tensor<16x1x1xf32>) -> tensor<2x16x2x2xf32> {
  %e = tensor.empty() : tensor<2x16x4x4xf32>
  %t = linalg.transpose ins(%x : tensor<2x4x4x16xf32>) outs(%e : tensor<2x16x4x4xf32>) permutation = [0, 3, 1, 2]
  %o = tensor.empty() : tensor<2x16x2x2xf32>
  %p = linalg.generic {indexing_maps = [#w00, #w01, #w10, #w11, #chan, #out4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%t, %t, %t, %t, %b : tensor<2x16x4x4xf32>, tensor<2x16x4x4xf32>, tensor<2x16x4x4xf32>, tensor<2x16x4x4xf32>, tensor<16x1x1xf32>) outs(%o : tensor<2x16x2x2xf32>) {
  ^bb0(%a: f32, %c: f32, %d: f32, %f: f32, %bias: f32, %out: f32):
    %0 = arith.maximumf %a, %c : f32
    %1 = arith.maximumf %d, %f : f32
    %2 = arith.maximumf %0, %1 : f32
    %3 = arith.addf %2, %bias : f32
    linalg.yield %3 : f32
  } -> tensor<2x16x2x2xf32>
  return %p : tensor<2x16x2x2xf32>
}

// -----

// Left alone: a transpose something else also reads (training keeps the
// NCHW result for the pooling's gradient), an elementwise consumer (no
// window: the transpose would stay as large), and windows that step along
// the channels (not contiguous in the slices).
#w00 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 2, d3 * 2)>
#w11 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 2 + 1, d3 * 2 + 1)>
#c00 = affine_map<(d0, d1, d2, d3) -> (d0, d1 * 2, d2, d3)>
#c11 = affine_map<(d0, d1, d2, d3) -> (d0, d1 * 2 + 1, d2, d3)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @pool_after_transpose
// CHECK-NOT: [1, 2, 2, 1]
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT: [1, 2, 2, 1]
// CHECK: return
func.func @pool_after_transpose(%x: tensor<2x4x4x16xf32>, %y: tensor<2x4x4x16xf32>, %z: tensor<2x4x4x16xf32>)
    -> (tensor<2x16x2x2xf32>, tensor<2x16x4x4xf32>, tensor<2x16x4x4xf32>, tensor<2x8x4x4xf32>) {
  %e = tensor.empty() : tensor<2x16x4x4xf32>
  %t = linalg.transpose ins(%x : tensor<2x4x4x16xf32>) outs(%e : tensor<2x16x4x4xf32>) permutation = [0, 3, 1, 2]
  %o = tensor.empty() : tensor<2x16x2x2xf32>
  %p = linalg.generic {indexing_maps = [#w00, #w11, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%t, %t : tensor<2x16x4x4xf32>, tensor<2x16x4x4xf32>) outs(%o : tensor<2x16x2x2xf32>) {
  ^bb0(%a: f32, %c: f32, %out: f32):
    %0 = arith.maximumf %a, %c : f32
    linalg.yield %0 : f32
  } -> tensor<2x16x2x2xf32>
  %e2 = tensor.empty() : tensor<2x16x4x4xf32>
  %t2 = linalg.transpose ins(%y : tensor<2x4x4x16xf32>) outs(%e2 : tensor<2x16x4x4xf32>) permutation = [0, 3, 1, 2]
  %n = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%t2 : tensor<2x16x4x4xf32>) outs(%e2 : tensor<2x16x4x4xf32>) {
  ^bb0(%a: f32, %out: f32):
    %0 = arith.negf %a : f32
    linalg.yield %0 : f32
  } -> tensor<2x16x4x4xf32>
  %e3 = tensor.empty() : tensor<2x16x4x4xf32>
  %t3 = linalg.transpose ins(%z : tensor<2x4x4x16xf32>) outs(%e3 : tensor<2x16x4x4xf32>) permutation = [0, 3, 1, 2]
  %o3 = tensor.empty() : tensor<2x8x4x4xf32>
  %c = linalg.generic {indexing_maps = [#c00, #c11, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%t3, %t3 : tensor<2x16x4x4xf32>, tensor<2x16x4x4xf32>) outs(%o3 : tensor<2x8x4x4xf32>) {
  ^bb0(%a: f32, %c: f32, %out: f32):
    %0 = arith.maximumf %a, %c : f32
    linalg.yield %0 : f32
  } -> tensor<2x8x4x4xf32>
  return %p, %t, %n, %c : tensor<2x16x2x2xf32>, tensor<2x16x4x4xf32>, tensor<2x16x4x4xf32>, tensor<2x8x4x4xf32>
}

// -----

// An elementwise op that reads a product from a zero fill (at the
// identity, its only reader) becomes its epilogue: each register block
// gets the bias and the relu in registers after its reduction loop and is
// written once, into the epilogue's result. No block of the product is
// written, no loop of its own reads it back, and the fill's zeros are not
// added to the loop's sum (which starts from them).
#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @epilogue
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<6x16xf32>
// CHECK: scf.forall (%[[J:.*]]) = (0) to (32) step (16) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<12x32xf32>)
// CHECK: %[[T:.*]] = tensor.extract_slice %[[OUT]][0, %[[J]]] [12, 16] [1, 1]
// CHECK: scf.for %[[I:.*]] = %c0 to %c12 step %c6 iter_args(%[[TILE:.*]] = %[[T]]) -> (tensor<12x16xf32>)
// CHECK: %[[R:.*]] = scf.for {{.*}} -> (vector<6x16xf32>)
// CHECK: vector.contract
// CHECK-NOT: arith.addf
// CHECK: %[[BIAS:.*]] = vector.transfer_read %arg2[%[[J]]]{{.*}} : tensor<32xf32>, vector<16xf32>
// CHECK: %[[ROWS:.*]] = vector.broadcast %[[BIAS]] : vector<16xf32> to vector<6x16xf32>
// CHECK: %[[S:.*]] = arith.addf %[[R]], %[[ROWS]] : vector<6x16xf32>
// CHECK: %[[M:.*]] = arith.maximumf %[[S]], %[[ZERO]] : vector<6x16xf32>
// CHECK: %[[W:.*]] = vector.transfer_write %[[M]], %[[TILE]][%[[I]], %c0]
// CHECK: scf.yield %[[W]]
// CHECK-NOT: vector.transfer_write
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @epilogue(%a: tensor<12x6xf32>, %b: tensor<6x32xf32>, %bias: tensor<32xf32>) -> tensor<12x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<12x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<12x32xf32>) -> tensor<12x32xf32>
  %p = linalg.matmul ins(%a, %b : tensor<12x6xf32>, tensor<6x32xf32>) outs(%f : tensor<12x32xf32>) -> tensor<12x32xf32>
  %r = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]} ins(%p, %bias : tensor<12x32xf32>, tensor<32xf32>) outs(%e : tensor<12x32xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<12x32xf32>
  return %r : tensor<12x32xf32>
}

// -----

// A split product's epilogue is split with it: both parts (rows 0-5 in
// 6 x 16 blocks, rows 6-7 in one 2 x 32 block) apply it in their blocks.
// The second part writes into the first part's result, in place, as the
// parts of a product do (its loops move down to their epilogue, after the
// first part's).
#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @epilogue_split
// CHECK: %[[E:.*]] = tensor.empty() : tensor<8x32xf32>
// CHECK: %[[TOP:.*]] = tensor.extract_slice %[[E]][0, 0] [6, 32] [1, 1]
// CHECK: %[[F:.*]] = scf.forall {{.*}} shared_outs(%{{.*}} = %[[TOP]])
// CHECK: vector.contract {{.*}} into vector<6x16xf32>
// CHECK: arith.maximumf %{{.*}} : vector<6x16xf32>
// CHECK: %[[PART:.*]] = tensor.insert_slice %[[F]] into %[[E]][0, 0] [6, 32] [1, 1]
// CHECK: %[[REST:.*]] = tensor.extract_slice %[[PART]][6, 0] [2, 32] [1, 1]
// CHECK: vector.contract {{.*}} into vector<2x32xf32>
// CHECK: %[[T:.*]] = arith.maximumf %{{.*}} : vector<2x32xf32>
// CHECK: %[[W:.*]] = vector.transfer_write %[[T]], %[[REST]]
// CHECK: tensor.insert_slice %[[W]] into %[[PART]][6, 0] [2, 32] [1, 1]
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @epilogue_split(%a: tensor<8x6xf32>, %b: tensor<6x32xf32>) -> tensor<8x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x32xf32>) -> tensor<8x32xf32>
  %p = linalg.matmul ins(%a, %b : tensor<8x6xf32>, tensor<6x32xf32>) outs(%f : tensor<8x32xf32>) -> tensor<8x32xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%p : tensor<8x32xf32>) outs(%e : tensor<8x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %t = arith.maximumf %x, %zero : f32
    linalg.yield %t : f32
  } -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}

// -----

// A product that reads a buffer stored into before its epilogue (in a
// fused training step: an input gradient's product by a weight updated
// before the relu mask of the layer below) keeps its place: the epilogue
// moves up to its loops (whose blocks apply it), which read the weight
// before the store. (Moved down to the epilogue, as upstream's consumer
// fusion moves them, they read the new weight.)
#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @epilogue_before_store
// CHECK: scf.forall
// CHECK: vector.contract {{.*}} into vector<6x16xf32>
// CHECK: arith.mulf %{{.*}} : vector<6x16xf32>
// CHECK: bufferization.materialize_in_destination %{{.*}} in writable %arg1
// CHECK-NOT: vector.contract
// CHECK: return
func.func @epilogue_before_store(%a: tensor<12x6xf32>, %w: memref<6x32xf32>, %new: tensor<6x32xf32>,
                                 %mask: tensor<12x32xf32>) -> tensor<12x32xf32> {
  %zero = arith.constant 0.0 : f32
  %b = bufferization.to_tensor %w restrict : memref<6x32xf32> to tensor<6x32xf32>
  %e = tensor.empty() : tensor<12x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<12x32xf32>) -> tensor<12x32xf32>
  %p = linalg.matmul ins(%a, %b : tensor<12x6xf32>, tensor<6x32xf32>) outs(%f : tensor<12x32xf32>) -> tensor<12x32xf32>
  bufferization.materialize_in_destination %new in writable %w : (tensor<6x32xf32>, memref<6x32xf32>) -> ()
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%p, %mask : tensor<12x32xf32>, tensor<12x32xf32>) outs(%e : tensor<12x32xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %m = arith.mulf %x, %y : f32
    linalg.yield %m : f32
  } -> tensor<12x32xf32>
  return %r : tensor<12x32xf32>
}

// -----

// Left alone: a product read by two ops (it must be written), read
// transposed (a block of the epilogue is not a block of the product), not
// from a zero fill, an epilogue reading a buffer that is stored to after
// the product (its read cannot move before the product's loops), or one
// with an exp (its polynomial on a whole block would spill).
#id = affine_map<(d0, d1) -> (d0, d1)>
#tr = affine_map<(d0, d1) -> (d1, d0)>
#col = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @no_epilogue
// CHECK-COUNT-6: linalg.generic
// CHECK: return
func.func @no_epilogue(%a: tensor<12x6xf32>, %b: tensor<6x32xf32>, %c: tensor<12x32xf32>,
                       %bias: tensor<32xf32>, %m: memref<32xf32>)
    -> (tensor<12x32xf32>, tensor<12x32xf32>, tensor<32x12xf32>, tensor<12x32xf32>, tensor<12x32xf32>,
        tensor<12x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<12x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<12x32xf32>) -> tensor<12x32xf32>
  %p0 = linalg.matmul ins(%a, %b : tensor<12x6xf32>, tensor<6x32xf32>) outs(%f : tensor<12x32xf32>) -> tensor<12x32xf32>
  %r0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%p0 : tensor<12x32xf32>) outs(%e : tensor<12x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %t = arith.maximumf %x, %zero : f32
    linalg.yield %t : f32
  } -> tensor<12x32xf32>
  %r0b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%p0 : tensor<12x32xf32>) outs(%e : tensor<12x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %t = arith.minimumf %x, %zero : f32
    linalg.yield %t : f32
  } -> tensor<12x32xf32>
  %p1 = linalg.matmul ins(%a, %b : tensor<12x6xf32>, tensor<6x32xf32>) outs(%f : tensor<12x32xf32>) -> tensor<12x32xf32>
  %et = tensor.empty() : tensor<32x12xf32>
  %r1 = linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]} ins(%p1 : tensor<12x32xf32>) outs(%et : tensor<32x12xf32>) {
  ^bb0(%x: f32, %o: f32):
    %t = arith.maximumf %x, %zero : f32
    linalg.yield %t : f32
  } -> tensor<32x12xf32>
  %p2 = linalg.matmul ins(%a, %b : tensor<12x6xf32>, tensor<6x32xf32>) outs(%c : tensor<12x32xf32>) -> tensor<12x32xf32>
  %r2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%p2 : tensor<12x32xf32>) outs(%e : tensor<12x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %t = arith.maximumf %x, %zero : f32
    linalg.yield %t : f32
  } -> tensor<12x32xf32>
  %p3 = linalg.matmul ins(%a, %b : tensor<12x6xf32>, tensor<6x32xf32>) outs(%f : tensor<12x32xf32>) -> tensor<12x32xf32>
  bufferization.materialize_in_destination %bias in writable %m : (tensor<32xf32>, memref<32xf32>) -> ()
  %stored = bufferization.to_tensor %m restrict : memref<32xf32> to tensor<32xf32>
  %r3 = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]} ins(%p3, %stored : tensor<12x32xf32>, tensor<32xf32>) outs(%e : tensor<12x32xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<12x32xf32>
  %p4 = linalg.matmul ins(%a, %b : tensor<12x6xf32>, tensor<6x32xf32>) outs(%f : tensor<12x32xf32>) -> tensor<12x32xf32>
  %r4 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%p4 : tensor<12x32xf32>) outs(%e : tensor<12x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %t = math.exp %x : f32
    linalg.yield %t : f32
  } -> tensor<12x32xf32>
  return %r0b, %r0, %r1, %r2, %r3, %r4 : tensor<12x32xf32>, tensor<12x32xf32>, tensor<32x12xf32>, tensor<12x32xf32>, tensor<12x32xf32>,
                                         tensor<12x32xf32>
}

// -----

// A deep product's blocks are inside its reduction blocks (of 256): the
// epilogue of its main rows stays an op of its own (fused into the
// threads' loop over column blocks, its tile would be all 126 rows of a
// column block, a vector of 252 registers); its 2 remaining rows, blocked
// so in the same loop over the reduction blocks, leave theirs an op of
// its own too. A row vector streamed through B in parts of its rows
// leaves its epilogue an op of its own, after the parts' sum.
#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @epilogue_deep
// CHECK: %[[PARTS:.*]]:2 = scf.for {{.*}} step %c256
// CHECK: scf.forall {{.*}} -> (tensor<126x512xf32>)
// CHECK: scf.forall {{.*}} -> (tensor<2x512xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[PARTS]]#0 : tensor<126x512xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[PARTS]]#1 : tensor<2x512xf32>)
// CHECK-LABEL: func.func @epilogue_row
// CHECK: scf.forall {{.*}} in (4)
// CHECK: %[[SUM:.*]] = scf.forall {{.*}} -> (tensor<1x512xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[SUM]], %{{.*}} : tensor<1x512xf32>, tensor<1x512xf32>)
// CHECK: arith.maximumf
// CHECK: return
func.func @epilogue_deep(%a: tensor<128x1792xf32>, %b: tensor<1792x512xf32>) -> tensor<128x512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x512xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<128x512xf32>) -> tensor<128x512xf32>
  %p = linalg.matmul ins(%a, %b : tensor<128x1792xf32>, tensor<1792x512xf32>) outs(%f : tensor<128x512xf32>) -> tensor<128x512xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%p : tensor<128x512xf32>) outs(%e : tensor<128x512xf32>) {
  ^bb0(%x: f32, %o: f32):
    %t = arith.maximumf %x, %zero : f32
    linalg.yield %t : f32
  } -> tensor<128x512xf32>
  return %r : tensor<128x512xf32>
}
func.func @epilogue_row(%a: tensor<1x784xf32>, %b: tensor<784x512xf32>, %bias: tensor<1x512xf32>) -> tensor<1x512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x512xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x512xf32>) -> tensor<1x512xf32>
  %p = linalg.matmul ins(%a, %b : tensor<1x784xf32>, tensor<784x512xf32>) outs(%f : tensor<1x512xf32>) -> tensor<1x512xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%p, %bias : tensor<1x512xf32>, tensor<1x512xf32>) outs(%e : tensor<1x512xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %t = arith.maximumf %s, %zero : f32
    linalg.yield %t : f32
  } -> tensor<1x512xf32>
  return %r : tensor<1x512xf32>
}

// -----

// fuse-epilogues=false (dlc --no-fuse) leaves the epilogue an op of its
// own.
// RUN: dl-opt %s -dl-tile-and-vectorize="vector-width=8 fuse-epilogues=false" -split-input-file | FileCheck %s --check-prefix=NOFUSE
#id = affine_map<(d0, d1) -> (d0, d1)>
// NOFUSE-LABEL: func.func @epilogue_off
// NOFUSE: scf.forall
// NOFUSE: linalg.generic
// NOFUSE-SAME: ins(%{{.*}} : tensor<12x32xf32>)
func.func @epilogue_off(%a: tensor<12x6xf32>, %b: tensor<6x32xf32>) -> tensor<12x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<12x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<12x32xf32>) -> tensor<12x32xf32>
  %p = linalg.matmul ins(%a, %b : tensor<12x6xf32>, tensor<6x32xf32>) outs(%f : tensor<12x32xf32>) -> tensor<12x32xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%p : tensor<12x32xf32>) outs(%e : tensor<12x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %t = arith.maximumf %x, %zero : f32
    linalg.yield %t : f32
  } -> tensor<12x32xf32>
  return %r : tensor<12x32xf32>
}
