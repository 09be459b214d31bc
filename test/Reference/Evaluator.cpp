//===- Evaluator.cpp - dl-ref's evaluation of dl IR in double precision ---===//
//
// See Evaluator.h. Each dl op is evaluated from its definition (the
// language spec and docs/ir.md), elementwise ops through `map` with
// broadcasting, reductions through `reduceAxes`, matrix products with
// Eigen.
//
//===----------------------------------------------------------------------===//

#include "test/Reference/Evaluator.h"

#include "dialects/DL/IR/DLOps.h"

#include <Eigen/Dense>

#include <cmath>

using namespace mlir;

namespace dlref {

int64_t count(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Tensor zeros(const std::vector<int64_t> &shape) {
  return Tensor{shape, std::vector<double>(count(shape), 0.0)};
}

namespace {

std::vector<int64_t> shapeOf(Type type) {
  auto t = cast<RankedTensorType>(type);
  return {t.getShape().begin(), t.getShape().end()};
}

std::vector<int64_t> strides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i)
    s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/// Multi-index of flat position `flat` in `shape`.
std::vector<int64_t> unflatten(int64_t flat,
                               const std::vector<int64_t> &shape) {
  std::vector<int64_t> idx(shape.size());
  for (int64_t i = (int64_t)shape.size() - 1; i >= 0; --i) {
    idx[i] = flat % shape[i];
    flat /= shape[i];
  }
  return idx;
}

/// Element of `t` at output index `idx` under NumPy broadcasting.
double broadcastAt(const Tensor &t, const std::vector<int64_t> &idx) {
  size_t offset = idx.size() - t.shape.size();
  std::vector<int64_t> s = strides(t.shape);
  int64_t flat = 0;
  for (size_t i = 0; i < t.shape.size(); ++i)
    flat += (t.shape[i] == 1 ? 0 : idx[i + offset]) * s[i];
  return t.data[flat];
}

template <typename F>
Tensor map(const std::vector<int64_t> &shape,
           const std::vector<const Tensor *> &in, F f) {
  Tensor out = zeros(shape);
  std::vector<double> args(in.size());
  for (int64_t i = 0; i < out.size(); ++i) {
    std::vector<int64_t> idx = unflatten(i, shape);
    for (size_t k = 0; k < in.size(); ++k)
      args[k] = broadcastAt(*in[k], idx);
    out.data[i] = f(args);
  }
  return out;
}

/// Reduces `x` over `axes` with `combine` from `init`; keeps no axes.
Tensor reduceAxes(const Tensor &x, const std::vector<int64_t> &axes,
                  double init, double (*combine)(double, double)) {
  std::vector<int64_t> kept;
  for (int64_t i = 0; i < (int64_t)x.shape.size(); ++i)
    if (std::find(axes.begin(), axes.end(), i) == axes.end())
      kept.push_back(i);
  std::vector<int64_t> shape;
  for (int64_t k : kept)
    shape.push_back(x.shape[k]);
  Tensor out{shape, std::vector<double>(count(shape), init)};
  std::vector<int64_t> os = strides(shape);
  for (int64_t i = 0; i < x.size(); ++i) {
    std::vector<int64_t> idx = unflatten(i, x.shape);
    int64_t o = 0;
    for (size_t k = 0; k < kept.size(); ++k)
      o += idx[kept[k]] * os[k];
    out.data[o] = combine(out.data[o], x.data[i]);
  }
  return out;
}

double plus(double a, double b) { return a + b; }
double maxOf(double a, double b) { return std::max(a, b); }

Tensor softmax(const Tensor &x, int64_t axis, bool log) {
  Tensor m = reduceAxes(x, {axis}, -INFINITY, maxOf);
  std::vector<int64_t> reducedIdx;
  Tensor out = zeros(x.shape);
  Tensor sums = reduceAxes(map(x.shape, {&x}, [](auto &) { return 0.0; }),
                           {axis}, 0.0, plus);
  // exp(x - max) and its sums along the axis.
  std::vector<int64_t> ms = strides(m.shape);
  auto reducedOffset = [&](const std::vector<int64_t> &idx) {
    int64_t o = 0, k = 0;
    for (int64_t i = 0; i < (int64_t)idx.size(); ++i)
      if (i != axis)
        o += idx[i] * ms[k++];
    return o;
  };
  for (int64_t i = 0; i < x.size(); ++i) {
    auto idx = unflatten(i, x.shape);
    int64_t o = reducedOffset(idx);
    out.data[i] = std::exp(x.data[i] - m.data[o]);
    sums.data[o] += out.data[i];
  }
  for (int64_t i = 0; i < x.size(); ++i) {
    int64_t o = reducedOffset(unflatten(i, x.shape));
    out.data[i] = log ? (x.data[i] - m.data[o]) - std::log(sums.data[o])
                      : out.data[i] / sums.data[o];
  }
  return out;
}

Tensor matmul2d(const Tensor &a, const Tensor &b, int64_t aOffset,
                int64_t bOffset, int64_t m, int64_t k, int64_t n) {
  using Mat =
      Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const Mat> A(a.data.data() + aOffset, m, k);
  Eigen::Map<const Mat> B(b.data.data() + bOffset, k, n);
  Mat C = A * B;
  return Tensor{{m, n}, std::vector<double>(C.data(), C.data() + m * n)};
}

/// Evaluates one entry function.
class Evaluator {
public:
  Evaluator(const std::map<std::string, Tensor> &variables)
      : variables(variables) {}

  LogicalResult run(func::FuncOp fn, const std::vector<Tensor> &inputs,
                    std::vector<Tensor> &results) {
    for (auto [arg, input] : llvm::zip(fn.getArguments(), inputs))
      values[arg.getAsOpaquePointer()] = input;
    for (Operation &op : fn.getBody().front()) {
      if (auto ret = dyn_cast<func::ReturnOp>(op)) {
        for (Value v : ret.getOperands())
          results.push_back(get(v));
        return success();
      }
      if (failed(eval(&op)))
        return op.emitError("dl-ref cannot evaluate this op");
    }
    return failure();
  }

private:
  const Tensor &get(Value v) { return values[v.getAsOpaquePointer()]; }
  void set(Value v, Tensor t) { values[v.getAsOpaquePointer()] = std::move(t); }

  template <typename F> void unary(Operation *op, F f) {
    const Tensor &x = get(op->getOperand(0));
    set(op->getResult(0), map(x.shape, {&x}, [&](const std::vector<double> &a) {
          return f(a[0]);
        }));
  }
  template <typename F> void binary(Operation *op, F f) {
    const Tensor &x = get(op->getOperand(0)), &y = get(op->getOperand(1));
    set(op->getResult(0),
        map(shapeOf(op->getResult(0).getType()), {&x, &y},
            [&](const std::vector<double> &a) { return f(a[0], a[1]); }));
  }
  double meanOf(const Tensor &t) {
    double s = 0;
    for (double v : t.data)
      s += v;
    return s / t.size();
  }
  void scalarResult(Operation *op, double v) {
    set(op->getResult(0), Tensor{{}, {v}});
  }

  LogicalResult eval(Operation *op) {
    if (auto c = dyn_cast<dl::ConstantOp>(op)) {
      auto attr = cast<DenseElementsAttr>(c.getValue());
      Tensor t = zeros(shapeOf(c.getType()));
      int64_t i = 0;
      if (isa<FloatType>(attr.getElementType()))
        for (APFloat v : attr.getValues<APFloat>())
          t.data[i++] = v.convertToDouble();
      else
        for (APInt v : attr.getValues<APInt>())
          t.data[i++] = (double)v.getSExtValue();
      set(c, t);
      return success();
    }
    if (auto load = dyn_cast<dl::LoadOp>(op)) {
      auto it = variables.find(load.getName().str());
      if (it == variables.end())
        return failure();
      set(load, it->second);
      return success();
    }
    if (isa<dl::AssignOp>(op))
      return success();
    if (isa<dl::NegOp>(op))
      return unary(op, [](double x) { return -x; }), success();
    if (isa<dl::ReluOp>(op))
      return unary(op, [](double x) { return x > 0 ? x : 0; }), success();
    if (auto l = dyn_cast<dl::LeakyReluOp>(op)) {
      double a = l.getAlphaAttr().getValueAsDouble();
      return unary(op, [&](double x) { return x > 0 ? x : a * x; }), success();
    }
    if (isa<dl::StepOp>(op))
      return unary(op, [](double x) { return x > 0 ? 1.0 : 0.0; }), success();
    if (isa<dl::SigmoidOp>(op))
      return unary(op, [](double x) { return 1 / (1 + std::exp(-x)); }),
             success();
    if (isa<dl::TanhOp>(op))
      return unary(op, [](double x) { return std::tanh(x); }), success();
    if (isa<dl::ExpOp>(op))
      return unary(op, [](double x) { return std::exp(x); }), success();
    if (isa<dl::LogOp>(op))
      return unary(op, [](double x) { return std::log(x); }), success();
    if (isa<dl::SqrtOp>(op))
      return unary(op, [](double x) { return std::sqrt(x); }), success();
    if (isa<dl::AbsOp>(op))
      return unary(op, [](double x) { return std::fabs(x); }), success();
    if (isa<dl::SquareOp>(op))
      return unary(op, [](double x) { return x * x; }), success();
    if (isa<dl::GeluOp>(op))
      return unary(op,
                   [](double x) {
                     return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
                   }),
             success();
    if (auto c = dyn_cast<dl::ClipOp>(op)) {
      double lo = c.getLoAttr().getValueAsDouble(),
             hi = c.getHiAttr().getValueAsDouble();
      return unary(op, [&](double x) { return std::min(std::max(x, lo), hi); }),
             success();
    }
    if (isa<dl::StopGradientOp>(op))
      return unary(op, [](double x) { return x; }), success();
    if (isa<dl::ZerosLikeOp>(op))
      return unary(op, [](double) { return 0.0; }), success();
    if (isa<dl::OnesLikeOp>(op))
      return unary(op, [](double) { return 1.0; }), success();
    bool integer =
        getElementTypeOrSelf(op->getResult(0).getType()).isInteger(32);
    if (isa<dl::AddOp>(op))
      return binary(op, [](double a, double b) { return a + b; }), success();
    if (isa<dl::SubOp>(op))
      return binary(op, [](double a, double b) { return a - b; }), success();
    if (isa<dl::MulOp>(op))
      return binary(op, [](double a, double b) { return a * b; }), success();
    if (isa<dl::DivOp>(op))
      return binary(op,
                    [&](double a, double b) {
                      return integer ? std::trunc(a / b) : a / b;
                    }),
             success();
    if (isa<dl::MaximumOp>(op))
      return binary(op, [](double a, double b) { return std::max(a, b); }),
             success();
    if (isa<dl::MinimumOp>(op))
      return binary(op, [](double a, double b) { return std::min(a, b); }),
             success();
    if (isa<dl::PowOp>(op))
      return binary(op, [](double a, double b) { return std::pow(a, b); }),
             success();
    if (auto b = dyn_cast<dl::BroadcastToOp>(op)) {
      const Tensor &x = get(b.getX());
      set(b, map(shapeOf(b.getType()), {&x},
                 [](const std::vector<double> &a) { return a[0]; }));
      return success();
    }
    if (auto mm = dyn_cast<dl::MatmulOp>(op)) {
      const Tensor &a = get(mm.getLhs()), &b = get(mm.getRhs());
      std::vector<int64_t> shape = shapeOf(mm.getType());
      if (a.shape.size() == 2) {
        set(mm, matmul2d(a, b, 0, 0, a.shape[0], a.shape[1], b.shape[1]));
        return success();
      }
      int64_t batch = a.shape[0], m = a.shape[1], k = a.shape[2],
              n = b.shape.back();
      Tensor out = zeros(shape);
      for (int64_t i = 0; i < batch; ++i) {
        Tensor part = matmul2d(a, b, i * m * k,
                               b.shape.size() == 3 ? i * k * n : 0, m, k, n);
        std::copy(part.data.begin(), part.data.end(),
                  out.data.begin() + i * m * n);
      }
      set(mm, out);
      return success();
    }
    if (auto lstm = dyn_cast<dl::LstmOp>(op)) {
      // PyTorch's LSTM recurrence from h = c = 0, step by step.
      const Tensor &xw = get(lstm.getXw()), &w = get(lstm.getWhhT()),
                   &b = get(lstm.getBhh());
      int64_t B = xw.shape[0], T = xw.shape[1], H = w.shape[0], G = 4 * H;
      Tensor seq = zeros({B, T, H}), cells = zeros({B, T, H}),
             gates = zeros({B, T, G});
      std::vector<double> h(B * H, 0.0), c(B * H, 0.0), z(G);
      auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
      for (int64_t t = 0; t < T; ++t) {
        std::vector<double> next(B * H);
        for (int64_t n = 0; n < B; ++n) {
          for (int64_t j = 0; j < G; ++j) {
            double acc = xw.data[(n * T + t) * G + j] + b.data[j];
            for (int64_t k = 0; k < H; ++k)
              acc += h[n * H + k] * w.data[k * G + j];
            z[j] = acc;
          }
          for (int64_t j = 0; j < H; ++j) {
            double i = sig(z[j]), f = sig(z[H + j]),
                   g = std::tanh(z[2 * H + j]), o = sig(z[3 * H + j]);
            c[n * H + j] = f * c[n * H + j] + i * g;
            next[n * H + j] = o * std::tanh(c[n * H + j]);
            seq.data[(n * T + t) * H + j] = next[n * H + j];
            cells.data[(n * T + t) * H + j] = c[n * H + j];
            double *gate = &gates.data[(n * T + t) * G + j];
            gate[0] = i, gate[H] = f, gate[2 * H] = g, gate[3 * H] = o;
          }
        }
        h = next;
      }
      set(lstm.getSeq(), seq);
      set(lstm.getCells(), cells);
      set(lstm.getGates(), gates);
      return success();
    }
    if (isa<dl::RnnOp, dl::GruOp>(op)) {
      // PyTorch's RNN and GRU recurrences from h = 0, step by step:
      // a = h whh_t + bhh (the recurrent product), then per unit j
      // rnn: h_j = act(xw_j + a_j); gru (gates r, z, n):
      // r = sig(x_r + a_r), z = sig(x_z + a_z), n = tanh(x_n + r a_n),
      // h = (1 - z) n + z h.
      const Tensor &xw = get(op->getOperand(0)), &w = get(op->getOperand(1)),
                   &b = get(op->getOperand(2));
      bool gru = isa<dl::GruOp>(op);
      int64_t B = xw.shape[0], T = xw.shape[1], H = w.shape[0],
              G = gru ? 3 * H : H;
      Tensor seq = zeros({B, T, H}), gates = zeros({B, T, 4 * H});
      std::vector<double> h(B * H, 0.0), a(G);
      auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
      auto activate = [&](double v) -> double {
        auto rnn = cast<dl::RnnOp>(op);
        StringRef act = rnn.getAct();
        if (act == "tanh")
          return std::tanh(v);
        if (act == "sigmoid")
          return sig(v);
        if (act == "relu")
          return v > 0 ? v : 0;
        if (act == "leaky_relu")
          return v > 0 ? v : rnn.getAlpha().convertToDouble() * v;
        return v;
      };
      for (int64_t t = 0; t < T; ++t) {
        std::vector<double> next(B * H);
        for (int64_t n = 0; n < B; ++n) {
          for (int64_t j = 0; j < G; ++j) {
            double acc = b.data[j];
            for (int64_t k = 0; k < H; ++k)
              acc += h[n * H + k] * w.data[k * G + j];
            a[j] = acc;
          }
          const double *x = &xw.data[(n * T + t) * G];
          for (int64_t j = 0; j < H; ++j) {
            if (!gru) {
              next[n * H + j] = activate(x[j] + a[j]);
            } else {
              double r = sig(x[j] + a[j]), z = sig(x[H + j] + a[H + j]),
                     c = std::tanh(x[2 * H + j] + r * a[2 * H + j]);
              next[n * H + j] = (1 - z) * c + z * h[n * H + j];
              double *gate = &gates.data[(n * T + t) * 4 * H + j];
              gate[0] = r, gate[H] = z, gate[2 * H] = c,
              gate[3 * H] = a[2 * H + j];
            }
            seq.data[(n * T + t) * H + j] = next[n * H + j];
          }
        }
        h = next;
      }
      set(op->getResult(0), seq);
      if (gru)
        set(op->getResult(1), gates);
      return success();
    }
    if (auto t = dyn_cast<dl::TransposeOp>(op)) {
      const Tensor &x = get(t.getX());
      Tensor out = zeros(shapeOf(t.getType()));
      auto perm = t.getPerm();
      std::vector<int64_t> xs = strides(x.shape);
      for (int64_t i = 0; i < out.size(); ++i) {
        auto idx = unflatten(i, out.shape);
        int64_t o = 0;
        for (size_t d = 0; d < perm.size(); ++d)
          o += idx[d] * xs[perm[d]];
        out.data[i] = x.data[o];
      }
      set(t, out);
      return success();
    }
    if (isa<dl::SumOp, dl::MeanOp, dl::MaxOp>(op)) {
      const Tensor &x = get(op->getOperand(0));
      std::vector<int64_t> axes;
      if (auto a = op->getAttrOfType<DenseI64ArrayAttr>("axes"))
        axes.assign(a.asArrayRef().begin(), a.asArrayRef().end());
      else
        for (int64_t i = 0; i < (int64_t)x.shape.size(); ++i)
          axes.push_back(i);
      bool isMax = isa<dl::MaxOp>(op);
      Tensor r =
          reduceAxes(x, axes, isMax ? -INFINITY : 0.0, isMax ? maxOf : plus);
      if (isa<dl::MeanOp>(op)) {
        int64_t n = 1;
        for (int64_t a : axes)
          n *= x.shape[a];
        for (double &v : r.data)
          v /= n;
      }
      r.shape = shapeOf(op->getResult(0).getType()); // keepdims
      set(op->getResult(0), r);
      return success();
    }
    if (auto r = dyn_cast<dl::ReshapeOp>(op)) {
      Tensor x = get(r.getX());
      x.shape = shapeOf(r.getType());
      set(r, x);
      return success();
    }
    if (auto s = dyn_cast<dl::SliceOp>(op)) {
      const Tensor &x = get(s.getX());
      Tensor out = zeros(shapeOf(s.getType()));
      std::vector<int64_t> xs = strides(x.shape);
      for (int64_t i = 0; i < out.size(); ++i) {
        auto idx = unflatten(i, out.shape);
        idx[s.getAxis()] += s.getStart();
        int64_t o = 0;
        for (size_t d = 0; d < idx.size(); ++d)
          o += idx[d] * xs[d];
        out.data[i] = x.data[o];
      }
      set(s, out);
      return success();
    }
    if (auto c = dyn_cast<dl::ConcatOp>(op)) {
      Tensor out = zeros(shapeOf(c.getType()));
      int64_t axis = c.getAxis();
      for (int64_t i = 0; i < out.size(); ++i) {
        auto idx = unflatten(i, out.shape);
        for (Value in : c.getInputs()) {
          const Tensor &t = get(in);
          if (idx[axis] < t.shape[axis]) {
            std::vector<int64_t> ts = strides(t.shape);
            int64_t o = 0;
            for (size_t d = 0; d < idx.size(); ++d)
              o += idx[d] * ts[d];
            out.data[i] = t.data[o];
            break;
          }
          idx[axis] -= t.shape[axis];
        }
      }
      set(c, out);
      return success();
    }
    if (auto s = dyn_cast<dl::SoftmaxOp>(op))
      return set(s, softmax(get(s.getX()), s.getAxis(), false)), success();
    if (auto s = dyn_cast<dl::LogSoftmaxOp>(op))
      return set(s, softmax(get(s.getX()), s.getAxis(), true)), success();
    if (auto c = dyn_cast<dl::Conv2dOp>(op)) {
      const Tensor &x = get(c.getX()), &w = get(c.getW());
      Tensor out = zeros(shapeOf(c.getType()));
      int64_t stride = c.getStride(), pad = c.getPad();
      int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
      int64_t O = w.shape[0], KH = w.shape[2], KW = w.shape[3];
      int64_t OH = out.shape[2], OW = out.shape[3];
      for (int64_t n = 0; n < N; ++n)
        for (int64_t o = 0; o < O; ++o)
          for (int64_t oh = 0; oh < OH; ++oh)
            for (int64_t ow = 0; ow < OW; ++ow) {
              double s = c.getB() ? get(c.getB()).data[o] : 0.0;
              for (int64_t ci = 0; ci < C; ++ci)
                for (int64_t kh = 0; kh < KH; ++kh)
                  for (int64_t kw = 0; kw < KW; ++kw) {
                    int64_t h = oh * stride + kh - pad,
                            wv = ow * stride + kw - pad;
                    if (h < 0 || h >= H || wv < 0 || wv >= W)
                      continue;
                    s += x.data[((n * C + ci) * H + h) * W + wv] *
                         w.data[((o * C + ci) * KH + kh) * KW + kw];
                  }
              out.data[((n * O + o) * OH + oh) * OW + ow] = s;
            }
      set(c, out);
      return success();
    }
    if (isa<dl::MaxPool2dOp, dl::AvgPool2dOp>(op)) {
      const Tensor &x = get(op->getOperand(0));
      int64_t size = op->getAttrOfType<IntegerAttr>("size").getInt();
      int64_t stride = op->getAttrOfType<IntegerAttr>("stride").getInt();
      bool isMax = isa<dl::MaxPool2dOp>(op);
      Tensor out = zeros(shapeOf(op->getResult(0).getType()));
      int64_t H = x.shape[2], W = x.shape[3], OH = out.shape[2],
              OW = out.shape[3];
      for (int64_t nc = 0; nc < x.shape[0] * x.shape[1]; ++nc)
        for (int64_t oh = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow) {
            double acc = isMax ? -INFINITY : 0.0;
            for (int64_t kh = 0; kh < size; ++kh)
              for (int64_t kw = 0; kw < size; ++kw) {
                double v =
                    x.data[(nc * H + oh * stride + kh) * W + ow * stride + kw];
                acc = isMax ? std::max(acc, v) : acc + v;
              }
            out.data[(nc * OH + oh) * OW + ow] =
                isMax ? acc : acc / (size * size);
          }
      set(op->getResult(0), out);
      return success();
    }
    if (auto bn = dyn_cast<dl::BatchNormOp>(op)) {
      const Tensor &x = get(bn.getX());
      const Tensor &g = get(bn.getGamma()), &b = get(bn.getBeta());
      Tensor mu = get(bn.getMean()), var = get(bn.getVar());
      double eps = bn.getEpsAttr().getValueAsDouble();
      int64_t channels = x.shape[1], perChannel = x.size() / channels;
      Tensor newMu = mu, newVar = var;
      if (bn.getTraining()) {
        // Batch statistics (biased variance); running estimates with the
        // unbiased variance, as torch.nn.BatchNorm.
        double m = bn.getMomentumAttr().getValueAsDouble();
        std::vector<double> sum(channels, 0), sq(channels, 0);
        for (int64_t i = 0; i < x.size(); ++i)
          sum[unflatten(i, x.shape)[1]] += x.data[i];
        for (int64_t c = 0; c < channels; ++c)
          mu.data[c] = sum[c] / perChannel;
        for (int64_t i = 0; i < x.size(); ++i) {
          int64_t c = unflatten(i, x.shape)[1];
          sq[c] += (x.data[i] - mu.data[c]) * (x.data[i] - mu.data[c]);
        }
        for (int64_t c = 0; c < channels; ++c) {
          var.data[c] = sq[c] / perChannel;
          double unbiased =
              perChannel > 1 ? sq[c] / (perChannel - 1) : var.data[c];
          newMu.data[c] = (1 - m) * newMu.data[c] + m * mu.data[c];
          newVar.data[c] = (1 - m) * newVar.data[c] + m * unbiased;
        }
      }
      Tensor out = zeros(x.shape);
      for (int64_t i = 0; i < x.size(); ++i) {
        int64_t c = unflatten(i, x.shape)[1];
        out.data[i] = (x.data[i] - mu.data[c]) / std::sqrt(var.data[c] + eps) *
                          g.data[c] +
                      b.data[c];
      }
      set(bn.getResult(), out);
      set(bn.getNewMean(), newMu);
      set(bn.getNewVar(), newVar);
      return success();
    }
    if (auto d = dyn_cast<dl::DropoutOp>(op)) {
      // The mask of docs/language.md: element i is kept when the top 24
      // bits of mix(stream + i * golden) are >= ceil(rate * 2^24), with
      // stream = mix(seed ^ mix(step + golden)) and mix splitmix64's
      // finalizer. Without a step operand (the front end's IR) the step is
      // 0, that of a fresh model's first call.
      auto mix = [](uint64_t z) {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
      };
      const uint64_t golden = 0x9e3779b97f4a7c15ull;
      uint64_t step = d.getStep() ? (uint64_t)get(d.getStep()).data[0] : 0;
      uint64_t stream = mix((uint64_t)d.getSeed() ^ mix(step + golden));
      double rate = d.getRateAttr().getValueAsDouble();
      uint64_t threshold = (uint64_t)std::ceil(rate * 16777216.0);
      Tensor out = get(d.getX());
      for (int64_t i = 0; i < out.size(); ++i) {
        bool keep = (mix(stream + (uint64_t)i * golden) >> 40) >= threshold;
        out.data[i] = keep ? out.data[i] / (1 - rate) : 0;
      }
      set(d, out);
      return success();
    }
    if (auto oh = dyn_cast<dl::OneHotOp>(op)) {
      const Tensor &l = get(oh.getLabels());
      Tensor out = zeros(shapeOf(oh.getType()));
      int64_t n = oh.getN();
      for (int64_t i = 0; i < l.size(); ++i)
        if (l.data[i] >= 0 && l.data[i] < n)
          out.data[i * n + (int64_t)l.data[i]] = 1;
      set(oh, out);
      return success();
    }
    if (auto g = dyn_cast<dl::GatherOp>(op)) {
      const Tensor &table = get(g.getTable()), &ids = get(g.getIds());
      int64_t dim = table.shape[1];
      Tensor out = zeros(shapeOf(g.getType()));
      for (int64_t i = 0; i < ids.size(); ++i)
        for (int64_t d = 0; d < dim; ++d)
          out.data[i * dim + d] = table.data[(int64_t)ids.data[i] * dim + d];
      set(g, out);
      return success();
    }
    if (isa<dl::MseOp, dl::BinaryCrossEntropyOp, dl::BceWithLogitsOp>(op)) {
      const Tensor &p = get(op->getOperand(0)), &t = get(op->getOperand(1));
      Tensor terms = map(p.shape, {&p, &t}, [&](const std::vector<double> &a) {
        double x = a[0], y = a[1];
        if (isa<dl::MseOp>(op))
          return (x - y) * (x - y);
        if (isa<dl::BinaryCrossEntropyOp>(op))
          return -(y * std::max(std::log(x), -100.0) +
                   (1 - y) * std::max(std::log(1 - x), -100.0));
        // The textbook form: -(y log sigmoid(x) + (1-y) log(1 - sigmoid(x))).
        double s = 1 / (1 + std::exp(-x));
        return -(y * std::log(s) + (1 - y) * std::log1p(-s));
      });
      scalarResult(op, meanOf(terms));
      return success();
    }
    if (auto xe = dyn_cast<dl::SoftmaxCrossEntropyOp>(op)) {
      const Tensor &logits = get(xe.getLogits()), &labels = get(xe.getLabels());
      Tensor lp = softmax(logits, 1, true);
      int64_t B = logits.shape[0], C = logits.shape[1];
      double total = 0;
      for (int64_t b = 0; b < B; ++b) {
        if (labels.shape.size() == 1)
          total -= lp.data[b * C + (int64_t)labels.data[b]];
        else
          for (int64_t c = 0; c < C; ++c)
            total -= labels.data[b * C + c] * lp.data[b * C + c];
      }
      scalarResult(op, total / B);
      return success();
    }
    if (auto l2 = dyn_cast<dl::L2Op>(op)) {
      double s = 0;
      for (Value in : l2.getInputs())
        for (double v : get(in).data)
          s += v * v;
      scalarResult(op, s / 2);
      return success();
    }
    if (auto acc = dyn_cast<dl::AccuracyOp>(op)) {
      const Tensor &logits = get(acc.getLogits()),
                   &labels = get(acc.getLabels());
      int64_t B = logits.shape[0], C = logits.shape[1], hits = 0;
      for (int64_t b = 0; b < B; ++b) {
        int64_t best = 0;
        for (int64_t c = 1; c < C; ++c)
          if (logits.data[b * C + c] > logits.data[b * C + best])
            best = c;
        hits += best == (int64_t)labels.data[b];
      }
      scalarResult(op, (double)hits / B);
      return success();
    }
    return failure();
  }

  const std::map<std::string, Tensor> &variables;
  std::map<const void *, Tensor> values;
};

} // namespace

LogicalResult evaluate(func::FuncOp fn,
                       const std::map<std::string, Tensor> &variables,
                       const std::vector<Tensor> &inputs,
                       std::vector<Tensor> &results) {
  return Evaluator(variables).run(fn, inputs, results);
}

} // namespace dlref
