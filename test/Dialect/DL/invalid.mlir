// RUN: dl-opt %s -split-input-file -verify-diagnostics

// Every verifier and shape function of the dl dialect rejects bad IR with a
// message naming both shapes.

func.func @add_not_broadcastable(%a: tensor<64x10xf32>, %b: tensor<5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot add f32[64, 10] and f32[5]: dimensions 10 and 5 are not broadcastable}}
  %0 = dl.add %a, %b : tensor<64x10xf32>, tensor<5xf32> -> tensor<64x10xf32>
  return
}

// -----

func.func @mul_element_types(%a: tensor<4xf32>, %b: tensor<4xi32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot multiply f32[4] and i32[4]: element types differ}}
  %0 = dl.mul %a, %b : tensor<4xf32>, tensor<4xi32> -> tensor<4xf32>
  return
}

// -----

func.func @add_wrong_result(%a: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{'dl.add' op failed to infer returned types}}
  // expected-error @+1 {{'dl.add' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<5xf32>'}}
  %0 = dl.add %a, %b : tensor<4xf32>, tensor<4xf32> -> tensor<5xf32>
  return
}

// -----

func.func @matmul_inner(%a: tensor<64x784xf32>, %b: tensor<512x10xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot multiply f32[64, 784] by f32[512, 10]: inner dimensions 784 and 512 differ}}
  %0 = dl.matmul %a, %b : tensor<64x784xf32>, tensor<512x10xf32> -> tensor<64x10xf32>
  return
}

// -----

func.func @matmul_ranks(%a: tensor<4x3xf32>, %b: tensor<2x3x5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot multiply f32[4, 3] by f32[2, 3, 5]: expected 2-D x 2-D, 3-D x 3-D or 3-D x 2-D operands}}
  %0 = dl.matmul %a, %b : tensor<4x3xf32>, tensor<2x3x5xf32> -> tensor<2x4x5xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x4x3xf32>, %b: tensor<3x3x5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot multiply f32[2, 4, 3] by f32[3, 3, 5]: batch dimensions 2 and 3 differ}}
  %0 = dl.matmul %a, %b : tensor<2x4x3xf32>, tensor<3x3x5xf32> -> tensor<2x4x5xf32>
  return
}

// -----

func.func @matmul_integer(%a: tensor<4x3xi32>, %b: tensor<3x5xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values}}
  %0 = dl.matmul %a, %b : tensor<4x3xi32>, tensor<3x5xi32> -> tensor<4x5xi32>
  return
}

// -----

func.func @relu_integer(%a: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float or 16-bit float or bfloat16 type values}}
  %0 = dl.relu %a : tensor<4xi32>
  return
}

// -----

func.func @transpose_perm(%a: tensor<4x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot transpose f32[4, 8] by [0, 0]: expected a permutation of 0..1}}
  %0 = dl.transpose %a {perm = array<i64: 0, 0>} : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @sum_axis_range(%a: tensor<4x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{axis 2 is out of range for f32[4, 8] (rank 2)}}
  %0 = dl.sum %a {axes = array<i64: 2>} : tensor<4x8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @max_axis_twice(%a: tensor<4x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{axis 1 appears twice in max of f32[4, 8]}}
  %0 = dl.max %a {axes = array<i64: 1, 1>} : tensor<4x8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @reshape_count(%a: tensor<64x784xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot reshape f32[64, 784] (50176 elements) to [64, 700] (44800 elements)}}
  %0 = dl.reshape %a {shape = array<i64: 64, 700>} : tensor<64x784xf32> -> tensor<64x700xf32>
  return
}

// -----

func.func @reshape_two_holes(%a: tensor<64x784xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot reshape f32[64, 784] to [-1, -1]: at most one -1 is allowed}}
  %0 = dl.reshape %a {shape = array<i64: -1, -1>} : tensor<64x784xf32> -> tensor<64x784xf32>
  return
}

// -----

func.func @reshape_not_multiple(%a: tensor<6xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot reshape f32[6] (6 elements) to [4, -1]: 6 is not a multiple of 4}}
  %0 = dl.reshape %a {shape = array<i64: 4, -1>} : tensor<6xf32> -> tensor<4x2xf32>
  return
}

// -----

func.func @concat_dims(%a: tensor<4x3xf32>, %b: tensor<5x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot concatenate f32[4, 3] and f32[5, 3] along axis 1: dimension 0 differs (4 vs 5)}}
  %0 = dl.concat %a, %b {axis = 1 : i64} : tensor<4x3xf32>, tensor<5x3xf32> -> tensor<4x6xf32>
  return
}

// -----

func.func @concat_ranks(%a: tensor<4x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot concatenate f32[4, 3] and f32[4] along axis 0: ranks differ}}
  %0 = dl.concat %a, %b {axis = 0 : i64} : tensor<4x3xf32>, tensor<4xf32> -> tensor<8x3xf32>
  return
}

// -----

func.func @slice_range(%a: tensor<4x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot slice 3 elements from 6 along axis 1 of f32[4, 8] (size 8)}}
  %0 = dl.slice %a {axis = 1 : i64, start = 6 : i64, size = 3 : i64} : tensor<4x8xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @broadcast_to(%a: tensor<3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{cannot broadcast f32[3] to [4, 5]}}
  %0 = dl.broadcast_to %a {shape = array<i64: 4, 5>} : tensor<3xf32> -> tensor<4x5xf32>
  return
}

// -----

func.func @softmax_axis(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{axis 2 is out of range for f32[4, 8] (rank 2)}}
  %0 = dl.softmax %a {axis = 2 : i64} : tensor<4x8xf32>
  return
}

// -----

func.func @conv_channels(%x: tensor<8x3x28x28xf32>, %w: tensor<6x1x5x5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{conv2d input f32[8, 3, 28, 28] has 3 channels but weights f32[6, 1, 5, 5] expect 1}}
  %0 = dl.conv2d %x, %w : (tensor<8x3x28x28xf32>, tensor<6x1x5x5xf32>) -> tensor<8x6x24x24xf32>
  return
}

// -----

func.func @conv_rank(%x: tensor<3x28x28xf32>, %w: tensor<6x3x5x5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{conv2d expects a 4-D NCHW input, found f32[3, 28, 28]}}
  %0 = dl.conv2d %x, %w : (tensor<3x28x28xf32>, tensor<6x3x5x5xf32>) -> tensor<6x24x24xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<8x3x28x28xf32>, %w: tensor<6x3x5x5xf32>, %b: tensor<5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{conv2d bias must be f32[6], found f32[5]}}
  %0 = dl.conv2d %x, %w, %b : (tensor<8x3x28x28xf32>, tensor<6x3x5x5xf32>, tensor<5xf32>) -> tensor<8x6x24x24xf32>
  return
}

// -----

func.func @conv_kernel(%x: tensor<1x1x3x3xf32>, %w: tensor<1x1x5x5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{conv2d kernel 5x5 does not fit in the padded input 3x3}}
  %0 = dl.conv2d %x, %w : (tensor<1x1x3x3xf32>, tensor<1x1x5x5xf32>) -> tensor<1x1x1x1xf32>
  return
}

// -----

func.func @pool_window(%x: tensor<1x1x3x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{max_pool2d window 4x4 does not fit in f32[1, 1, 3, 3]}}
  %0 = dl.max_pool2d %x {size = 4 : i64, stride = 4 : i64} : tensor<1x1x3x3xf32> -> tensor<1x1x1x1xf32>
  return
}

// -----

func.func @pool_rank(%x: tensor<3x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{avg_pool2d expects a 4-D NCHW input, found f32[3, 3]}}
  %0 = dl.avg_pool2d %x {size = 2 : i64, stride = 2 : i64} : tensor<3x3xf32> -> tensor<1x1xf32>
  return
}

// -----

func.func @batch_norm_channels(%x: tensor<4x6xf32>, %c: tensor<6xf32>, %d: tensor<5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{batch_norm var must be f32[6] for input f32[4, 6], found f32[5]}}
  %0:3 = dl.batch_norm %x, %c, %c, %c, %d : (tensor<4x6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<6xf32>, tensor<5xf32>) -> (tensor<4x6xf32>, tensor<6xf32>, tensor<6xf32>)
  return
}

// -----

func.func @dropout_rate(%x: tensor<4xf32>) {
  // expected-error @+1 {{'dl.dropout' op needs a rate in [0, 1), found 1}}
  %0 = dl.dropout %x {rate = 1.0 : f64, seed = 1 : i64} : tensor<4xf32>
  return
}

// -----

func.func @clip_bounds(%x: tensor<4xf32>) {
  // expected-error @+1 {{'dl.clip' op needs lo <= hi, found lo = 1.000000e+00 and hi = -1.000000e+00}}
  %0 = dl.clip %x {lo = 1.0 : f64, hi = -1.0 : f64} : tensor<4xf32>
  return
}

// -----

func.func @one_hot_n(%l: tensor<4xi32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{one_hot needs n >= 1, found 0}}
  %0 = dl.one_hot %l {n = 0 : i64} : tensor<4xi32> -> tensor<4x0xf32>
  return
}

// -----

func.func @gather_table(%t: tensor<10xf32>, %i: tensor<4xi32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{gather expects a 2-D table [vocab, dim], found f32[10]}}
  %0 = dl.gather %t, %i : tensor<10xf32>, tensor<4xi32> -> tensor<4xf32>
  return
}

// -----

func.func @mse_target(%p: tensor<4x1xf32>, %t: tensor<4x2xf32>) {
  // expected-error @+1 {{mse: target f32[4, 2] does not broadcast to the prediction's shape f32[4, 1]}}
  %0 = dl.mse %p, %t : tensor<4x1xf32>, tensor<4x2xf32>
  return
}

// -----

func.func @xent_labels(%l: tensor<64x10xf32>, %y: tensor<32xi32>) {
  // expected-error @+1 {{softmax_cross_entropy with logits f32[64, 10] expects labels i32[64] or f32[64, 10], found i32[32]}}
  %0 = dl.softmax_cross_entropy %l, %y : tensor<64x10xf32>, tensor<32xi32>
  return
}

// -----

func.func @accuracy_dense_labels(%l: tensor<64x10xf32>, %y: tensor<64x10xf32>) {
  // expected-error @+1 {{accuracy with logits f32[64, 10] expects labels i32[64], found f32[64, 10]}}
  %0 = dl.accuracy %l, %y : tensor<64x10xf32>, tensor<64x10xf32>
  return
}

// -----

func.func @l2_empty() {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{l2 needs at least one tensor}}
  %0 = "dl.l2"() : () -> tensor<f32>
  return
}

// -----

// expected-error @+1 {{'dl.param' op has unknown initializer 'xavier'}}
dl.param @w : tensor<4xf32> {init = "xavier"}

// -----

// expected-error @+1 {{'dl.param' op initializer 'uniform' takes 2 arguments, found 1}}
dl.param @w : tensor<4xf32> {init = "uniform", args = array<f64: 1.0>}

// -----

// expected-error @+1 {{'dl.state' op initializer 'he_normal' needs fan_in and fan_out}}
dl.state @s : tensor<4xf32> {init = "he_normal"}

// -----

dl.param @w : tensor<4xf32> {init = "zeros"}
func.func @load_type() {
  // expected-error @+1 {{'dl.load' op loads @w of type f32[4] as f32[5]}}
  %0 = dl.load @w : tensor<5xf32>
  return
}

// -----

func.func @load_missing() {
  // expected-error @+1 {{'dl.load' op refers to @nothing, which is not a dl.param or dl.state}}
  %0 = dl.load @nothing : tensor<5xf32>
  return
}

// -----

// expected-error @+1 {{'dl.state' op has unknown role 'cache' (expected slot, grad or hyper)}}
dl.state @s : tensor<4xf32> {init = "zeros", role = "cache"}

// -----

// expected-error @+1 {{'dl.param' op params have no role}}
dl.param @w : tensor<4xf32> {init = "zeros", role = "slot"}

// -----

dl.state @s : tensor<4xf32> {init = "zeros"}
func.func @assign_type(%v: tensor<5xf32>) {
  // expected-error @+1 {{'dl.assign' op assigns f32[5] to @s of type f32[4]}}
  dl.assign @s, %v : tensor<5xf32>
  return
}

// -----

// Gradient ops verify their result type against the forward op's rule.
func.func @conv_input_grad(%g: tensor<2x4x4x4xf32>, %w: tensor<4x3x2x3xf32>) {
  // expected-error @+1 {{'dl.conv2d_input_grad' op shapes do not match a conv2d of input f32[2, 3, 9, 7] with weights f32[4, 3, 2, 3] producing f32[2, 4, 4, 4]}}
  %0 = dl.conv2d_input_grad %g, %w {stride = 2, pad = 1} : (tensor<2x4x4x4xf32>, tensor<4x3x2x3xf32>) -> tensor<2x3x9x7xf32>
  return
}

// -----

func.func @conv_weight_grad(%x: tensor<2x3x7x7xf32>, %g: tensor<2x4x4x4xf32>) {
  // expected-error @+1 {{'dl.conv2d_weight_grad' op shapes do not match a conv2d of input f32[2, 3, 7, 7] with weights f32[4, 2, 2, 3] producing f32[2, 4, 4, 4]}}
  %0 = dl.conv2d_weight_grad %x, %g {stride = 2, pad = 1} : (tensor<2x3x7x7xf32>, tensor<2x4x4x4xf32>) -> tensor<4x2x2x3xf32>
  return
}

// -----

func.func @max_pool_grad(%x: tensor<2x3x8x8xf32>, %g: tensor<2x3x3x3xf32>) {
  // expected-error @+1 {{'dl.max_pool2d_grad' op gradient f32[2, 3, 3, 3] does not match pooling f32[2, 3, 8, 8]}}
  %0 = dl.max_pool2d_grad %x, %g {size = 2, stride = 2} : tensor<2x3x8x8xf32>, tensor<2x3x3x3xf32>
  return
}

// -----

func.func @avg_pool_grad(%g: tensor<2x3x3x3xf32>) {
  // expected-error @+1 {{'dl.avg_pool2d_grad' op has a window that does not fit}}
  %0 = dl.avg_pool2d_grad %g {size = 4, stride = 1} : tensor<2x3x3x3xf32> -> tensor<2x3x3x3xf32>
  return
}

// -----

func.func @gather_grad(%g: tensor<2x5x8xf32>, %ids: tensor<2x5xi32>) {
  // expected-error @+1 {{'dl.gather_grad' op gradient f32[2, 5, 8] does not match a gather of f32[10, 4] by i32[2, 5]}}
  %0 = dl.gather_grad %g, %ids : tensor<2x5x8xf32>, tensor<2x5xi32> -> tensor<10x4xf32>
  return
}

// -----

// An LSTM's gate width must be four times its hidden units everywhere.
func.func @lstm_gates(%xw: tensor<2x3x12xf32>, %w: tensor<4x16xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{'dl.lstm' op has 4 hidden units but gates of 12, 16 and 16 (expected 16)}}
  %seq, %cells, %gates = dl.lstm %xw, %w, %b : (tensor<2x3x12xf32>, tensor<4x16xf32>, tensor<16xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x12xf32>)
  return
}

// -----

func.func @lstm_sequence(%xw: tensor<2x3x16xf32>, %w: tensor<4x16xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{'dl.lstm' op expects sequences of f32[2, 3, 4], found f32[2, 4, 4]}}
  %seq, %cells, %gates = "dl.lstm"(%xw, %w, %b) : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> (tensor<2x4x4xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>)
  return
}

// -----

func.func @lstm_rank(%xw: tensor<6x16xf32>, %w: tensor<4x16xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{'dl.lstm' op expects xw [B, T, 4H], whh_t [H, 4H] and bhh [4H], found f32[6, 16], f32[4, 16], f32[16]}}
  %seq, %cells, %gates = "dl.lstm"(%xw, %w, %b) : (tensor<6x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> (tensor<6x4xf32>, tensor<6x4xf32>, tensor<6x16xf32>)
  return
}

// -----

func.func @lstm_grad_types(%xw: tensor<2x3x16xf32>, %w: tensor<4x16xf32>, %b: tensor<16xf32>, %s: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'dl.lstm_grad' op gradients must have the types of xw, whh_t and bhh}}
  %0:3 = dl.lstm_grad %xw, %w, %b, %s, %s, %xw, %s : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x16xf32>, tensor<16x4xf32>, tensor<16xf32>)
  return
}

// -----

func.func @lstm_grad_shape(%xw: tensor<2x3x16xf32>, %w: tensor<4x16xf32>, %b: tensor<16xf32>, %s: tensor<2x3x4xf32>, %g: tensor<2x3x5xf32>) {
  // expected-error @+1 {{'dl.lstm_grad' op expects sequences of f32[2, 3, 4], found f32[2, 3, 5]}}
  %0:3 = dl.lstm_grad %xw, %w, %b, %s, %s, %xw, %g : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>, tensor<2x3x5xf32>) -> (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>)
  return
}

// -----

// The saved gates are [B, T, 4H], like xw.
func.func @lstm_saved_gates(%xw: tensor<2x3x16xf32>, %w: tensor<4x16xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{'dl.lstm' op expects gates of type f32[2, 3, 16], found f32[2, 3, 4]}}
  %seq, %cells, %gates = "dl.lstm"(%xw, %w, %b) : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>)
  return
}

// -----

func.func @lstm_grad_gates(%xw: tensor<2x3x16xf32>, %w: tensor<4x16xf32>, %b: tensor<16xf32>, %s: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'dl.lstm_grad' op expects gates of type f32[2, 3, 16], found f32[2, 3, 4]}}
  %0:3 = dl.lstm_grad %xw, %w, %b, %s, %s, %s, %s : (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x16xf32>, tensor<4x16xf32>, tensor<16xf32>)
  return
}

// -----

// A GRU's gate width is three times its hidden units.
func.func @gru_gates(%xw: tensor<2x3x16xf32>, %w: tensor<4x12xf32>, %b: tensor<12xf32>) {
  // expected-error @+1 {{'dl.gru' op has 4 hidden units but gates of 16, 12 and 12 (expected 12)}}
  %seq, %gates = "dl.gru"(%xw, %w, %b) : (tensor<2x3x16xf32>, tensor<4x12xf32>, tensor<12xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x16xf32>)
  return
}

// -----

// Its saved gates are r, z, n and a_n: [B, T, 4H].
func.func @gru_saved_gates(%xw: tensor<2x3x12xf32>, %w: tensor<4x12xf32>, %b: tensor<12xf32>) {
  // expected-error @+1 {{'dl.gru' op expects gates of type f32[2, 3, 16], found f32[2, 3, 12]}}
  %seq, %gates = "dl.gru"(%xw, %w, %b) : (tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x12xf32>)
  return
}

// -----

func.func @gru_rank(%xw: tensor<6x12xf32>, %w: tensor<4x12xf32>, %b: tensor<12xf32>) {
  // expected-error @+1 {{'dl.gru' op expects xw [B, T, 3H], whh_t [H, 3H] and bhh [3H], found f32[6, 12], f32[4, 12], f32[12]}}
  %seq, %gates = "dl.gru"(%xw, %w, %b) : (tensor<6x12xf32>, tensor<4x12xf32>, tensor<12xf32>) -> (tensor<6x4xf32>, tensor<6x16xf32>)
  return
}

// -----

func.func @gru_grad_types(%xw: tensor<2x3x12xf32>, %w: tensor<4x12xf32>, %b: tensor<12xf32>, %s: tensor<2x3x4xf32>, %g: tensor<2x3x16xf32>) {
  // expected-error @+1 {{'dl.gru_grad' op gradients must have the types of xw, whh_t and bhh}}
  %0:3 = dl.gru_grad %xw, %w, %b, %s, %g, %s : (tensor<2x3x12xf32>, tensor<4x12xf32>, tensor<12xf32>, tensor<2x3x4xf32>, tensor<2x3x16xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x12xf32>, tensor<12x4xf32>, tensor<12xf32>)
  return
}

// -----

// An RNN has one gate: xw [B, T, H].
func.func @rnn_gates(%xw: tensor<2x3x8xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'dl.rnn' op has 4 hidden units but gates of 8, 4 and 4 (expected 4)}}
  %seq = "dl.rnn"(%xw, %w, %b) : (tensor<2x3x8xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return
}

// -----

// Only activations whose derivative follows from their value.
func.func @rnn_activation(%xw: tensor<2x3x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'dl.rnn' op has activation 'gelu'; expected tanh, relu, sigmoid, leaky_relu or none}}
  %seq = dl.rnn %xw, %w, %b {act = "gelu"} : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return
}

// -----

func.func @rnn_grad_sequence(%xw: tensor<2x3x4xf32>, %w: tensor<4x4xf32>, %b: tensor<4xf32>, %s: tensor<2x3x4xf32>, %g: tensor<2x3x5xf32>) {
  // expected-error @+1 {{'dl.rnn_grad' op expects sequences of f32[2, 3, 4], found f32[2, 3, 5]}}
  %0:3 = dl.rnn_grad %xw, %w, %b, %s, %g : (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<2x3x4xf32>, tensor<2x3x5xf32>) -> (tensor<2x3x4xf32>, tensor<4x4xf32>, tensor<4xf32>)
  return
}
