//===- DLGradients.cpp - the vector-Jacobian products of the dl ops -------===//
//
// buildVJP of every differentiable op, written with dl ops so the backward
// graph is ordinary dl IR: printed, tested, simplified and lowered like the
// forward graph. Gradients of broadcast operands are summed back to the
// operand's shape (unbroadcast). Convolution, pooling and gather have
// dedicated gradient ops (dl.conv2d_input_grad, ...), lowered like the
// forward ones.
//
//===----------------------------------------------------------------------===//

#include "dialects/DL/IR/DLBuilder.h"

using namespace mlir;
using namespace dl;

namespace {

using G = GraphBuilder;

bool isFloat(Value v) { return isa<FloatType>(typeOf(v).getElementType()); }

/// Shared by the unary ops: operand gradient = g * derivative.
template <typename OpT, typename F>
LogicalResult unary(OpT op, OpBuilder &b, ArrayRef<Value> grads,
                    SmallVectorImpl<Value> &out, F derivative) {
  if (!grads[0] || !isFloat(op->getOperand(0))) {
    out.push_back(nullptr);
    return success();
  }
  G g{b, op.getLoc()};
  out.push_back(g.mul(grads[0], derivative(g, op->getOperand(0), op->getResult(0))));
  return success();
}

/// Shared by the binary ops: each side's gradient, unbroadcast.
template <typename OpT, typename F>
LogicalResult binary(OpT op, OpBuilder &b, ArrayRef<Value> grads,
                     SmallVectorImpl<Value> &out, F rule) {
  Value lhs = op.getLhs(), rhs = op.getRhs();
  if (!grads[0] || !isFloat(lhs)) {
    out.append({nullptr, nullptr});
    return success();
  }
  G g{b, op.getLoc()};
  auto [dl, dr] = rule(g, grads[0], lhs, rhs, op.getResult());
  out.push_back(dl ? g.unbroadcast(dl, lhs.getType()) : Value());
  out.push_back(dr ? g.unbroadcast(dr, rhs.getType()) : Value());
  return success();
}

int64_t elements(Value v) { return typeOf(v).getNumElements(); }

} // namespace

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

LogicalResult NegOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                              SmallVectorImpl<Value> &out) {
  if (!grads[0] || !isFloat(getX()))
    return out.push_back(nullptr), success();
  out.push_back(G{b, getLoc()}.neg(grads[0]));
  return success();
}
// relu's mask reads its result (as torch's threshold_backward does): y > 0
// exactly where x > 0, and the pre-activation then has no reader but the
// relu, so a bias and the relu fuse into one op, which a product's blocks
// apply as their epilogue, instead of a bias written for the backward pass
// and a pass of the relu over it.
LogicalResult ReluOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                               SmallVectorImpl<Value> &out) {
  return unary(*this, b, grads, out,
               [](G &g, Value, Value y) { return g.step(y); });
}
LogicalResult LeakyReluOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                    SmallVectorImpl<Value> &out) {
  double alpha = getAlphaAttr().getValueAsDouble();
  return unary(*this, b, grads, out, [&](G &g, Value x, Value y) {
    // alpha + (1 - alpha) step(x); with alpha >= 0, y > 0 exactly where
    // x > 0, as for relu.
    Value positive = g.step(alpha >= 0 ? y : x);
    return g.add(g.c(alpha, x), g.mul(g.c(1 - alpha, x), positive));
  });
}
LogicalResult SigmoidOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                  SmallVectorImpl<Value> &out) {
  return unary(*this, b, grads, out, [](G &g, Value, Value y) {
    return g.mul(y, g.sub(g.c(1, y), y));
  });
}
LogicalResult TanhOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                               SmallVectorImpl<Value> &out) {
  return unary(*this, b, grads, out, [](G &g, Value, Value y) {
    return g.sub(g.c(1, y), g.mul(y, y));
  });
}
LogicalResult ExpOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                              SmallVectorImpl<Value> &out) {
  return unary(*this, b, grads, out, [](G &, Value, Value y) { return y; });
}
LogicalResult LogOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                              SmallVectorImpl<Value> &out) {
  return unary(*this, b, grads, out,
               [](G &g, Value x, Value) { return g.div(g.c(1, x), x); });
}
LogicalResult SqrtOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                               SmallVectorImpl<Value> &out) {
  return unary(*this, b, grads, out,
               [](G &g, Value, Value y) { return g.div(g.c(0.5, y), y); });
}
LogicalResult AbsOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                              SmallVectorImpl<Value> &out) {
  return unary(*this, b, grads, out, [](G &g, Value x, Value) {
    return g.sub(g.mul(g.c(2, x), g.step(x)), g.c(1, x));
  });
}
LogicalResult SquareOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                 SmallVectorImpl<Value> &out) {
  return unary(*this, b, grads, out,
               [](G &g, Value x, Value) { return g.mul(g.c(2, x), x); });
}
LogicalResult GeluOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                               SmallVectorImpl<Value> &out) {
  return unary(*this, b, grads, out, [](G &g, Value x, Value) {
    return make<GeluDerivativeOp>(g.b, g.loc, {x});
  });
}
LogicalResult ClipOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                               SmallVectorImpl<Value> &out) {
  double lo = getLoAttr().getValueAsDouble(), hi = getHiAttr().getValueAsDouble();
  return unary(*this, b, grads, out, [&](G &g, Value x, Value) {
    return g.mul(g.step(g.sub(x, g.c(lo, x))), g.step(g.sub(g.c(hi, x), x)));
  });
}

LogicalResult AddOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                              SmallVectorImpl<Value> &out) {
  return binary(*this, b, grads, out, [](G &, Value g, Value, Value, Value) {
    return std::pair<Value, Value>{g, g};
  });
}
LogicalResult SubOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                              SmallVectorImpl<Value> &out) {
  return binary(*this, b, grads, out, [](G &h, Value g, Value, Value, Value) {
    return std::pair<Value, Value>{g, h.neg(g)};
  });
}
LogicalResult MulOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                              SmallVectorImpl<Value> &out) {
  return binary(*this, b, grads, out, [](G &h, Value g, Value x, Value y, Value) {
    return std::pair<Value, Value>{h.mul(g, y), h.mul(g, x)};
  });
}
LogicalResult DivOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                              SmallVectorImpl<Value> &out) {
  return binary(*this, b, grads, out, [](G &h, Value g, Value, Value y, Value r) {
    // d(x/y)/dy = -(x/y)/y
    return std::pair<Value, Value>{h.div(g, y), h.neg(h.div(h.mul(g, r), y))};
  });
}
LogicalResult MaximumOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                  SmallVectorImpl<Value> &out) {
  return binary(*this, b, grads, out, [](G &h, Value g, Value x, Value y, Value) {
    Value first = h.mul(g, h.step(h.sub(x, y)));
    return std::pair<Value, Value>{first, h.sub(g, first)};
  });
}
LogicalResult MinimumOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                  SmallVectorImpl<Value> &out) {
  return binary(*this, b, grads, out, [](G &h, Value g, Value x, Value y, Value) {
    Value first = h.mul(g, h.step(h.sub(y, x)));
    return std::pair<Value, Value>{first, h.sub(g, first)};
  });
}
LogicalResult PowOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                              SmallVectorImpl<Value> &out) {
  return binary(*this, b, grads, out, [](G &h, Value g, Value x, Value p, Value r) {
    // d(x^p)/dx = p x^(p-1), d(x^p)/dp = x^p log(x)
    Value dx = h.mul(g, h.mul(p, make<PowOp>(h.b, h.loc, {x, h.sub(p, h.c(1, p))})));
    Value dp = h.mul(g, h.mul(r, make<LogOp>(h.b, h.loc, {x})));
    return std::pair<Value, Value>{dx, dp};
  });
}

//===----------------------------------------------------------------------===//
// Linear algebra, reductions and shapes
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                 SmallVectorImpl<Value> &out) {
  if (!grads[0])
    return out.append({nullptr, nullptr}), success();
  G h{b, getLoc()};
  Value g = grads[0], x = getLhs(), y = getRhs();
  RankedTensorType a = typeOf(x), w = typeOf(y);
  if (a.getRank() == 2) { // [M,K] x [K,N]
    out.push_back(h.matmul(g, h.transpose(y, {1, 0})));
    out.push_back(h.matmul(h.transpose(x, {1, 0}), g));
  } else if (w.getRank() == 3) { // batched
    out.push_back(h.matmul(g, h.transpose(y, {0, 2, 1})));
    out.push_back(h.matmul(h.transpose(x, {0, 2, 1}), g));
  } else { // [B,M,K] x [K,N]: the shared weight sums over the batch
    int64_t rows = a.getDimSize(0) * a.getDimSize(1);
    out.push_back(h.matmul(g, h.transpose(y, {1, 0})));
    Value flatX = h.reshape(x, {rows, a.getDimSize(2)});
    Value flatG = h.reshape(g, {rows, w.getDimSize(1)});
    out.push_back(h.matmul(h.transpose(flatX, {1, 0}), flatG));
  }
  return success();
}

LogicalResult TransposeOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                    SmallVectorImpl<Value> &out) {
  if (!grads[0])
    return out.push_back(nullptr), success();
  ArrayRef<int64_t> perm = getPerm();
  SmallVector<int64_t> inverse(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inverse[p] = i;
  out.push_back(G{b, getLoc()}.transpose(grads[0], inverse));
  return success();
}

/// The gradient of a sum or mean: the result gradient spread back over the
/// reduced axes.
template <typename OpT>
static LogicalResult reduceVJP(OpT op, OpBuilder &b, ArrayRef<Value> grads,
                               SmallVectorImpl<Value> &out, bool mean) {
  if (!grads[0] || !isFloat(op.getX()))
    return out.push_back(nullptr), success();
  G h{b, op.getLoc()};
  RankedTensorType x = typeOf(op.getX());
  SmallVector<int64_t> kept(x.getShape());
  int64_t count = 1;
  for (int64_t i = 0; i < x.getRank(); ++i) {
    bool reduced = !op.getAxes() || llvm::is_contained(*op.getAxes(), i);
    if (reduced) {
      kept[i] = 1;
      count *= x.getDimSize(i);
    }
  }
  Value g = h.broadcastTo(h.reshape(grads[0], kept), x.getShape());
  out.push_back(mean ? h.div(g, h.c(count, g)) : g);
  return success();
}
LogicalResult SumOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                              SmallVectorImpl<Value> &out) {
  return reduceVJP(*this, b, grads, out, false);
}
LogicalResult MeanOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                               SmallVectorImpl<Value> &out) {
  return reduceVJP(*this, b, grads, out, true);
}

LogicalResult MaxOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                              SmallVectorImpl<Value> &out) {
  if (!grads[0] || !isFloat(getX()))
    return out.push_back(nullptr), success();
  // The gradient goes to the elements equal to the maximum, split evenly
  // among ties (as torch.amax).
  G h{b, getLoc()};
  RankedTensorType x = typeOf(getX());
  SmallVector<int64_t> kept(x.getShape()), axes;
  for (int64_t i = 0; i < x.getRank(); ++i)
    if (!getAxes() || llvm::is_contained(*getAxes(), i)) {
      kept[i] = 1;
      axes.push_back(i);
    }
  Value top = h.reshape(getResult(), kept);
  Value hit = h.sub(h.c(1, top), h.step(h.sub(top, getX())));
  Value share = h.div(h.reshape(grads[0], kept), h.sum(hit, axes, true));
  out.push_back(h.mul(hit, share));
  return success();
}

LogicalResult ReshapeOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                  SmallVectorImpl<Value> &out) {
  if (!grads[0] || !isFloat(getX()))
    return out.push_back(nullptr), success();
  out.push_back(G{b, getLoc()}.reshape(grads[0], typeOf(getX()).getShape()));
  return success();
}

LogicalResult BroadcastToOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                      SmallVectorImpl<Value> &out) {
  if (!grads[0] || !isFloat(getX()))
    return out.push_back(nullptr), success();
  out.push_back(G{b, getLoc()}.unbroadcast(grads[0], getX().getType()));
  return success();
}

LogicalResult ConcatOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                 SmallVectorImpl<Value> &out) {
  int64_t offset = 0, axis = getAxis();
  for (Value input : getInputs()) {
    int64_t size = typeOf(input).getDimSize(axis);
    if (!grads[0] || !isFloat(input)) {
      out.push_back(nullptr);
    } else {
      out.push_back(make<SliceOp>(
          b, getLoc(), {grads[0]},
          {b.getNamedAttr("axis", b.getI64IntegerAttr(axis)),
           b.getNamedAttr("start", b.getI64IntegerAttr(offset)),
           b.getNamedAttr("size", b.getI64IntegerAttr(size))}));
    }
    offset += size;
  }
  return success();
}

LogicalResult SliceOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                SmallVectorImpl<Value> &out) {
  if (!grads[0] || !isFloat(getX()))
    return out.push_back(nullptr), success();
  // The gradient in place, zeros around it along the axis.
  RankedTensorType x = typeOf(getX());
  int64_t axis = getAxis(), start = getStart(), size = getSize();
  SmallVector<Value> parts;
  auto zerosOf = [&](int64_t n) {
    SmallVector<int64_t> shape(x.getShape());
    shape[axis] = n;
    return G{b, getLoc()}.zeros(RankedTensorType::get(shape, x.getElementType()));
  };
  if (start > 0)
    parts.push_back(zerosOf(start));
  parts.push_back(grads[0]);
  if (start + size < x.getDimSize(axis))
    parts.push_back(zerosOf(x.getDimSize(axis) - start - size));
  out.push_back(parts.size() == 1
                    ? parts[0]
                    : make<ConcatOp>(b, getLoc(), parts,
                                     {b.getNamedAttr("axis",
                                                     b.getI64IntegerAttr(axis))}));
  return success();
}

//===----------------------------------------------------------------------===//
// Neural-network primitives
//===----------------------------------------------------------------------===//

static SmallVector<NamedAttribute> intAttrs(
    OpBuilder &b, ArrayRef<std::pair<StringRef, int64_t>> values) {
  SmallVector<NamedAttribute> attrs;
  for (auto [name, value] : values)
    attrs.push_back(b.getNamedAttr(name, b.getI64IntegerAttr(value)));
  return attrs;
}

LogicalResult Conv2dOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                 SmallVectorImpl<Value> &out) {
  if (!grads[0]) {
    out.append(getNumOperands(), nullptr);
    return success();
  }
  Location loc = getLoc();
  Value g = grads[0];
  auto attrs = intAttrs(b, {{"stride", getStride()}, {"pad", getPad()}});
  out.push_back(Conv2dInputGradOp::create(
      b, loc, TypeRange{getX().getType()}, ValueRange{g, getW()}, attrs));
  out.push_back(Conv2dWeightGradOp::create(
      b, loc, TypeRange{getW().getType()}, ValueRange{getX(), g}, attrs));
  if (getB())
    out.push_back(G{b, loc}.sum(g, {0, 2, 3}, false));
  return success();
}

LogicalResult LstmOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                               SmallVectorImpl<Value> &out) {
  if (grads[1] || grads[2])
    return emitOpError() << "the cell states and gates of dl.lstm are "
                            "internal and have no gradient";
  if (!grads[0]) {
    out.append(getNumOperands(), nullptr);
    return success();
  }
  auto grad = LstmGradOp::create(
      b, getLoc(),
      TypeRange{getXw().getType(), getWhhT().getType(), getBhh().getType()},
      ValueRange{getXw(), getWhhT(), getBhh(), getSeq(), getCells(),
                 getGates(), grads[0]});
  out.append(grad->result_begin(), grad->result_end());
  return success();
}

LogicalResult GruOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                              SmallVectorImpl<Value> &out) {
  if (grads[1])
    return emitOpError() << "the gates of dl.gru are internal and have no "
                            "gradient";
  if (!grads[0]) {
    out.append(getNumOperands(), nullptr);
    return success();
  }
  auto grad = GruGradOp::create(
      b, getLoc(),
      TypeRange{getXw().getType(), getWhhT().getType(), getBhh().getType()},
      ValueRange{getXw(), getWhhT(), getBhh(), getSeq(), getGates(), grads[0]});
  out.append(grad->result_begin(), grad->result_end());
  return success();
}

LogicalResult RnnOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                              SmallVectorImpl<Value> &out) {
  if (!grads[0]) {
    out.append(getNumOperands(), nullptr);
    return success();
  }
  auto grad = RnnGradOp::create(
      b, getLoc(),
      TypeRange{getXw().getType(), getWhhT().getType(), getBhh().getType()},
      ValueRange{getXw(), getWhhT(), getBhh(), getSeq(), grads[0]},
      ArrayRef<NamedAttribute>{b.getNamedAttr("act", getActAttr()),
                               b.getNamedAttr("alpha", getAlphaAttr())});
  out.append(grad->result_begin(), grad->result_end());
  return success();
}

LogicalResult MaxPool2dOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                    SmallVectorImpl<Value> &out) {
  if (!grads[0])
    return out.push_back(nullptr), success();
  out.push_back(MaxPool2dGradOp::create(
      b, getLoc(), TypeRange{getX().getType()}, ValueRange{getX(), grads[0]},
      intAttrs(b, {{"size", getSize()}, {"stride", getStride()}})));
  return success();
}

LogicalResult AvgPool2dOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                    SmallVectorImpl<Value> &out) {
  if (!grads[0])
    return out.push_back(nullptr), success();
  out.push_back(AvgPool2dGradOp::create(
      b, getLoc(), TypeRange{getX().getType()}, ValueRange{grads[0]},
      intAttrs(b, {{"size", getSize()}, {"stride", getStride()}})));
  return success();
}

LogicalResult DropoutOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                  SmallVectorImpl<Value> &out) {
  if (!getStep())
    return emitOpError() << "needs its step operand to be differentiated";
  if (!grads[0]) {
    out.append({nullptr, nullptr});
    return success();
  }
  // With the mask fixed by (seed, step), dropout is linear: the same mask
  // and scale apply to the gradient.
  out.push_back(make<DropoutOp>(b, getLoc(), {grads[0], getStep()},
                                (*this)->getAttrs()));
  out.push_back(nullptr);
  return success();
}

LogicalResult BatchNormOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                    SmallVectorImpl<Value> &out) {
  // Only the normalized result carries a gradient; the running statistics
  // feed state updates, and the mean/var operands are states.
  if (!grads[0]) {
    out.append(5, nullptr);
    return success();
  }
  G h{b, getLoc()};
  Value x = getX(), g = grads[0];
  RankedTensorType type = typeOf(x);
  int64_t rank = type.getRank(), count = 1;
  SmallVector<int64_t> axes, channel = {type.getDimSize(1)};
  channel.append(rank - 2, 1); // [C, 1, ...] broadcasts along axis 1
  for (int64_t i = 0; i < rank; ++i)
    if (i != 1) {
      axes.push_back(i);
      count *= type.getDimSize(i);
    }
  double eps = getEpsAttr().getValueAsDouble();
  Value mean, var;
  if (getTraining()) {
    mean = h.div(h.sum(x, axes, true), h.c(count, x));
    Value centered = h.sub(x, mean);
    var = h.div(h.sum(h.mul(centered, centered), axes, true), h.c(count, x));
  } else {
    mean = h.reshape(getMean(), channel);
    var = h.reshape(getVar(), channel);
  }
  Value invStd = h.div(h.c(1, x), make<SqrtOp>(b, getLoc(), {h.add(var, h.c(eps, x))}));
  Value xhat = h.mul(h.sub(x, mean), invStd);
  Value gamma = h.reshape(getGamma(), channel);
  Value sumG = h.sum(g, axes, true), sumGX = h.sum(h.mul(g, xhat), axes, true);
  Value dx;
  if (getTraining()) {
    // gamma / sigma * (g - mean(g) - xhat * mean(g * xhat))
    Value inner = h.sub(h.sub(g, h.div(sumG, h.c(count, x))),
                        h.mul(xhat, h.div(sumGX, h.c(count, x))));
    dx = h.mul(h.mul(gamma, invStd), inner);
  } else {
    dx = h.mul(g, h.mul(gamma, invStd));
  }
  ArrayRef<int64_t> c = typeOf(getGamma()).getShape();
  out.push_back(dx);
  out.push_back(h.reshape(sumGX, c));
  out.push_back(h.reshape(sumG, c));
  out.append({nullptr, nullptr});
  return success();
}

LogicalResult GatherOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                 SmallVectorImpl<Value> &out) {
  if (!grads[0]) {
    out.append({nullptr, nullptr});
    return success();
  }
  out.push_back(GatherGradOp::create(b, getLoc(),
                                     TypeRange{getTable().getType()},
                                     ValueRange{grads[0], getIds()}));
  out.push_back(nullptr);
  return success();
}

//===----------------------------------------------------------------------===//
// Softmax and losses
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                  SmallVectorImpl<Value> &out) {
  if (!grads[0])
    return out.push_back(nullptr), success();
  G h{b, getLoc()};
  Value y = getResult(), g = grads[0];
  // y * (g - sum(g * y, axis))
  Value dot = h.sum(h.mul(g, y), {(int64_t)getAxis()}, true);
  out.push_back(h.mul(y, h.sub(g, dot)));
  return success();
}

LogicalResult LogSoftmaxOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                     SmallVectorImpl<Value> &out) {
  if (!grads[0])
    return out.push_back(nullptr), success();
  G h{b, getLoc()};
  // g - softmax(x) * sum(g, axis)
  Value total = h.sum(grads[0], {(int64_t)getAxis()}, true);
  out.push_back(h.sub(grads[0], h.mul(make<ExpOp>(b, getLoc(), {getResult()}),
                                      total)));
  return success();
}

LogicalResult MseOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                              SmallVectorImpl<Value> &out) {
  G h{b, getLoc()};
  Value p = getPred(), t = getTarget(), g = grads[0];
  // d/dp mean((p - t)^2) = 2 (p - t) / N
  Value dp = h.mul(h.mul(g, h.c(2.0 / elements(p), p)), h.sub(p, t));
  out.push_back(dp);
  out.push_back(h.unbroadcast(h.neg(dp), t.getType()));
  return success();
}

LogicalResult BinaryCrossEntropyOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                             SmallVectorImpl<Value> &out) {
  G h{b, getLoc()};
  Value p = getPred(), t = getTarget(), g = grads[0];
  Value scale = h.mul(g, h.c(1.0 / elements(p), p));
  // (p - t) / max(p (1 - p), 1e-12), as PyTorch.
  Value denom = make<MaximumOp>(
      b, getLoc(), {h.mul(p, h.sub(h.c(1, p), p)), h.c(1e-12, p)});
  out.push_back(h.mul(scale, h.div(h.sub(p, t), denom)));
  auto clampedLog = [&](Value v) {
    return make<MaximumOp>(b, getLoc(),
                           {make<LogOp>(b, getLoc(), {v}), h.c(-100, v)});
  };
  Value dt = h.mul(scale, h.sub(clampedLog(h.sub(h.c(1, p), p)), clampedLog(p)));
  out.push_back(h.unbroadcast(h.broadcastTo(dt, typeOf(p).getShape()),
                              t.getType()));
  return success();
}

LogicalResult BceWithLogitsOp::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                                        SmallVectorImpl<Value> &out) {
  G h{b, getLoc()};
  Value x = getPred(), t = getTarget(), g = grads[0];
  Value scale = h.mul(g, h.c(1.0 / elements(x), x));
  // (sigmoid(x) - t) / N and -x / N
  out.push_back(
      h.mul(scale, h.sub(make<SigmoidOp>(b, getLoc(), {x}), t)));
  out.push_back(h.unbroadcast(h.neg(h.mul(scale, x)), t.getType()));
  return success();
}

LogicalResult SoftmaxCrossEntropyOp::buildVJP(OpBuilder &b,
                                              ArrayRef<Value> grads,
                                              SmallVectorImpl<Value> &out) {
  G h{b, getLoc()};
  Value logits = getLogits(), labels = getLabels(), g = grads[0];
  RankedTensorType type = typeOf(logits);
  Value scale = h.mul(g, h.c(1.0 / type.getDimSize(0), logits));
  Value probs = h.softmax(logits, 1, false);
  if (!isFloat(labels)) {
    // (softmax(z) - one_hot(y)) / B
    Value onehot = make<OneHotOp>(
        b, getLoc(), {labels},
        {b.getNamedAttr("n", b.getI64IntegerAttr(type.getDimSize(1)))});
    out.push_back(h.mul(scale, h.sub(probs, onehot)));
    out.push_back(nullptr);
    return success();
  }
  // Targets t: softmax(z) sum(t) - t, and -log_softmax(z).
  Value mass = h.sum(labels, {1}, true);
  out.push_back(h.mul(scale, h.sub(h.mul(probs, mass), labels)));
  out.push_back(h.neg(h.mul(scale, h.softmax(logits, 1, true))));
  return success();
}

LogicalResult L2Op::buildVJP(OpBuilder &b, ArrayRef<Value> grads,
                             SmallVectorImpl<Value> &out) {
  G h{b, getLoc()};
  for (Value input : getInputs())
    out.push_back(grads[0] ? h.mul(grads[0], input) : Value());
  return success();
}
