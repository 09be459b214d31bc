// RUN: dl-opt %s -convert-dl-to-linalg -split-input-file | FileCheck %s

// The input gradient of a stride-2 convolution: col2im as with stride 1
// (below), each kernel offset's window of the columns added into every
// second row and column of dx from the first the offset reaches: the
// column (p, q) of offset (kh, kw) goes to (2p + kh - 1, 2q + kw - 1). No
// convolution over the gradient spread into zeros (4x the FMAs).
// CHECK-LABEL: func.func @conv_input_grad
// CHECK: %[[DX0:.*]] = linalg.fill {{.*}} -> tensor<2x3x7x7xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x18x16xf32>)
// CHECK: %[[WIN:.*]] = tensor.expand_shape {{.*}} into tensor<2x3x2x3x4x4xf32>
// CHECK: tensor.extract_slice %[[WIN]][0, 0, 0, 0, 1, 1] [2, 3, 1, 1, 3, 3]
// CHECK: %[[DST:.*]] = tensor.extract_slice %[[DX0]][0, 0, 1, 1] [2, 3, 3, 3] [1, 1, 2, 2]
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} outs(%[[DST]] : tensor<2x3x3x3xf32>)
// CHECK: %[[DX1:.*]] = tensor.insert_slice %[[SUM]] into %[[DX0]][0, 0, 1, 1] [2, 3, 3, 3] [1, 1, 2, 2]
// CHECK: tensor.extract_slice %[[WIN]][0, 0, 0, 1, 1, 0] [2, 3, 1, 1, 3, 4]
// CHECK: tensor.extract_slice %[[DX1]][0, 0, 1, 0] [2, 3, 3, 4] [1, 1, 2, 2]
// CHECK-COUNT-5: tensor.insert_slice {{.*}} [1, 1, 2, 2]
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @conv_input_grad(%g: tensor<2x4x4x4xf32>, %w: tensor<4x3x2x3xf32>) -> tensor<2x3x7x7xf32> {
  %0 = dl.conv2d_input_grad %g, %w {stride = 2, pad = 1} : (tensor<2x4x4x4xf32>, tensor<4x3x2x3xf32>) -> tensor<2x3x7x7xf32>
  return %0 : tensor<2x3x7x7xf32>
}

// -----

// Padding wider than the kernel (stride 2, 1 x 1): the offset's columns
// from the second on go to rows and columns 1 and 3; rows and columns 0
// and 2 stay zero.
// CHECK-LABEL: func.func @conv_input_grad_wide_pad
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0, 1, 1] [1, 1, 1, 1, 2, 2] [1, 1, 1, 1, 1, 1]
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 1, 1] [1, 1, 2, 2] [1, 1, 2, 2] : tensor<1x1x2x2xf32> into tensor<1x1x4x4xf32>
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @conv_input_grad_wide_pad(%g: tensor<1x2x3x3xf32>, %w: tensor<2x1x1x1xf32>) -> tensor<1x1x4x4xf32> {
  %0 = dl.conv2d_input_grad %g, %w {pad = 1, stride = 2} : (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// Stride 1, an input larger than the output gradient (5 x 5 against 4 x
// 4: a 4 x 4 kernel, padding 1): col2im. The weights as [C KH KW, O] times
// the gradient of each image as [O, OH OW] give its columns (one
// contraction, batched over the images); then for each kernel offset
// (kh, kw) the valid window of the columns, cols[n, c, kh, kw, y + pad -
// kh, x + pad - kw], is added into the input gradient in place (16 offsets
// here; each window covers part of dx): the window of dx is the
// destination of the add, so bufferization writes into dx instead of a
// new buffer copied back.
// CHECK-DAG: #[[$W:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-DAG: #[[$G:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[$C:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @conv_input_grad_col2im
// CHECK: %[[WT:.*]] = linalg.transpose ins(%{{.*}} : tensor<4x48xf32>) outs(%{{.*}} : tensor<48x4xf32>) permutation = [1, 0]
// CHECK: %[[GF:.*]] = tensor.collapse_shape %arg0 {{\[}}[0], [1], [2, 3]] : tensor<2x4x4x4xf32> into tensor<2x4x16xf32>
// CHECK: %[[DX0:.*]] = linalg.fill {{.*}} -> tensor<2x3x5x5xf32>
// CHECK-NOT: scf.forall
// CHECK: %[[COLS:.*]] = linalg.generic {indexing_maps = [#[[$W]], #[[$G]], #[[$C]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[WT]], %[[GF]] : tensor<48x4xf32>, tensor<2x4x16xf32>) outs(%{{.*}} : tensor<2x48x16xf32>)
// CHECK: %[[WIN:.*]] = tensor.expand_shape %[[COLS]] {{.*}} into tensor<2x3x4x4x4x4xf32>
// CHECK: tensor.extract_slice %[[WIN]][0, 0, 0, 0, 1, 1] [2, 3, 1, 1, 3, 3]
// CHECK: %[[SRC:.*]] = tensor.collapse_shape
// CHECK: %[[DST:.*]] = tensor.extract_slice %[[DX0]][0, 0, 0, 0] [2, 3, 3, 3]
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[SRC]] : tensor<2x3x3x3xf32>) outs(%[[DST]] : tensor<2x3x3x3xf32>)
// CHECK: %[[DX1:.*]] = tensor.insert_slice %[[SUM]] into %[[DX0]][0, 0, 0, 0] [2, 3, 3, 3]
// CHECK: tensor.extract_slice %[[WIN]][0, 0, 0, 1, 1, 0] [2, 3, 1, 1, 3, 4]
// CHECK: tensor.extract_slice %[[DX1]]
// CHECK: linalg.generic
// CHECK: tensor.extract_slice %[[WIN]][0, 0, 1, 1, 0, 0] [2, 3, 1, 1, 4, 4]
// CHECK: linalg.generic
// CHECK: tensor.extract_slice %[[WIN]][0, 0, 3, 3, 0, 0] [2, 3, 1, 1, 3, 3]
// CHECK: linalg.generic
// CHECK-NOT: linalg.conv_2d_nchw_fchw
func.func @conv_input_grad_col2im(%g: tensor<2x4x4x4xf32>, %w: tensor<4x3x4x4xf32>) -> tensor<2x3x5x5xf32> {
  %0 = dl.conv2d_input_grad %g, %w {pad = 1} : (tensor<2x4x4x4xf32>, tensor<4x3x4x4xf32>) -> tensor<2x3x5x5xf32>
  return %0 : tensor<2x3x5x5xf32>
}

// -----

// Stride 1, an input no larger than the output gradient (a 3 x 3 kernel,
// padding 1: the same size): the gradient padded by the kernel size less
// one less the padding, correlated with the weights flipped and
// transposed to [C, O, KH, KW] (as many FMAs as col2im's product; no
// windows to add).
// CHECK-DAG: #[[$FLIP:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d0, -d2 + 2, -d3 + 2)>
// CHECK-LABEL: func.func @conv_input_grad_same
// CHECK: %[[ZEROS:.*]] = linalg.fill {{.*}} -> tensor<2x4x6x6xf32>
// CHECK: %[[PAD:.*]] = tensor.insert_slice %arg0 into %[[ZEROS]][0, 0, 1, 1] [2, 4, 4, 4] [1, 1, 1, 1]
// CHECK: %[[WT:.*]] = linalg.generic {indexing_maps = [#[[$FLIP]], {{.*}}]{{.*}} ins(%arg1 : tensor<4x3x3x3xf32>) outs(%{{.*}} : tensor<3x4x3x3xf32>)
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[PAD]], %[[WT]] : tensor<2x4x6x6xf32>, tensor<3x4x3x3xf32>) outs(%{{.*}} : tensor<2x3x4x4xf32>)
// CHECK-NOT: tensor.expand_shape
func.func @conv_input_grad_same(%g: tensor<2x4x4x4xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x3x4x4xf32> {
  %0 = dl.conv2d_input_grad %g, %w {pad = 1} : (tensor<2x4x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<2x3x4x4xf32>
  return %0 : tensor<2x3x4x4xf32>
}

// -----

// Columns of more than 256 KB for the batch (60 KB an image: 6 channels x
// 5 x 5 offsets by 10 x 10 pixels) go by groups of images, each group's
// product then its window additions in one step of an scf.forall that
// threads share, while the columns are in L2: groups of 4 images here.
// Without padding every window is whole, so the additions are one add in
// loops over the kernel offsets (not 25 adds).
// CHECK-LABEL: func.func @conv_input_grad_groups
// CHECK: %[[DX:.*]] = linalg.fill {{.*}} -> tensor<8x6x14x14xf32>
// CHECK: scf.forall (%[[I:.*]]) in (2) shared_outs(%[[ALL:.*]] = %[[DX]])
// CHECK: %[[FIRST:.*]] = arith.muli %[[I]], %c4
// CHECK: %[[G:.*]] = tensor.extract_slice %{{.*}}[%[[FIRST]], 0, 0] [4, 16, 100] [1, 1, 1]
// CHECK: %[[PART:.*]] = tensor.extract_slice %[[ALL]][%[[FIRST]], 0, 0, 0] [4, 6, 14, 14] [1, 1, 1, 1]
// CHECK: %[[COLS:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[G]] : tensor<150x16xf32>, tensor<4x16x100xf32>) outs(%{{.*}} : tensor<4x150x100xf32>)
// CHECK: %[[WIN:.*]] = tensor.expand_shape %[[COLS]] {{.*}} into tensor<4x6x5x5x10x10xf32>
// CHECK: scf.for %[[KH:.*]] = %c0 to %c5 step %c1 iter_args(%[[OUTER:.*]] = %[[PART]])
// CHECK: scf.for %[[KW:.*]] = %c0{{.*}} to %c5{{.*}} step %c1{{.*}} iter_args(%[[INNER:.*]] = %[[OUTER]])
// CHECK: %[[SRC:.*]] = tensor.extract_slice %[[WIN]][0, 0, %[[KH]], %[[KW]], 0, 0] [4, 6, 1, 1, 10, 10]
// CHECK: %[[DST:.*]] = tensor.extract_slice %[[INNER]][0, 0, %[[KH]], %[[KW]]] [4, 6, 10, 10]
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[SRC]] : tensor<4x6x10x10xf32>) outs(%[[DST]] : tensor<4x6x10x10xf32>)
// CHECK: tensor.insert_slice %[[SUM]] into %[[INNER]][0, 0, %[[KH]], %[[KW]]] [4, 6, 10, 10]
// CHECK-NOT: linalg.generic
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[ALL]][%[[FIRST]], 0, 0, 0] [4, 6, 14, 14] [1, 1, 1, 1]
func.func @conv_input_grad_groups(%g: tensor<8x16x10x10xf32>, %w: tensor<16x6x5x5xf32>) -> tensor<8x6x14x14xf32> {
  %0 = dl.conv2d_input_grad %g, %w : (tensor<8x16x10x10xf32>, tensor<16x6x5x5xf32>) -> tensor<8x6x14x14xf32>
  return %0 : tensor<8x6x14x14xf32>
}

// -----

// The weight gradient: the padded input as C images of N channels, the
// gradient as O filters of N channels dilated by the stride.
// CHECK-LABEL: func.func @conv_weight_grad
// CHECK: %[[XT:.*]] = linalg.transpose ins(%{{.*}} : tensor<2x3x9x9xf32>) outs(%{{.*}} : tensor<3x2x9x9xf32>) permutation = [1, 0, 2, 3]
// CHECK: %[[GT:.*]] = linalg.transpose ins(%{{.*}} : tensor<2x4x4x4xf32>) outs(%{{.*}} : tensor<4x2x4x4xf32>) permutation = [1, 0, 2, 3]
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[XT]], %[[GT]] : tensor<3x2x9x9xf32>, tensor<4x2x4x4xf32>) outs(%{{.*}} : tensor<3x4x2x3xf32>)
// CHECK: linalg.transpose ins(%[[C]] : tensor<3x4x2x3xf32>) outs(%{{.*}} : tensor<4x3x2x3xf32>) permutation = [1, 0, 2, 3]
func.func @conv_weight_grad(%x: tensor<2x3x7x7xf32>, %g: tensor<2x4x4x4xf32>) -> tensor<4x3x2x3xf32> {
  %0 = dl.conv2d_weight_grad %x, %g {stride = 2, pad = 1} : (tensor<2x3x7x7xf32>, tensor<2x4x4x4xf32>) -> tensor<4x3x2x3xf32>
  return %0 : tensor<4x3x2x3xf32>
}

// -----

// Max pooling over disjoint 2x2 windows: the first argmax of each window
// from one input per window position (the maximum and its place carried
// through the positions), then the input gradient in one pass over cells
// of 2 rows of the windows' row: each element gets its window's gradient
// where its place (a constant) is the argmax.
// CHECK-DAG: #[[$POS3:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 2 + 1, d3 * 2 + 1)>
// CHECK-DAG: #[[$PLACE:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d3, d4)>
// CHECK-DAG: #[[$CELL:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4 floordiv 2)>
// CHECK-LABEL: func.func @max_pool_grad
// CHECK: %[[A:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}, #[[$POS3]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: outs(%{{.*}} : tensor<1x2x2x2xi32>)
// CHECK-COUNT-4: arith.cmpf ogt
// CHECK: %[[P:.*]] = arith.constant dense<{{\[\[}}0, 1, 0, 1], [2, 3, 2, 3]]> : tensor<2x4xi32>
// CHECK: %[[D:.*]] = linalg.generic {indexing_maps = [#[[$PLACE]], #[[$CELL]], #[[$CELL]], #{{.*}}]
// CHECK-SAME: ins(%[[P]], %{{.*}}, %[[A]] : tensor<2x4xi32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xi32>) outs(%{{.*}} : tensor<1x2x2x2x4xf32>)
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: tensor.collapse_shape %[[D]] {{\[\[}}0], [1], [2, 3], [4]] : tensor<1x2x2x2x4xf32> into tensor<1x2x4x4xf32>
// CHECK-NOT: insert_slice
// CHECK: return
func.func @max_pool_grad(%x: tensor<1x2x4x4xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x2x4x4xf32> {
  %0 = dl.max_pool2d_grad %x, %g {size = 2, stride = 2} : tensor<1x2x4x4xf32>, tensor<1x2x2x2xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

// Overlapping windows (stride 1: no window is read as one input per
// position): the argmax is a reduction over the window (with two
// results); then, by phases (one with stride 1), each input gets the
// gradient of the windows covering it where their argmax is its position
// in them: the gradient and the argmax padded in front with a row and a
// column of zeros, read shifted by each window (offsets 1 - a, 1 - b for
// the window a rows and b columns before), added in the order of the
// positions (0 to 3).
// CHECK-LABEL: func.func @max_pool_grad_overlapping
// CHECK: %[[A:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK: arith.cmpf ogt
// CHECK: %[[GP:.*]] = tensor.insert_slice %arg1 into %{{.*}}[0, 0, 1, 1] [1, 2, 2, 2] [1, 1, 1, 1] : tensor<1x2x2x2xf32> into tensor<1x2x4x4xf32>
// CHECK: %[[AP:.*]] = tensor.insert_slice %[[A]]#1 into %{{.*}}[0, 0, 1, 1] [1, 2, 2, 2] [1, 1, 1, 1] : tensor<1x2x2x2xi32> into tensor<1x2x4x4xi32>
// CHECK: %[[G0:.*]] = tensor.extract_slice %[[GP]][0, 0, 1, 1] [1, 2, 3, 3]
// CHECK: %[[A0:.*]] = tensor.extract_slice %[[AP]][0, 0, 1, 1] [1, 2, 3, 3]
// CHECK: tensor.extract_slice %[[GP]][0, 0, 1, 0] [1, 2, 3, 3]
// CHECK: tensor.extract_slice %[[GP]][0, 0, 0, 1] [1, 2, 3, 3]
// CHECK: tensor.extract_slice %[[GP]][0, 0, 0, 0] [1, 2, 3, 3]
// CHECK: linalg.generic {{.*}} ins(%[[G0]], %[[A0]],
// CHECK: arith.cmpi eq, %{{.*}}, %c0_i32
// CHECK: arith.cmpi eq, %{{.*}}, %c1_i32
// CHECK: arith.cmpi eq, %{{.*}}, %c2_i32
// CHECK: arith.cmpi eq, %{{.*}}, %c3_i32
// CHECK-NOT: linalg.transpose
// CHECK: return
func.func @max_pool_grad_overlapping(%x: tensor<1x2x3x3xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x2x3x3xf32> {
  %0 = dl.max_pool2d_grad %x, %g {size = 2, stride = 1} : tensor<1x2x3x3xf32>, tensor<1x2x2x2xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// -----

// Disjoint windows with gaps (stride 3, size 2) over an input they do not
// cover: the place of an element outside its window is -1; the cells'
// gradient [1, 2, 6, 6] goes into a zero gradient [1, 2, 7, 7].
// CHECK-LABEL: func.func @avg_pool_grad_gaps
// CHECK: arith.constant dense<{{\[\[}}0, 1, -1, 0, 1, -1], [2, 3, -1, 2, 3, -1], [-1, -1, -1, -1, -1, -1]]> : tensor<3x6xi32>
// CHECK: linalg.generic
// CHECK: arith.cmpi ne
// CHECK: arith.divf
// CHECK: tensor.collapse_shape %{{.*}} : tensor<1x2x2x3x6xf32> into tensor<1x2x6x6xf32>
// CHECK: linalg.fill
// CHECK: tensor.insert_slice %{{.*}}[0, 0, 0, 0] [1, 2, 6, 6] [1, 1, 1, 1] : tensor<1x2x6x6xf32> into tensor<1x2x7x7xf32>
func.func @avg_pool_grad_gaps(%g: tensor<1x2x2x2xf32>) -> tensor<1x2x7x7xf32> {
  %0 = dl.avg_pool2d_grad %g {size = 2, stride = 3} : tensor<1x2x2x2xf32> -> tensor<1x2x7x7xf32>
  return %0 : tensor<1x2x7x7xf32>
}

// -----

// CHECK-LABEL: func.func @avg_pool_grad
// CHECK: linalg.generic
// CHECK-COUNT-4: arith.divf
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @avg_pool_grad(%g: tensor<1x2x2x2xf32>) -> tensor<1x2x3x3xf32> {
  %0 = dl.avg_pool2d_grad %g {size = 2, stride = 1} : tensor<1x2x2x2xf32> -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}

// -----

// 3 x 3 windows with stride 2 over 5 x 6 inputs: four phases (row and
// column parities) over [1, 2, 3, 3] (ceil(5 / 2) x ceil(6 / 2)), taking
// the windows that reach them (phase (0, 0): 4, (0, 1) and (1, 0): 2,
// (1, 1): 1), each written into its place of [1, 2, 3, 2, 2, 3]; the last
// two dimensions swapped interleave the column phases, and the rows past
// the input's 5 are cut.
// CHECK-LABEL: func.func @avg_pool_grad_phases
// CHECK: %[[GP:.*]] = tensor.insert_slice %arg0 into %{{.*}}[0, 0, 1, 1] [1, 2, 2, 2] [1, 1, 1, 1] : tensor<1x2x2x2xf32> into tensor<1x2x4x4xf32>
// CHECK: %[[P0:.*]] = linalg.generic
// CHECK-COUNT-4: arith.divf
// CHECK: %[[E0:.*]] = tensor.expand_shape %[[P0]]
// CHECK: %[[I0:.*]] = tensor.insert_slice %[[E0]] into %{{.*}}[0, 0, 0, 0, 0, 0] [1, 2, 3, 1, 1, 3]
// CHECK: linalg.generic
// CHECK-COUNT-2: arith.divf
// CHECK: %[[I1:.*]] = tensor.insert_slice %{{.*}} into %[[I0]][0, 0, 0, 0, 1, 0] [1, 2, 3, 1, 1, 3]
// CHECK: linalg.generic
// CHECK-COUNT-2: arith.divf
// CHECK: %[[I2:.*]] = tensor.insert_slice %{{.*}} into %[[I1]][0, 0, 0, 1, 0, 0] [1, 2, 3, 1, 1, 3]
// CHECK: linalg.generic
// CHECK: arith.divf
// CHECK-NOT: arith.divf
// CHECK: %[[I3:.*]] = tensor.insert_slice %{{.*}} into %[[I2]][0, 0, 0, 1, 1, 0] [1, 2, 3, 1, 1, 3]
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[I3]] : tensor<1x2x3x2x2x3xf32>) outs(%{{.*}} : tensor<1x2x3x2x3x2xf32>) permutation = [0, 1, 2, 3, 5, 4]
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[T]] {{\[\[}}0], [1], [2, 3], [4, 5]] : tensor<1x2x3x2x3x2xf32> into tensor<1x2x6x6xf32>
// CHECK: %[[R:.*]] = tensor.extract_slice %[[C]][0, 0, 0, 0] [1, 2, 5, 6] [1, 1, 1, 1]
// CHECK: return %[[R]]
func.func @avg_pool_grad_phases(%g: tensor<1x2x2x2xf32>) -> tensor<1x2x5x6xf32> {
  %0 = dl.avg_pool2d_grad %g {size = 3, stride = 2} : tensor<1x2x2x2xf32> -> tensor<1x2x5x6xf32>
  return %0 : tensor<1x2x5x6xf32>
}

// -----

// The table gradient: a loop over the ids adding rows (scatter-add).
// CHECK-LABEL: func.func @gather_grad
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<5x3xf32>)
// CHECK: tensor.extract %{{.*}}[%[[I]]] : tensor<4xi32>
// CHECK: tensor.extract_slice %[[ACC]][%{{.*}}, 0] [1, 3] [1, 1]
// CHECK: arith.addf
// CHECK: tensor.insert_slice %{{.*}} into %[[ACC]][%{{.*}}, 0] [1, 3] [1, 1]
func.func @gather_grad(%g: tensor<2x2x3xf32>, %ids: tensor<2x2xi32>) -> tensor<5x3xf32> {
  %0 = dl.gather_grad %g, %ids : tensor<2x2x3xf32>, tensor<2x2xi32> -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// -----

// Dropout: a hash of (seed, step, element index) compared with the rate.
// CHECK-LABEL: func.func @dropout
// CHECK: %[[STEP:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// CHECK: arith.fptoui %[[STEP]] : f32 to i64
// CHECK: linalg.generic
// CHECK: linalg.index 0
// CHECK: linalg.index 1
// CHECK: arith.shrui
// CHECK: arith.uitofp
// CHECK: arith.cmpf oge
// CHECK: arith.select
func.func @dropout(%x: tensor<4x8xf32>, %s: tensor<f32>) -> tensor<4x8xf32> {
  %0 = dl.dropout %x step(%s : tensor<f32>) {rate = 0.25 : f64, seed = 3 : i64} : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
