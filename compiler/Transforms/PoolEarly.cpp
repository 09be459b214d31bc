//===- PoolEarly.cpp - the dl-pool-early pass -----------------------------===//
//
// Max pooling moves before the monotone activation and the convolution
// bias it follows, so that they run on the pooled tensor; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "dialects/DL/IR/DLBuilder.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlc {
#define GEN_PASS_DEF_DLPOOLEARLY
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// Whether `op` is an elementwise function of its one tensor operand that
/// never decreases, exactly in floats (rounding is monotone too): relu,
/// leaky_relu with alpha >= 0, clip. The max of a window of f(x) is then
/// f of the window's max, NaN included.
bool isMonotone(Operation *op) {
  if (auto leaky = dyn_cast<dl::LeakyReluOp>(op))
    return leaky.getAlpha().convertToDouble() >= 0;
  return isa<dl::ReluOp, dl::ClipOp>(op);
}

/// max_pool2d(f(y)) -> f(max_pool2d(y)) for a monotone f whose result
/// only the pooling uses.
struct PoolBeforeActivation : OpRewritePattern<dl::MaxPool2dOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::MaxPool2dOp pool,
                                PatternRewriter &rewriter) const override {
    Operation *act = pool.getX().getDefiningOp();
    if (!act || !isMonotone(act) || !act->getResult(0).hasOneUse())
      return failure();
    Value y = act->getOperand(0);
    rewriter.setInsertionPoint(pool);
    auto pooled = dl::MaxPool2dOp::create(rewriter, pool.getLoc(),
                                          pool.getType(), y, pool.getSizeAttr(),
                                          pool.getStrideAttr());
    IRMapping map;
    map.map(y, pooled.getResult());
    Operation *moved = rewriter.clone(*act, map);
    moved->getResult(0).setType(pool.getType());
    rewriter.replaceOp(pool, moved->getResults());
    rewriter.eraseOp(act);
    return success();
  }
};

/// max_pool2d(conv2d(x, w, b)) -> max_pool2d(conv2d(x, w)) + b[O, 1, 1]
/// when only the pooling uses the convolution: the bias is the same for
/// every pixel of a channel, so it commutes with the max.
struct PoolBeforeBias : OpRewritePattern<dl::MaxPool2dOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::MaxPool2dOp pool,
                                PatternRewriter &rewriter) const override {
    auto conv = pool.getX().getDefiningOp<dl::Conv2dOp>();
    if (!conv || !conv.getB() || !conv->hasOneUse())
      return failure();
    Value bias = conv.getB();
    rewriter.setInsertionPoint(pool);
    dl::GraphBuilder g{rewriter, conv.getLoc()};
    Value product = dl::Conv2dOp::create(
        rewriter, conv.getLoc(), conv.getType(), conv.getX(), conv.getW(),
        Value(), conv.getStrideAttr(), conv.getPadAttr());
    Value pooled =
        dl::MaxPool2dOp::create(rewriter, pool.getLoc(), pool.getType(),
                                product, pool.getSizeAttr(),
                                pool.getStrideAttr());
    int64_t filters = dl::typeOf(bias).getDimSize(0);
    rewriter.replaceOp(pool, g.add(pooled, g.reshape(bias, {filters, 1, 1})));
    rewriter.eraseOp(conv);
    return success();
  }
};

struct DLPoolEarly : dlc::impl::DLPoolEarlyBase<DLPoolEarly> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PoolBeforeActivation, PoolBeforeBias>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     dlc::structuredRewrites())))
      signalPassFailure();
  }
};

} // namespace
