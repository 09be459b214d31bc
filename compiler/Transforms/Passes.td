//===- Passes.td - the passes of dlc -----------------------------------===//
//
// Every pass dlc runs, runnable on its own through dl-opt.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_PASSES_TD
#define DLC_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertDLToLinalg : Pass<"convert-dl-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower the compute ops of the dl dialect to linalg, tensor, arith and math";
  let description = [{
    Rewrites every forward dl op (elementwise, matmul, reductions, shape ops,
    softmax, convolution, pooling, batch norm, one_hot, gather, losses,
    accuracy) into ops on tensors: linalg structured ops (generic, matmul,
    batch_matmul, transpose, reduce, conv, pooling), tensor slicing and
    reshaping, and scalar arith/math in their bodies, so the later passes can
    fuse, tile and bufferize them. dl.load, dl.assign, dl.param and dl.state
    are left to dl-lower-variables.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::tensor::TensorDialect",
    "mlir::scf::SCFDialect"
  ];
}

def DLAutodiff : Pass<"dl-autodiff", "mlir::ModuleOp"> {
  let summary = "Derive the backward graph and the optimizer update of every training entry";
  let description = [{
    For each function with `dl.entry = "train"` (loss first, then metrics;
    `dl.over`, `dl.optimizer`, `dl.hyper` as the front end records them),
    builds two functions, sometimes three:

    - `ENTRY_accumulate` (`dl.entry = "accumulate"`): the forward graph,
      then the backward graph from the loss to every param of `dl.over`,
      built by walking the ops in reverse and calling each op's
      DifferentiableOpInterface; the gradients are added to `grad/ENTRY/P`
      and `grad/ENTRY/count` counts the batches. It returns the loss and
      the metrics.
    - `ENTRY_apply` (`dl.entry = "apply"`): the optimizer update (sgd with
      momentum, nesterov and weight decay; adam; adamw; rmsprop; torch.optim
      formulas) from the mean accumulated gradient, in place on the params
      and the slots `optim/ENTRY/SLOT/P`, then clears the gradients and
      advances `optim/ENTRY/t`. Hyper-parameters are read from the states
      `hyper/ENTRY/NAME`, so they can change at run time.

    - `ENTRY_fused` (`dl.entry = "fused"`), when the step does at most
      `fuse-step-limit` multiply-adds per trained param element (an MLP,
      about 3 per row of its batch): the forward and backward graphs with
      the update of `ENTRY_apply` from each gradient directly, each param's
      right after the last op that reads the param or its gradient (its
      temporary is then free for others), and the gradient buffers and the
      count left as they are. It is the training
      entry whenever the count is 0 (no accumulated gradient: the buffers
      are clear, the mean gradient is the batch's), and saves the update's
      traffic through the gradient buffers: writing, reading back and
      clearing them. The library's `ENTRY` calls it then, and
      `ENTRY_accumulate` and `ENTRY_apply` otherwise.
    - For sgd declared without momentum (`dl.hyper` momentum 0):
      `ENTRY_apply_plain` (`dl.entry = "apply_plain"`) and, with a fused
      step, `ENTRY_fused_plain` (`dl.entry = "fused_plain"`): the same
      with an update that neither reads nor writes the momentum slots,
      which the library calls instead while the momentum is 0.

    Only values that depend on a trained param through differentiable ops
    get gradients. Training through an op whose VJP is not implemented is
    an error at the op's location.
  }];
  let options = [
    Option<"fuseStepLimit", "fuse-step-limit", "int64_t", /*default=*/"1000",
           "ENTRY_fused for steps of at most this many multiply-adds per "
           "trained param element (0: never)">,
  ];
}

def DLPoolEarly : Pass<"dl-pool-early", "mlir::ModuleOp"> {
  let summary = "Pool before the activation and the convolution bias";
  let description = [{
    Run before dl-autodiff, on the forward graphs: a max pooling of a
    monotone activation (relu, leaky_relu with alpha >= 0, clip) becomes
    the activation of the pooling, `max_pool2d(f(y))` -> `f(max_pool2d(y))`,
    and a max pooling of a convolution with a bias pools the convolution
    without it and adds the bias after, `max_pool2d(conv2d(x, w, b))` ->
    `max_pool2d(conv2d(x, w)) + reshape(b, [O, 1, 1])`. Both are exact in
    floats (rounding never reverses an order; NaN stays NaN), and the
    gradients are the same: a window's gradient goes to the first position
    of its maximum either way, and the activation's derivative at the
    window's maximum is the one the original took there. The bias and the
    activation then run on the pooled tensor, a quarter of the size with
    2 x 2 windows, in the forward and the backward graphs (LeNet's first
    convolution: 64 x 6 x 28 x 28 -> 64 x 6 x 14 x 14).

    Only a value that nothing but the pooling uses is moved. The pass
    rejects nothing.
  }];
}

def DLSimplify : Pass<"dl-simplify", "mlir::ModuleOp"> {
  let summary = "Simplify dl graphs: folding, algebraic rewrites, CSE, dead gradients";
  let description = [{
    Run after dl-autodiff on the forward and backward graphs together:

    - the dl folders and canonicalizations: constant arithmetic on splats,
      identities (`x + 0`, `x * 1`, `x / 1`, reshapes and transposes that
      change nothing), `-(-x)`;
    - algebraic rewrites: `exp(log_softmax(x))` -> `softmax(x)` (the
      log_softmax gradient), chains of constant scalings merged
      (`c1 * (c2 * x)` -> `(c1 c2) * x`, `-(c * x)` -> `(-c) * x`), and
      `a + (-b)` -> `a - b`, `a - (-b)` -> `a + b`;
    - products by a transposed matrix larger than the other operand and
      the result together, `x @ transpose(w)` (a dense layer in PyTorch's
      [out, in] layout; dense()'s input gradient `dY @ transpose(W)`):
      `transpose(w @ transpose(x))` (the lowering copies a transposed
      right operand: x and the result instead of all of w), or at one row
      `reshape(sum(x * w, axis 1), [1, N])` (a row reduction per output,
      nothing copied), or at 2 to 4 rows (dlc::kDotRows) with rows of 256
      or more (dlc::kDotDepth), a multiple of 16,
      `sum(reshape(x, [M, 1, K]) * w, axis 2)` (dot products along the
      rows, which dl-tile-and-vectorize sums a few rows of w at a time);
    - common subexpression elimination, so the forward values the backward
      graph recomputes (a softmax, a transpose) exist once;
    - dead-gradient elimination: gradient values nothing consumes (the
      gradient of an input, of a frozen param) are erased with every op
      only they used. (dl-autodiff already builds no gradient for values
      that do not depend on a trained param.)

    The softmax cross-entropy gradient is fused by construction: its VJP is
    `(softmax(z) - one_hot(y)) / B`, never the chain through log and exp.
    The pass rejects nothing; it preserves every assignment and result.
    (`dlc -O0` and `--no-fuse` run it with transposed-products=false: the
    one-row and dot-product forms rely on fusion, which keeps `x * w`
    from being written out as a tensor of w's size or larger.)
  }];
  let options = [
    Option<"transposedProducts", "transposed-products", "bool",
           /*default=*/"true",
           "Rewrite products by a large transposed matrix "
           "(x @ transpose(w))">
  ];
}

def DLFuseElementwise : Pass<"dl-fuse-elementwise", "mlir::ModuleOp"> {
  let summary = "Fuse chains of elementwise linalg ops on tensors, without recomputation";
  let description = [{
    Upstream's elementwise fusion (a producer generic merged into the
    consumer generic that reads it, so the chain is one loop nest and no
    intermediate tensor is written), restricted to producers with a single
    use: a producer with several uses would be recomputed in each consumer,
    which along a recurrence grows the work with every step. Nor is a
    producer without loops (a scalar: Adam's bias correction 1 - beta^t)
    fused into a consumer with loops, which would compute it again for
    every element, nor any producer into a reduction that reads it
    broadcast along one of its parallel loops (a layer's activations in
    the row reductions of the next layer's product at one row), which
    would compute it again for every output. A copy (a generic whose body
    yields its one input: a broadcast, such as the gradient of a sum
    spread back over the summed axes) computes nothing: it fuses into any
    consumer, and one read by several elementwise ops or reductions is
    first cloned for each (the gradients of both operands of sum(q * k,
    axis = 3) read dO broadcast to q * k's shape; that tensor is never
    written out). A consumer that would fuse a producer but for a store
    between the two into a buffer the producer reads (in a fused step, a
    parameter's update between the multiply of sum(dY * w, axis = 1) and
    its sum) first moves up to the producer, when every value it uses is
    defined before it and nothing between them writes a buffer it reads:
    it then fuses and reads the old values, computing as the accumulate
    entry does. The exception is a producer
    whose other uses are stores into buffers
    (bufferization.materialize_in_destination: an optimizer's new
    momentum, stored into its variable and read by the parameter's
    update): the fused op yields the producer's values as well, the stores
    take them and move after it, and the producer goes. Only in one block,
    when nothing between the two ops writes memory but stores, none into a
    buffer the producer reads (disjoint arena views are told apart), and
    nothing between them loads a buffer a moved store writes: the fused op
    reads what the producer would have read.

    A parameter's gradient added to its buffer (an elementwise add of the
    buffer's load and a contraction into a zero fill, stored back into the
    buffer) becomes the contraction into the buffer itself (loaded
    restrict writable, so it bufferizes in place), and the add goes: no
    separate pass reads both and writes the sum. Only when the load, the
    product and the sum each have that one use, in one block, the block
    reads and writes the buffer nowhere else, and nothing between the
    product and the store has other memory effects.

    Last, a buffer filled with a constant after an all-parallel op read it
    (a gradient cleared after the optimizer's update) is filled by that
    op: an extra result, the constant, stored into the buffer, so each
    element is cleared in the pass that reads it instead of a second pass
    (a memset). Only when the fill's result is stored into that buffer
    alone, the op reads the buffer's load with an identity map and writes
    results of the fill's shape, and nothing between the op and the store
    reads or writes the buffer.

    An all-parallel generic reading, through a tensor.collapse_shape used
    only there, the result of an all-parallel generic used only there (a
    pooling's input gradient computed as cells of window rows, read by
    the activation's gradient) is expanded to the producer's shape
    (upstream's reshape folding by expansion), so the two fuse.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def DLTileAndVectorize : Pass<"dl-tile-and-vectorize", "mlir::ModuleOp"> {
  let summary = "Tile matrix products and convolutions into register blocks and vectorize them";
  let description = [{
    On tensors, before bufferization: first, a reduction that reads an
    operand at index 0 in some unit dimensions (a fused
    sum(reshape(x, [B, 1, K]) * w, axis = 2)) reads it through a
    tensor.collapse_shape without them, and a contraction of one row, column
    and reduction loop (and one batch loop or none) that then reads an
    operand transposed becomes a linalg.matmul or linalg.batch_matmul of
    linalg.transpose ops, the form the products of the language take (such
    sums and their gradients were scalar loops: 3 to 17 times slower);
    but a product of up to 4 rows by a matrix read as rows of its
    transpose, [M, K] x [N, K]^T with K of 256 or more, divisible by the
    vector width (dl-simplify's form of x @ transpose(w) at 2 to 4 rows),
    is summed as dot products along K instead: an scf.forall over blocks
    of w's rows (about 8 accumulators: all M rows by 8 / M of w's), each
    step a vector of K from each row in fused multiply-adds (math.fma),
    the lanes summed after the loop.
    Then every linalg.matmul and
    linalg.batch_matmul with static shapes is first split along the loop
    threads will share (an scf.forall over the batch, or the images of a
    convolution's product; else, when the rows of A outgrow 192 KB, chunks
    of rows that fit in L2 (an even number where possible, else 8 or
    more, so that two threads share them evenly), unless fewer than 32
    rows would fit (K > 1536): then threads share the column blocks and
    an scf.for blocks the reduction by up to 256, so that all of A's rows
    over one block stay in L2 (each chunk of rows would stream all of B;
    the rest of such a product split in rows is blocked the same, in the
    same scf.for, so that it reads each block of B from L2 too);
    else the
    column blocks, else the row blocks; dl-parallelize hands it to the
    runtime), then tiled (scf.for) into blocks of MR rows by NR columns
    with a reduction step of 1 (MR and NR divisors of M and N, so no block
    needs masking; NR up to four vectors of `vector-width` lanes; the pair
    with the most useful FMA lanes per cycle, counting a partial vector as
    a whole instruction and at least 10 accumulator registers to cover
    the FMA latency, with the accumulators, a row of B and two
    broadcasts in the vector registers: 16, or 32 at 16 lanes (AVX-512);
    of pairs that tie, with AVX2, the one with the fewest loads per FMA:
    4 x 16 over 8 x 8 for 16 rows);
    each block becomes a vector.contract on
    vector.transfer_read/write of the tile; column blocks iterate outside
    row blocks, so a block column of B stays in cache. When that column
    block (K x NR) outgrows 16 KB and two row blocks or more read it, an
    scf.for (inside the share) blocks the reduction by the largest
    divisor of K from 64 to 256 whose part of it fits, so that it stays
    in L1 while the row blocks pass (the MLP's 784 x 512 layer: by 112
    with AVX-512's 8 x 32 blocks, by 196 with AVX2's 6 x 16). Before that, a
    product whose rows (then columns) are covered better by two blocks is
    split in two ops (64 rows: 54 in 6 x 16 blocks and 10 in 5 x 16; where
    the cheapest split's rows would be shared in chunks of fewer than 32
    rows that each read a B of 1 MB or more, which does not stay in L2,
    a split within 5 % of its cost whose chunks are larger is taken: 256 x
    784 x 512 with AVX2 as 252 and 4 rows, not 246, 41 blocks of 6, and
    10; the rows are weighed against the columns the main blocks will
    cover: 784 x 100 x 500 as 774 and 10 rows over 496 and 4 columns); a
    product of a transposed matrix (linalg.transpose [1, 0] feeding the
    left operand) reads the matrix in place, unless its rows lie a power
    of two of 1 KB or more apart (a column of it then falls into 4 of L1's
    sets or fewer: the MLP's H1 [64, 512] is copied, 0.90 of the time of
    H1^T dH2 on a Zen 4); and a linalg.fill producing
    the accumulator is fused into the tiles, so blocks start from zero
    vectors and no buffer is filled. A block read from a product's result
    (an accumulated gradient, a reduction blocked by 256) is not carried
    into its reduction loop: the loop starts from zeros, and the block is
    read and added after it (C + AB; the read no longer holds up the
    loop's first FMAs, nor its registers the loop); a fused zero fill's
    block is not added at all (a sum from +0.0 is never -0.0, so adding
    +0.0 changes nothing). With fuse-epilogues
    (the default; dlc --no-fuse turns it off), a linalg.generic that is
    the only reader of a contraction from a zero fill, all parallel,
    reading it at the identity (a bias, a relu, a relu's mask; no exp,
    tanh, log or erf, whose polynomials on a whole block would spill) is
    split with the product (the rest writing into the first part's
    result, in place) and fused into its loops as their consumer
    (scf::tileAndFuseConsumer, into the share's scf.forall, then the
    register blocks' loops; not when a reduction loop encloses the
    blocks; the loops move down to the consumer, or the consumer up to
    them when something between stores into a buffer the product reads,
    such as a weight the fused step updates before the layer below takes
    its gradient): each block applies it in registers after its reduction loop
    and writes only the consumer's result; the product's loops no longer
    carry its own. Such an op may be an optimizer update that reads a
    buffer and is stored back into it alone (w - lr g after the weight
    gradient's product): it then reads and writes the buffer through its
    init (a restrict, writable load), so each block updates its tile of w
    in place and the gradient is never written; an update that cannot
    (another load of w read after it) stays an op of its own, since its
    read of w in the blocks would make bufferization copy w. A row vector
    times a
    matrix of 512 KB or more ([1, K] x [K, N], batch-1 dense layers) streams B row by
    row instead: threads share chunks of up to 128 columns, and for every
    4 rows of B (2 or 1 when K requires) the 4 elements of A are read once
    and each 8-lane vector of the result row (in L1) gets 4 FMAs (the
    fill stays one write per chunk). Convolutions
    (linalg.conv_2d_nchw_fchw) first become a batched product, channels
    first ([F, C KH KW] x [C KH KW, OH OW] per image) or,
    when its register block is at least 1.25x better or, where a batch's
    im2col copies outgrow 1 MB, when it costs less (the FMAs at each
    block's score, plus 2 half cycles per copied element for channels
    first, 1 per transposed element of the input and result for channels
    last), channels last
    ([OH OW, KH KW C] x [KH KW C, F], with the input, filters and result
    transposed). Channels last has no copy: a kernel row's KW C elements
    are contiguous in NHWC, so the product reads x[n, oh s + kh d, ow s C
    + r] itself (loops n, oh, ow, f, kh, r; with a width dilation d, as a
    strided convolution's weight gradient has, a kernel row is KW pieces
    of C elements d C apart: loops n, oh, ow, f, kh, kw, c, reading
    x[n, oh s + kh d, ow s C + kw d C + c]; threads share the images, MR
    output columns by NR filters per block, each step MR elements s C
    apart of the input row, a strided slice, times a row of the filters;
    a transpose of a transpose, as the weight gradient's swap of batch and
    channels before the one to NHWC, is one transpose; where the filters
    do not stay in L2, 1 MB
    or more, as a weight gradient's output gradient, their kernel rows
    are blocked in an scf.for outside the scf.forall the threads share
    (for a weight gradient, over its input channels), 256 KB of them per
    block, which each share then reads from L2).
    Channels first with fewer output pixels than a vector's lanes (a 1 x 1
    convolution's weight gradient) multiplies all the images at once,
    [F, C KH KW] x [C KH KW, N OH OW] from a copy laid out [C, KH, KW, N,
    OH, OW], and transposes the result to [N, F, OH, OW].
    Channels first copies whole rows of
    output pixels with vector reads and writes when the width stride is 1;
    otherwise the copy is a linalg.generic over kernel offsets and output
    pixels as separate loops (no division in its indexing). A stride-1
    convolution from a zero fill whose extra work F (W - OW) / OW is at most 2 FMAs per im2col
    element saved (LeNet's 1 -> 6 channels, 5 x 5 over 32 x 32 padded)
    instead becomes a product over shifted rows, with no copy: loops
    (n, f, p, c, kh, kw) over the output pixels at the input's width W
    (p = oh W + ow, rounded up to whole 2-register blocks), reading
    x[n, c, p + kh W + kw] from the flat input (given zero rows at the
    bottom so that every read stays inside it); its result is a strided
    view that drops the columns ow >= OW. An input padded on both sides,
    its left padding L at least its right R, has rows W - R wide (the
    unpadded width plus L): a row's right padding is read from the next
    row's left (LeNet's first layer: rows of 30, not 32). It is tiled like the
    channels-first product (threads share the images, MR x NR blocks
    over filters and pixels, reduction step 1), and each step is that
    product's [MR, 1] x [1, NR] contraction. A stride-1 convolution whose
    kernel is large next to its result (a weight gradient: the images
    correlated with their gradients, [C, N, H, W] with [F, N, KH, KW]
    into [C, F, OH, OW]) whose padding costs F (Q - KH KW) <= 2 KH KW
    FMAs, for Q the kernel's pixels at the input's width rounded up to
    whole vectors, becomes a correlation over shifted rows vectorized
    along the summed pixels: per image, parts[n, c, f, i, j, :] = sum_t
    g[f, n, t, :] * x[c, n, t L + i W + j : + L] (g padded to the width and
    cut into vectors of L lanes, x given zero rows), then the sum of the
    parts over images and lanes. Where channels times filters are 64 or
    more and each image's sum takes 32 vector steps or fewer (1-D
    convolutions over sequences), the blocks sum the images too (parts[c,
    f, i, j, :] over n and t; threads share the channels), and only the
    lanes are summed after. Otherwise threads share the images; each block of
    MR filters by NJ kernel columns (the most FMAs per FMA slot with
    MR + NJ loads a step and MR NJ + MR + 1 registers) carries its MR NJ
    vectors through the loop over t, each step MR reads of g, NJ of x and
    MR NJ FMAs. A pooling (an all-parallel generic reading windows at
    s * d + o) of a channels-last result transposed back to NCHW, which
    nothing else reads, pools the NHWC result instead: each window
    position a strided slice, the pooling elementwise over the slices
    (contiguous along the channels), other inputs (a bias per channel)
    read in the new loop order, then the pooled result is transposed.
    Generic contractions tile the
    same way. Transposes that move the innermost dimension are tiled in
    16 x 16 blocks (an scf.forall; a size with no divisor from 8 to 16, up
    to 64, opposite one of 8 or more, as a padded row of 34, in one block). Sums of a tensor over some of its
    dimensions (one input, identity map; or terms of such inputs and of
    broadcast ones, as batch norm's variance sum((x - mean)^2) and its
    backward sums, not products) become an scf.forall over the
    kept dimensions and vector code: a vector of sums along a kept
    innermost dimension, or, along a summed one, a vector of partial sums
    a row long (rows in pieces of up to 32; rows of 256 or more, divisible
    by two vectors, up to 4 at a time in pieces of two vectors, so that a
    broadcast operand's piece is read once for them all, a product added
    in a fused multiply-add, math.fma) that each row is added to, summed
    after the loops. Totals over every element (inputs with identity maps, a
    rank-0 result, no linalg.index in the body) run over the flattened
    elements as a vector of partial sums (linalg::splitReduction), then
    the sum of that vector; totals that broadcast an input (a loss fused
    with a bias) are summed a row at a time, in pieces of a vector block
    of the row, into such a vector. The accumulator block of each reduction loop
    becomes a loop-carried vector.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"8",
           "f32 lanes of the target's vector registers (8: AVX2, 16: AVX-512)">,
    Option<"fuseEpilogues", "fuse-epilogues", "bool", /*default=*/"true",
           "apply a product's elementwise consumer in its blocks">
  ];
  let dependentDialects = [
    "mlir::scf::SCFDialect", "mlir::vector::VectorDialect",
    "mlir::affine::AffineDialect", "mlir::arith::ArithDialect",
    "mlir::tensor::TensorDialect", "mlir::bufferization::BufferizationDialect",
    "mlir::math::MathDialect"
  ];
}

def DLVectorizeElementwise
    : Pass<"dl-vectorize-elementwise", "mlir::ModuleOp"> {
  let summary = "Vectorize elementwise and strided-window linalg.generic ops on buffers";
  let description = [{
    On buffers, after dl-plan-memory: a linalg.generic whose loops are all
    parallel and static, whose operands are 32-bit elements indexed by
    some of the loops (broadcasts; the outer loops may be permuted, but an
    operand that reads the innermost loop reads it as its last index, or
    last before unit dimensions at 0: a [C, 1, 1] bias along the channels
    of an NHWC tensor), and whose body reads no loop index, runs on vectors of `vector-width`
    lanes. A linalg.transpose that keeps the last dimension last (a copy
    of whole rows) and a static linalg.copy (such as an image into its
    padded buffer) become such generics first. With 8 lanes or more, a
    linalg.transpose that swaps two dimensions R and C (the others
    single), the input's last contiguous and the output's last its other,
    goes by blocks of min(R, 8) x min(C, 8) when a block has at least 32
    elements: a vector load per row (missing rows are poison), the AVX
    8 x 8 transpose sequence as vector.shuffle ops, a vector store per
    column. The sizes beyond a multiple of 8 are covered by one more block
    that ends at the end and overlaps the one before (both store the same
    values). Two rows (R = 2, C >= 8) into pairs that are consecutive in
    the output (the phases of a pooling's input gradient interleaved) are
    zipped instead: per 8 columns, two loads, two shuffles and two stores
    of 8 lanes.
    Loops that are contiguous in every operand are first collapsed into
    one (when every operand is a buffer without its own strides): a
    64 x 6 x 28 x 28 activation is one loop of 301056 elements; a bias
    added to every pixel of an image keeps its channel loop. The
    innermost loop's elements up to a multiple of `vector-width` are an
    scf.forall (the runtime's threads share it) with up to four vectors
    per value and step: four when the body keeps few values live, two or
    one when it keeps more (estimated as its operands plus three for each
    exp, tanh, log or erf, which dl-approximate-math expands: up to 4,
    four vectors; up to 8, two; else one, so an LSTM cell's gradient stays
    in registers; with 8 lanes, a body that expands two functions or more
    takes two vectors even so: an LSTM or GRU cell's polynomials are a
    long chain of dependent instructions per vector, and two vectors per
    step run two chains at once).
    When each row has a rest of 2 to `vector-width` - 1 elements, the
    scf.forall is over the rows instead, each an scf.for of vectors, then
    the rest as one short vector: one pass over each row. (A
    one-dimensional op's rest is one short vector after the scf.forall; a
    single element stays a linalg.generic.) An op whose innermost loop is
    shorter than a vector is left as it is.
    Left to LLVM, such loops are vectorized behind runtime checks that
    the buffers do not overlap, and unrolled, at a large cost in compile
    time.

    Window loops (a pooling after convert-dl-to-linalg: each window
    position an input read at `s * ow + k` along the rows; the input
    gradient of a pooling over disjoint windows, reading its window's
    gradient at `x floordiv s`; in general inputs whose last index reads
    only the innermost loop, and not as it is), with 32-bit elements, an
    output indexed by the loops and not read, a body of elementwise ops,
    output rows of up to 32 elements, become an scf.forall over the output
    rows: each input row is read once as one contiguous vector (as long as
    its farthest lane needs), each input takes its lanes of it (a
    vector.shuffle: every s-th element, or each element s times), and the
    body runs on vectors of a whole output row.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"8",
           "f32 lanes of the target's vector registers (8: AVX2, 16: AVX-512)">
  ];
  let dependentDialects = ["mlir::vector::VectorDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect"];
}

def DLLowerVectors : Pass<"dl-lower-vectors", "mlir::ModuleOp"> {
  let summary = "Hoist accumulator transfers and lower contractions to FMAs";
  let description = [{
    On buffers, after bufferization: the vector.transfer_read/write pairs of
    an accumulator block that a reduction loop reads and writes at the same
    place are hoisted out of the loop (the block lives in registers), then
    vector.contract becomes outer products (one broadcast FMA per block
    row and reduction step), or, over a reduction of size 1 with both
    operands spanning the result (a piece of a total of products, such as
    an L2 term's squares), one elementwise FMA (a contraction over a
    reduction of size 1 from a block that is neither zeros nor carried by
    a loop starts from zeros, the block added after it: the rounding of
    the fused step, whose products start from zeros); a reduction of a vector of
    4 lanes or more to one element (a row's total or maximum, such as a
    softmax's) combines its halves in a tree (about log2 of the lanes
    dependent steps instead of one per lane), and the remaining vector
    ops are lowered to the
    forms convert-vector-to-llvm takes. A loop then carries the block as
    one 1-D vector per row, and in-bounds n-D transfers of buffers become
    one 1-D transfer per row, so the block is never rebuilt as an
    aggregate (which later canonicalization would scalarize). Last, an
    innermost loop whose vector accumulators are only added to (FMAs or
    additions) and fill fewer than 10 registers of `vector-width` lanes
    (too few to cover the FMA latency) is unrolled 2 to 4 times with a set
    of accumulators per copy (the extra sets start from zero, and the sets
    are added after the loop, in a fixed order), when the copies divide its
    trip count and the accumulators and a row of B still fit in the
    16 registers. A 1-D vector read from a buffer only for its elements
    one by one (the elements of A a block broadcasts, contiguous when A is
    read transposed) becomes one scalar load per element, which LLVM
    broadcasts straight from memory instead of loading the vector in
    pieces and broadcasting its lanes with shuffles. Finally, in a loop
    with FMAs (a block's reduction loop), a 1-D read of a row of a static
    buffer whose row the loop moves along, rows 1 KB apart or more (B of
    a product with 256 columns or more), is preceded by a memref.prefetch
    of the row some steps ahead (the last row at most; 8 steps with
    `vector-width` 16, AVX-512, and 4 with 8, AVX2: the best measured on a
    Sapphire Rapids Xeon and on a Zen 4 EPYC), one per cache line of the
    read, and so is the first scalar load of each such row (the
    elements of A a block broadcasts down the columns of X in a weight
    gradient X^T dY): the hardware's prefetchers follow that stride
    poorly (a new 4 KB page every other row of the MLP's [784, 512]
    weights), and the MLP's inference at batch 64 ran 9-11 % faster, its
    training step 6-10 % (at batch 256 4-5 % more with the prefetches of
    A), the LSTM's 8 %.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"8",
           "f32 lanes of the target's vector registers (8: AVX2, 16: AVX-512)">
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::vector::VectorDialect"];
}

def DLPlanMemory : Pass<"dl-plan-memory", "mlir::ModuleOp"> {
  let summary = "Place the temporary buffers of every entry in the instance arena";
  let description = [{
    On buffers, after deallocation is placed: every statically shaped
    memref.alloc in an entry's body whose memref.dealloc is in the same
    block becomes a memref.view of the entry's arena argument, in a scratch
    region after the variables, and the dealloc goes. A buffer lives from
    its alloc to the last op of the body that uses it or a view of it (any
    memref an op using it returns; bufferization puts every dealloc at the
    end of the body). Buffers whose lifetimes overlap get disjoint space,
    placed first-fit in start order; the others share it. Entries
    of one instance never run at the same time, so they share the region.
    The module's `dl.arena_bytes` grows by the largest entry's scratch
    size, so no entry point allocates memory. An allocation inside a loop
    or branch (freed in the same block) lives, for the plan, as long as the
    op of the entry's body that holds it. One inside scf.forall loops
    with static bounds (their iterations run on several threads at once)
    gets a slot per iteration: the buffer is iterations x its size, and
    each iteration views its slot at the row-major index of its normalized
    induction variables (col2im's columns of a group of images), when the
    slots take at most 64 MiB. Those in other parallel loops, with more
    slots, or without a dealloc beside them are left to malloc.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def DLLowerVariables : Pass<"dl-lower-variables", "mlir::ModuleOp"> {
  let summary = "Place params and states in the instance arena and give entries a C calling convention";
  let description = [{
    Lays out every dl.param and dl.state in one byte arena (in declaration
    order, each aligned to 64 bytes), then rewrites each entry function to
    `(arena, inputs..., outputs...)`: the arena is a `memref<N x i8>`, dl.load
    becomes a `memref.view` of the arena read as a tensor, dl.assign writes
    into the view, and results are written into output buffers. The
    declarations are removed; the layout is recorded on the module as
    `dl.arena_bytes` and on each function as `dl.abi`.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::bufferization::BufferizationDialect",
    "mlir::memref::MemRefDialect"
  ];
}

def DLLowerCopies : Pass<"dl-lower-copies", "mlir::ModuleOp"> {
  let summary = "Forward elementwise results into their copy's target; strided memref.copy to linalg.copy";
  let description = [{
    On buffers, before dl-plan-memory. Bufferization computes an assigned
    variable (an updated parameter, an accumulated gradient) into a
    temporary and copies it into the variable. When the temporary's only
    writer is an elementwise linalg.generic (all loops parallel; the
    temporary one of its outputs, with an identity map and its value not
    read; its other outputs apart from the target) in the same block,
    that generic writes the copy's target directly and the temporary and
    the copy go. A target that is a slice made after the generic (a
    recurrent step's gate saved into its sequence at step t) moves up
    before it when what it is made of is defined there. A temporary copied
    to two places is written into the first, and the second copy reads the
    first target. A copy of a temporary that a linalg.fill wrote (and
    nothing wrote since) becomes a fill of the target.
    It is safe because each iteration reads its inputs at its own element
    before writing it: the target may be an input only at the identity
    indexing, any other input or output must not overlap it (disjoint
    arena views, or unit-stride slices of one buffer apart in the static
    offsets and sizes of some dimension: a step's gates side by side), and
    nothing between the generic and the copy may use it (slices, which
    access no memory, aside).


    Bufferization copies into and out of strided views (padding, slices)
    with memref.copy, which the LLVM lowering turns into a call to a
    function of MLIR's runner utilities when a layout is not the identity.
    Compiled models depend on nothing but libc and libm, so such copies
    become linalg.copy, lowered to loops like every other linalg op.
    Contiguous copies stay memref.copy (a memcpy).
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def DLParallelize : Pass<"dl-parallelize", "mlir::ModuleOp"> {
  let summary = "Run the large parallel loops of every entry on the runtime's thread pool";
  let description = [{
    On buffers, after dl-lower-variables: every outermost scf.parallel of
    an entry (from the shared loops of dl-tile-and-vectorize and from
    convert-linalg-to-parallel-loops) with static bounds, no reductions and
    an estimated `min-work` element operations or more (each op counts
    the elements of its widest vector, else one; a loop its body times its
    iterations) is outlined. Its first
    dimension of two or more iterations is split in shares: the loop moves
    into a private function `void task(void *ctx, int64_t lo, int64_t hi)`
    that runs iterations [lo, hi) of that dimension (and all of the
    others); the values the loop reads from the entry (buffers, indices,
    scalars; constants are cloned) are packed in a struct on the entry's
    stack (a buffer of static shape and layout as its pointer only: the
    task rebuilds its descriptor from constants, and the entry stores 1
    word instead of 3 + 2 x rank); and the loop becomes a call `dlrt_parallel(arena, n, task, ctx)`
    to the runtime, which shares the n iterations among the instance's
    threads (spec/abi.md §4); in an entry marked `dl.alternate_loops`
    (dl-tile-and-vectorize: it streams a matrix larger than L2 by rows in
    every call), `dlrt_parallel_alternating`, which runs the loop
    last-first on every other call. Smaller or irregular loops stay sequential,
    and so do all the loops of an entry whose large loops average fewer
    than `min-average-work` estimated element operations (1.5M) in a
    module whose arena (`dl.arena_bytes`) is under `spread-bytes` (4 MB):
    handing small loops and their data to another core costs more than
    their shares save (LeNet's training step at batch 1 took 3.4 times as
    long on two threads as on one, at batch 16 1.15 times), while a large
    arena's weights spread over the threads' caches (the MLP's inference
    at batch 1, twice as fast on two threads).
    Every iteration writes its own elements, so the results do not depend
    on the number of threads. A task the same as one outlined before (the
    same forward loop in infer, eval and a training entry) is not outlined
    again: both loops call the first.

    Then every other outermost loop of an entry's body without results
    (small, irregular, or holding the calls of shared loops) moves the same
    way into a private function `void loop(void *ctx)`, called in its place
    and never inlined (LLVM's `noinline`). dlc compiles the functions in
    parts on parallel threads; a training entry with its hundred small
    loops inline (LeNet's) kept one thread busy for most of LLVM's time,
    and LLVM's loop passes slow down more than linearly in the size of a
    function. The call and the packed context cost a few nanoseconds.
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"32768",
           "estimated element operations below which a loop stays "
           "sequential">,
    Option<"minAverageWork", "min-average-work", "int64_t",
           /*default=*/"1500000",
           "estimated element operations per large loop of an entry below "
           "which, with an instance arena under spread-bytes, the entry "
           "runs on the calling thread alone">,
    Option<"spreadBytes", "spread-bytes", "int64_t", /*default=*/"4194304",
           "instance arena bytes from which an entry of small loops still "
           "uses the threads (its data then spreads over their caches)">,
    Option<"outlineSequential", "outline-sequential", "bool",
           /*default=*/"true",
           "move the remaining outermost loops of an entry into functions "
           "of their own">
  ];
  let dependentDialects = [
    "mlir::LLVM::LLVMDialect", "mlir::func::FuncDialect",
    "mlir::arith::ArithDialect", "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect"
  ];
}

def DLApproximateMath : Pass<"dl-approximate-math", "mlir::ModuleOp"> {
  let summary = "Replace libm's exp, tanh, log and erf with inline polynomial approximations";
  let description = [{
    f32 `math.exp`, `expm1`, `tanh`, `log`, `log1p`, `log2` and `erf` become
    upstream's polynomial approximations (range reduction and a minimax
    polynomial in arith ops, a few ulp from the correctly rounded result,
    with the special values of the libm functions), so the loops that use
    them vectorize instead of calling libm once per element. Run at -O1
    and above; -O0 keeps the libm calls.

    With `avx512` (dlc sets it when it vectorizes for AVX-512's 16 f32
    lanes), `math.exp` of an f32 vector of 16 n elements (any shape, 16 at
    a time) keeps upstream's range reduction and polynomial but scales the
    polynomial by 2^k with `vscalefps`, which gives denormals, 0 and inf
    itself: x is clamped to [-104, 89] (NaN kept) instead of [-87.8,
    88.8], and k is neither clamped nor made into 2^k from its bits (five
    instructions fewer per vector of a sigmoid's 30). And f32 vector
    divisions, whose 16-lane `vdivps` takes the divider about 10 cycles,
    become multiplications:
    - by a broadcast scalar, `x / s` becomes `x * (1 / s)`, the scalar
      reciprocal computed once beside the broadcast (within an ulp of the
      quotient; a `1 / s` beyond f32's range, s below 2^-128, gives inf
      or 0 where the quotient would not);
    - by a vector of 16 n f32 elements (any shape, 16 at a time),
      `x / d` becomes `x * r`: `r` is `vrcp14ps`'s estimate (relative
      error below 2^-14) refined by one Newton step, `r + r (1 - d r)`,
      within 1 ulp of `1 / d` for every f32 d. Where the step gives NaN
      (d zero, infinite or NaN, or an estimate that overflows) the
      estimate itself is kept, so `1 / 0` is inf and `1 / inf` is 0 as in
      the division (sigmoid's saturation); `1 / d` is `r` itself.
    The loops that use them (Adam's and RMSprop's updates, sigmoid, tanh,
    softmax) stop waiting on the divider.
  }];
  let options = [
    Option<"avx512", "avx512", "bool", /*default=*/"false",
           "AVX-512 forms: f32 vector divisions as multiplications by "
           "reciprocals (vrcp14ps and a Newton step), exp of f32 vectors "
           "scaled by vscalefps">
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::math::MathDialect",
    "mlir::vector::VectorDialect", "mlir::LLVM::LLVMDialect"
  ];
}

def DLEliminateEmptyTensors : Pass<"dl-eliminate-empty-tensors"> {
  let summary = "Make an empty tensor the destination its contents are inserted into";
  let description = [{
    Replaces upstream `eliminate-empty-tensors`, which runs the whole
    one-shot bufferization analysis first (as long as the bufferization
    itself: 0.17 s of LeNet's training entry, on the critical path of
    dlc's compile). For every op that inserts a tensor into a destination
    (`tensor.insert_slice`, `tensor.parallel_insert_slice`,
    `bufferization.materialize_in_destination`), the source is followed
    back through the ops that write into their init (linalg and vector
    ops, `scf.for` and `scf.forall` results to their initial values) to a
    `tensor.empty`; that use of the empty tensor becomes the destination's
    subset (an `extract_slice`, or the output buffer as a restrict
    `to_tensor`), built at the empty tensor or, when the destination or
    the offsets are defined later, right after them. The ops of the chain
    then write the destination in place. No analysis: the rewrite is
    always correct (the empty tensor's contents were undefined), and where
    a destination is still read after the insert, one-shot bufferization
    copies as it would have anyway. Other uses of the empty tensor keep it;
    run `dl-untie-inits` first.
  }];
  let dependentDialects = [
    "mlir::tensor::TensorDialect", "mlir::bufferization::BufferizationDialect"
  ];
}

def DLUntieInits : Pass<"dl-untie-inits", "mlir::ModuleOp"> {
  let summary = "Give every op that writes into a fill of an empty tensor a fill of its own, and each writer of a slice of one its own empty tensor";
  let description = [{
    Run before `dl-eliminate-empty-tensors`. CSE merges equal fills, so two
    ops can start from one zero tensor; when both results are materialized
    into entry outputs, empty-tensor elimination made the shared fill one
    output's buffer, and one-shot bufferization then copied the wrong
    result into the other output (two convolutions at -O0). Each
    destination use of a `linalg.fill` of a `tensor.empty` beyond the first
    (in program order) gets a copy of the fill, placed after it. Uses that
    only read the fill keep it (one-shot bufferization copies where a read
    and a write conflict), and empty tensors stay shared: ops whose
    results do not live at the same time still share one buffer.

    Slices are the exception: when an op writes into a
    `tensor.extract_slice` of a `tensor.empty` (the main part of a split
    product, whose result is inserted back into the empty tensor) and
    another op writes into that empty tensor or a slice of it too, each
    such slice writer gets a copy of the empty tensor and of the slice, and
    the insert of its result goes into that copy. (CSE merged the slices of
    two layers of the same shape: bufferization gave the first product a
    buffer of its own and copied its rows into the whole result's, 252 rows
    of 512 a step in the MLP at batch 256.)
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

#endif // DLC_PASSES_TD
