//===- ApproximateMath.cpp - the dl-approximate-math pass -----------------===//
//
// exp, tanh, log and friends become MLIR's polynomial approximations
// (arith ops only) instead of calls to libm, so the loops that use them
// (sigmoid, tanh, softmax, the LSTM's gates) vectorize; for AVX-512, f32
// vector divisions become multiplications by reciprocals; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlc {
#define GEN_PASS_DEF_DLAPPROXIMATEMATH
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// AVX-512's reciprocal estimate of 16 floats (vrcp14ps), as LLVM names it.
constexpr StringLiteral kReciprocal16 = "llvm.x86.avx512.rcp14.ps.512";
/// AVX-512's 2^k scaling of 16 floats (vscalefps), as LLVM names it.
constexpr StringLiteral kScale16 = "llvm.x86.avx512.mask.scalef.ps.512";

/// A constant vector of `type` whose every element is `value`.
Value splat(OpBuilder &b, Location loc, VectorType type, float value) {
  return arith::ConstantOp::create(
      b, loc, type, DenseElementsAttr::get(type, b.getF32FloatAttr(value)));
}

/// The masked AVX-512 intrinsic `name` of 16 floats on `inputs`, for all
/// lanes (operands: the inputs, 0 for the lanes masked off, an all-ones
/// i16 mask, then `rest`).
Value allLanes16(OpBuilder &b, Location loc, StringLiteral name,
                 ValueRange inputs, ValueRange rest = {}) {
  auto type = cast<VectorType>(inputs.front().getType());
  SmallVector<Value> operands(inputs);
  operands.push_back(splat(b, loc, type, 0.0f));
  operands.push_back(
      arith::ConstantOp::create(b, loc, b.getI16IntegerAttr(-1)));
  llvm::append_range(operands, rest);
  return LLVM::CallIntrinsicOp::create(b, loc, type, b.getStringAttr(name),
                                       operands)
      .getResult(0);
}

/// 1 / d for a vector<16xf32> `d`: vrcp14ps's estimate `r` refined by one
/// Newton step, r + r (1 - d r); `r` itself where the step is NaN (d zero,
/// infinite or NaN, or r infinite).
Value reciprocal16(OpBuilder &b, Location loc, Value d) {
  auto type = cast<VectorType>(d.getType());
  Value estimate = allLanes16(b, loc, kReciprocal16, d);
  Value error = math::FmaOp::create(b, loc, arith::NegFOp::create(b, loc, d),
                                    estimate, splat(b, loc, type, 1.0f));
  Value refined = math::FmaOp::create(b, loc, estimate, error, estimate);
  Value nan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, refined,
                                    refined);
  return arith::SelectOp::create(b, loc, nan, estimate, refined);
}

/// `f` (of a vector<16xf32>) of an f32 vector `v` of 16 n elements (any
/// shape): of each 16 in turn.
Value by16(OpBuilder &b, Location loc, Value v,
           function_ref<Value(OpBuilder &, Location, Value)> f) {
  auto type = cast<VectorType>(v.getType());
  auto lanes = VectorType::get({16}, type.getElementType());
  if (type == lanes)
    return f(b, loc, v);
  auto flat = VectorType::get({type.getNumElements()}, type.getElementType());
  Value flatV = vector::ShapeCastOp::create(b, loc, flat, v);
  Value result = splat(b, loc, flat, 0.0f);
  for (int64_t at = 0; at < flat.getNumElements(); at += 16) {
    Value part = vector::ExtractStridedSliceOp::create(
        b, loc, flatV, ArrayRef<int64_t>{at}, ArrayRef<int64_t>{16},
        ArrayRef<int64_t>{1});
    result = vector::InsertStridedSliceOp::create(b, loc, f(b, loc, part),
                                                  result, ArrayRef<int64_t>{at},
                                                  ArrayRef<int64_t>{1});
  }
  return vector::ShapeCastOp::create(b, loc, type, result);
}

/// Whether `type` is an f32 vector of 16 n elements (by16 takes it).
bool isBy16(Type type) {
  auto vector = dyn_cast<VectorType>(type);
  return vector && vector.getElementType().isF32() && !vector.isScalable() &&
         vector.getNumElements() % 16 == 0;
}

/// exp(x) for a vector<16xf32> `x`: x clamped to [-104, 89] (NaN kept),
/// k = roundeven(x log2 e), r = x - k ln 2 (in two parts), upstream's
/// polynomial p(r) for e^r, then vscalefps(p, k) = p 2^k, which rounds
/// to denormals, 0 and inf itself (where upstream clamps k to [-127,
/// 127] and builds 2^k from its bits: five instructions fewer).
Value exp16(OpBuilder &b, Location loc, Value x) {
  auto type = cast<VectorType>(x.getType());
  auto constant = [&](float value) { return splat(b, loc, type, value); };
  auto fma = [&](Value a, Value c, Value d) -> Value {
    return math::FmaOp::create(b, loc, a, c, d);
  };
  // (uge and ule keep NaN, as upstream's clamps do.)
  auto clamp = [&](Value v, float lo, float hi) -> Value {
    Value low = constant(lo), high = constant(hi);
    v = arith::SelectOp::create(
        b, loc,
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UGE, v, low), v,
        low);
    return arith::SelectOp::create(
        b, loc,
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ULE, v, high), v,
        high);
  };
  x = clamp(x, -104.0f, 89.0f);
  Value k = math::RoundEvenOp::create(
      b, loc, arith::MulFOp::create(b, loc, x, constant(1.44269502f)));
  Value r = fma(constant(-0.693359375f), k, x);
  r = fma(constant(2.12194442e-4f), k, r);
  Value p = constant(1.98756912e-4f);
  for (float c :
       {0.00139819994f, 0.00833345205f, 0.0416657962f, 0.166666657f, 0.5f})
    p = fma(p, r, constant(c));
  p = arith::AddFOp::create(
      b, loc, fma(p, arith::MulFOp::create(b, loc, r, r), r), constant(1.0f));
  Value currentRounding =
      arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(4));
  return allLanes16(b, loc, kScale16, {p, k}, currentRounding);
}

/// Every math.exp of an f32 vector of 16 n elements by exp16.
void expBy16(Operation *root) {
  root->walk([&](math::ExpOp exp) {
    if (!isBy16(exp.getType()))
      return;
    OpBuilder b(exp);
    exp.replaceAllUsesWith(by16(b, exp.getLoc(), exp.getOperand(), exp16));
    exp.erase();
  });
}

/// Whether the vector `v` is a constant whose every element is 1.
bool isOnes(Value v) {
  SplatElementsAttr elements;
  return matchPattern(v, m_Constant(&elements)) &&
         elements.getSplatValue<APFloat>().isExactlyValue(1.0);
}

/// `x / d` for f32 vectors as `x * (1 / d)`: the reciprocal of a
/// broadcast scalar computed beside the broadcast (once per broadcast),
/// that of a vector of 16 n elements by reciprocal16 (by16); other
/// divisions stay.
void divideByReciprocals(Operation *root) {
  DenseMap<Value, Value> broadcastReciprocals;
  root->walk([&](arith::DivFOp div) {
    auto type = dyn_cast<VectorType>(div.getType());
    if (!type || !type.getElementType().isF32())
      return;
    Value divisor = div.getRhs(), reciprocal;
    OpBuilder b(div);
    if (auto broadcast = divisor.getDefiningOp<vector::BroadcastOp>();
        broadcast && broadcast.getSourceType().isF32()) {
      Value &known = broadcastReciprocals[divisor];
      if (!known) {
        b.setInsertionPoint(broadcast);
        Location loc = broadcast.getLoc();
        Value scalar = arith::DivFOp::create(
            b, loc, arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0f)),
            broadcast.getSource());
        known = vector::BroadcastOp::create(b, loc, type, scalar);
      }
      reciprocal = known;
      b.setInsertionPoint(div);
    } else if (isBy16(type)) {
      reciprocal = by16(b, div.getLoc(), divisor, reciprocal16);
    } else {
      return;
    }
    Value quotient =
        isOnes(div.getLhs())
            ? reciprocal
            : arith::MulFOp::create(b, div.getLoc(), div.getLhs(), reciprocal)
                  .getResult();
    div.replaceAllUsesWith(quotient);
    div.erase();
  });
}

struct DLApproximateMath
    : dlc::impl::DLApproximateMathBase<DLApproximateMath> {
  using DLApproximateMathBase::DLApproximateMathBase;

  void runOnOperation() override {
    if (avx512)
      expBy16(getOperation());
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) {
          return llvm::is_contained(
              {"math.exp", "math.expm1", "math.tanh", "math.log", "math.log1p",
               "math.log2", "math.erf"}, name);
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     dlc::structuredRewrites()))) {
      signalPassFailure();
      return;
    }
    if (avx512)
      divideByReciprocals(getOperation());
  }
};

} // namespace
