//===- DLShapes.cpp - shape inference of the dl ops -----------------------===//
//
// `inferReturnTypes` of every dl op whose result type depends on its operands
// and attributes. These functions are the single source of truth for shapes:
// the verifier calls them, and the front end calls them before it creates an
// op, reporting their messages to the user at the `.dl` location. So every
// message is written in the language's terms and names both shapes.
//
//===----------------------------------------------------------------------===//

#include "dialects/DL/IR/DLOps.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace dl;

namespace {

/// Reports `message` at `loc` when the caller asked for diagnostics.
LogicalResult fail(std::optional<Location> loc, const Twine &message) {
  if (loc)
    emitError(*loc) << message;
  return failure();
}

std::string fmt(Type type) { return formatType(type); }

std::string fmtShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '[';
  llvm::interleaveComma(shape, os);
  os << ']';
  return text;
}

/// The ranked tensor type of `value`, or null.
RankedTensorType tensorOf(Value value) {
  return value ? dyn_cast<RankedTensorType>(value.getType()) : nullptr;
}

LogicalResult needTensors(std::optional<Location> loc, ValueRange operands,
                          size_t count, StringRef op) {
  if (operands.size() < count)
    return fail(loc, Twine(op) + " expects " + Twine(count) + " operands");
  for (Value v : operands)
    if (!tensorOf(v))
      return fail(loc, Twine(op) + " expects ranked tensor operands");
  return success();
}

/// NumPy broadcasting of two shapes; on failure sets `lhsDim`/`rhsDim` to
/// the first pair of sizes that clash.
std::optional<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a,
                                                    ArrayRef<int64_t> b,
                                                    int64_t &lhsDim,
                                                    int64_t &rhsDim) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) {
      lhsDim = da;
      rhsDim = db;
      return std::nullopt;
    }
    result[i] = da == 1 ? db : da;
  }
  return result;
}

template <typename AttrT>
LogicalResult needAttr(std::optional<Location> loc, AttrT attr, StringRef op,
                       StringRef name) {
  if (!attr)
    return fail(loc, Twine(op) + " needs the attribute '" + name + "'");
  return success();
}

/// Checks that `axis` is a valid axis of `type` (0 <= axis < rank).
LogicalResult checkAxis(std::optional<Location> loc, int64_t axis,
                        RankedTensorType type) {
  if (axis < 0 || axis >= type.getRank())
    return fail(loc, "axis " + Twine(axis) + " is out of range for " +
                         fmt(type) + " (rank " + Twine(type.getRank()) + ")");
  return success();
}

RankedTensorType scalarF32(MLIRContext *ctx) {
  return RankedTensorType::get({}, Float32Type::get(ctx));
}

/// Shared by the elementwise binary ops.
LogicalResult inferBinary(std::optional<Location> loc, ValueRange operands,
                          StringRef verb, SmallVectorImpl<Type> &types) {
  if (failed(needTensors(loc, operands, 2, verb)))
    return failure();
  auto lhs = tensorOf(operands[0]), rhs = tensorOf(operands[1]);
  if (lhs.getElementType() != rhs.getElementType())
    return fail(loc, "cannot " + Twine(verb) + " " + fmt(lhs) + " and " +
                         fmt(rhs) + ": element types differ");
  int64_t da = 0, db = 0;
  auto shape = broadcastShapes(lhs.getShape(), rhs.getShape(), da, db);
  if (!shape)
    return fail(loc, "cannot " + Twine(verb) + " " + fmt(lhs) + " and " +
                         fmt(rhs) + ": dimensions " + Twine(da) + " and " +
                         Twine(db) + " are not broadcastable");
  types.push_back(RankedTensorType::get(*shape, lhs.getElementType()));
  return success();
}

/// Shared by mse and the binary cross-entropies: the target broadcasts to
/// the prediction's shape.
LogicalResult inferPointwiseLoss(MLIRContext *ctx, std::optional<Location> loc,
                                 ValueRange operands, StringRef op,
                                 SmallVectorImpl<Type> &types) {
  if (failed(needTensors(loc, operands, 2, op)))
    return failure();
  auto pred = tensorOf(operands[0]), target = tensorOf(operands[1]);
  if (pred.getElementType() != target.getElementType())
    return fail(loc, Twine(op) + ": prediction " + fmt(pred) + " and target " +
                         fmt(target) + " have different element types");
  int64_t da = 0, db = 0;
  auto shape = broadcastShapes(pred.getShape(), target.getShape(), da, db);
  if (!shape || ArrayRef<int64_t>(*shape) != pred.getShape())
    return fail(loc, Twine(op) + ": target " + fmt(target) +
                         " does not broadcast to the prediction's shape " +
                         fmt(pred));
  types.push_back(scalarF32(ctx));
  return success();
}

/// Shared by the reductions.
template <typename OpT>
LogicalResult inferReduce(std::optional<Location> loc, ValueRange operands,
                          DictionaryAttr attributes, OpaqueProperties props,
                          RegionRange regions, SmallVectorImpl<Type> &types) {
  typename OpT::Adaptor adaptor(operands, attributes, props, regions);
  StringRef name = OpT::getOperationName().drop_front(3);
  if (failed(needTensors(loc, operands, 1, name)))
    return failure();
  auto type = tensorOf(operands[0]);
  SmallVector<bool> reduced(type.getRank(), false);
  if (DenseI64ArrayAttr axes = adaptor.getAxesAttr()) {
    for (int64_t axis : axes.asArrayRef()) {
      if (failed(checkAxis(loc, axis, type)))
        return failure();
      if (reduced[axis])
        return fail(loc, "axis " + Twine(axis) + " appears twice in " + name +
                             " of " + fmt(type));
      reduced[axis] = true;
    }
  } else {
    reduced.assign(type.getRank(), true);
  }
  bool keep = false;
  if (auto keepAttr = attributes ? attributes.getAs<BoolAttr>("keepdims")
                                 : BoolAttr())
    keep = keepAttr.getValue();
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (!reduced[i])
      shape.push_back(type.getDimSize(i));
    else if (keep)
      shape.push_back(1);
  }
  types.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// Constants and elementwise ops
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange,
    DictionaryAttr attributes, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &types) {
  auto value =
      attributes ? attributes.getAs<ElementsAttr>("value") : ElementsAttr();
  if (!value)
    return fail(loc, "constant needs an elements attribute 'value'");
  types.push_back(value.getType());
  return success();
}

#define DL_BINARY_INFER(OP)                                                    \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, ValueRange operands,         \
      DictionaryAttr, OpaqueProperties, RegionRange,                           \
      SmallVectorImpl<Type> &types) {                                          \
    return inferBinary(loc, operands, OP::getVerb(), types);                   \
  }
DL_BINARY_INFER(AddOp)
DL_BINARY_INFER(SubOp)
DL_BINARY_INFER(MulOp)
DL_BINARY_INFER(DivOp)
DL_BINARY_INFER(MaximumOp)
DL_BINARY_INFER(MinimumOp)
DL_BINARY_INFER(PowOp)
#undef DL_BINARY_INFER

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &types) {
  if (failed(needTensors(loc, operands, 2, "matmul")))
    return failure();
  auto a = tensorOf(operands[0]), b = tensorOf(operands[1]);
  std::string what = "cannot multiply " + fmt(a) + " by " + fmt(b);
  if (a.getElementType() != b.getElementType())
    return fail(loc, what + ": element types differ");
  int64_t ra = a.getRank(), rb = b.getRank();
  if (!((ra == 2 && rb == 2) || (ra == 3 && rb == 3) || (ra == 3 && rb == 2)))
    return fail(loc, what + ": expected 2-D x 2-D, 3-D x 3-D or 3-D x 2-D "
                            "operands");
  int64_t ka = a.getDimSize(ra - 1), kb = b.getDimSize(rb - 2);
  if (ka != kb)
    return fail(loc, what + ": inner dimensions " + Twine(ka) + " and " +
                         Twine(kb) + " differ");
  SmallVector<int64_t> shape;
  if (ra == 3) {
    if (rb == 3 && a.getDimSize(0) != b.getDimSize(0))
      return fail(loc, what + ": batch dimensions " + Twine(a.getDimSize(0)) +
                           " and " + Twine(b.getDimSize(0)) + " differ");
    shape.push_back(a.getDimSize(0));
  }
  shape.push_back(a.getDimSize(ra - 2));
  shape.push_back(b.getDimSize(rb - 1));
  types.push_back(RankedTensorType::get(shape, a.getElementType()));
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties props, RegionRange regions,
    SmallVectorImpl<Type> &types) {
  Adaptor adaptor(operands, attributes, props, regions);
  if (failed(needTensors(loc, operands, 1, "transpose")) ||
      failed(needAttr(loc, adaptor.getPermAttr(), "transpose", "perm")))
    return failure();
  auto type = tensorOf(operands[0]);
  ArrayRef<int64_t> perm = adaptor.getPerm();
  SmallVector<bool> seen(type.getRank(), false);
  bool valid = (int64_t)perm.size() == type.getRank();
  for (int64_t p : perm) {
    if (!valid || p < 0 || p >= type.getRank() || seen[p]) {
      valid = false;
      break;
    }
    seen[p] = true;
  }
  if (!valid)
    return fail(loc, "cannot transpose " + fmt(type) + " by " + fmtShape(perm) +
                         ": expected a permutation of 0.." +
                         Twine(type.getRank() - 1));
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  types.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

#define DL_REDUCE_INFER(OP)                                                    \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, ValueRange operands,         \
      DictionaryAttr attributes, OpaqueProperties props, RegionRange regions,  \
      SmallVectorImpl<Type> &types) {                                          \
    return inferReduce<OP>(loc, operands, attributes, props, regions, types);  \
  }
DL_REDUCE_INFER(SumOp)
DL_REDUCE_INFER(MeanOp)
DL_REDUCE_INFER(MaxOp)
#undef DL_REDUCE_INFER

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties props, RegionRange regions,
    SmallVectorImpl<Type> &types) {
  Adaptor adaptor(operands, attributes, props, regions);
  if (failed(needTensors(loc, operands, 1, "reshape")) ||
      failed(needAttr(loc, adaptor.getShapeAttr(), "reshape", "shape")))
    return failure();
  auto type = tensorOf(operands[0]);
  SmallVector<int64_t> shape(adaptor.getShape());
  int64_t known = 1, inferred = -1;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (d == -1) {
      if (inferred >= 0)
        return fail(loc, "cannot reshape " + fmt(type) + " to " +
                             fmtShape(shape) + ": at most one -1 is allowed");
      inferred = i;
      continue;
    }
    if (d <= 0)
      return fail(loc, "cannot reshape " + fmt(type) + " to " +
                           fmtShape(shape) + ": sizes must be positive");
    known *= d;
  }
  int64_t count = type.getNumElements();
  if (inferred >= 0) {
    if (count % known != 0)
      return fail(loc, "cannot reshape " + fmt(type) + " (" + Twine(count) +
                           " elements) to " + fmtShape(shape) + ": " +
                           Twine(count) + " is not a multiple of " +
                           Twine(known));
    shape[inferred] = count / known;
  } else if (known != count) {
    return fail(loc, "cannot reshape " + fmt(type) + " (" + Twine(count) +
                         " elements) to " + fmtShape(shape) + " (" +
                         Twine(known) + " elements)");
  }
  types.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties props, RegionRange regions,
    SmallVectorImpl<Type> &types) {
  Adaptor adaptor(operands, attributes, props, regions);
  if (failed(needTensors(loc, operands, 1, "concat")) ||
      failed(needAttr(loc, adaptor.getAxisAttr(), "concat", "axis")))
    return failure();
  auto first = tensorOf(operands[0]);
  int64_t axis = adaptor.getAxis();
  if (failed(checkAxis(loc, axis, first)))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  for (Value v : operands.drop_front()) {
    auto type = tensorOf(v);
    std::string what = "cannot concatenate " + fmt(first) + " and " +
                       fmt(type) + " along axis " + std::to_string(axis);
    if (type.getElementType() != first.getElementType())
      return fail(loc, what + ": element types differ");
    if (type.getRank() != first.getRank())
      return fail(loc, what + ": ranks differ");
    for (int64_t i = 0; i < type.getRank(); ++i)
      if (i != axis && type.getDimSize(i) != first.getDimSize(i))
        return fail(loc, what + ": dimension " + Twine(i) + " differs (" +
                             Twine(first.getDimSize(i)) + " vs " +
                             Twine(type.getDimSize(i)) + ")");
    shape[axis] += type.getDimSize(axis);
  }
  types.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties props, RegionRange regions,
    SmallVectorImpl<Type> &types) {
  Adaptor adaptor(operands, attributes, props, regions);
  if (failed(needTensors(loc, operands, 1, "slice")) ||
      failed(needAttr(loc, adaptor.getAxisAttr(), "slice", "axis")) ||
      failed(needAttr(loc, adaptor.getStartAttr(), "slice", "start")) ||
      failed(needAttr(loc, adaptor.getSizeAttr(), "slice", "size")))
    return failure();
  auto type = tensorOf(operands[0]);
  int64_t axis = adaptor.getAxis(), start = adaptor.getStart(),
          size = adaptor.getSize();
  if (failed(checkAxis(loc, axis, type)))
    return failure();
  int64_t dim = type.getDimSize(axis);
  if (start < 0 || size <= 0 || start > dim || size > dim - start)
    return fail(loc, "cannot slice " + Twine(size) + " elements from " +
                         Twine(start) + " along axis " + Twine(axis) + " of " +
                         fmt(type) + " (size " + Twine(dim) + ")");
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = size;
  types.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

LogicalResult BroadcastToOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties props, RegionRange regions,
    SmallVectorImpl<Type> &types) {
  Adaptor adaptor(operands, attributes, props, regions);
  if (failed(needTensors(loc, operands, 1, "broadcast_to")) ||
      failed(needAttr(loc, adaptor.getShapeAttr(), "broadcast_to", "shape")))
    return failure();
  auto type = tensorOf(operands[0]);
  ArrayRef<int64_t> target = adaptor.getShape();
  int64_t da = 0, db = 0;
  auto shape = broadcastShapes(type.getShape(), target, da, db);
  if (llvm::any_of(target, [](int64_t d) { return d <= 0; }) || !shape ||
      ArrayRef<int64_t>(*shape) != target)
    return fail(loc, "cannot broadcast " + fmt(type) + " to " +
                         fmtShape(target));
  types.push_back(RankedTensorType::get(target, type.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Neural-network primitives
//===----------------------------------------------------------------------===//

#define DL_SOFTMAX_INFER(OP, NAME)                                             \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, ValueRange operands,         \
      DictionaryAttr attributes, OpaqueProperties props, RegionRange regions,  \
      SmallVectorImpl<Type> &types) {                                          \
    Adaptor adaptor(operands, attributes, props, regions);                     \
    if (failed(needTensors(loc, operands, 1, NAME)) ||                         \
        failed(needAttr(loc, adaptor.getAxisAttr(), NAME, "axis")) ||          \
        failed(checkAxis(loc, adaptor.getAxis(), tensorOf(operands[0]))))      \
      return failure();                                                        \
    types.push_back(operands[0].getType());                                    \
    return success();                                                          \
  }
DL_SOFTMAX_INFER(SoftmaxOp, "softmax")
DL_SOFTMAX_INFER(LogSoftmaxOp, "log_softmax")
#undef DL_SOFTMAX_INFER

/// The sequence type `[B, T, H]` of a recurrent layer of `G` gates over
/// `xw : [B, T, GH]` with `whh_t : [H, GH]`, or a located failure.
static FailureOr<RankedTensorType>
recurrentSequence(std::optional<Location> loc, ValueRange operands, int64_t G,
                  StringRef name) {
  if (failed(needTensors(loc, operands, 3, name)))
    return failure();
  auto xw = tensorOf(operands[0]), whhT = tensorOf(operands[1]);
  std::string gh = G == 1 ? "H" : std::to_string(G) + "H";
  if (xw.getRank() != 3 || whhT.getRank() != 2)
    return fail(loc, Twine(name) + " expects xw [B, T, " + gh +
                         "] and whh_t [H, " + gh + "], found " + fmt(xw) +
                         " and " + fmt(whhT));
  return RankedTensorType::get(
      {xw.getDimSize(0), xw.getDimSize(1), whhT.getDimSize(0)},
      xw.getElementType());
}

LogicalResult LstmOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       ValueRange operands, DictionaryAttr,
                                       OpaqueProperties, RegionRange,
                                       SmallVectorImpl<Type> &types) {
  FailureOr<RankedTensorType> seq = recurrentSequence(loc, operands, 4, "lstm");
  if (failed(seq))
    return failure();
  types.append({*seq, *seq, operands[0].getType()});
  return success();
}

LogicalResult RnnOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      ValueRange operands, DictionaryAttr,
                                      OpaqueProperties, RegionRange,
                                      SmallVectorImpl<Type> &types) {
  FailureOr<RankedTensorType> seq = recurrentSequence(loc, operands, 1, "rnn");
  if (failed(seq))
    return failure();
  types.push_back(*seq);
  return success();
}

LogicalResult GruOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      ValueRange operands, DictionaryAttr,
                                      OpaqueProperties, RegionRange,
                                      SmallVectorImpl<Type> &types) {
  FailureOr<RankedTensorType> seq = recurrentSequence(loc, operands, 3, "gru");
  if (failed(seq))
    return failure();
  // The saved gates r, z, n and a_n: [B, T, 4H].
  types.append(
      {*seq, RankedTensorType::get({seq->getDimSize(0), seq->getDimSize(1),
                                    4 * seq->getDimSize(2)},
                                   seq->getElementType())});
  return success();
}

LogicalResult Conv2dOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties props, RegionRange regions,
    SmallVectorImpl<Type> &types) {
  if (failed(needTensors(loc, operands, 2, "conv2d")))
    return failure();
  auto x = tensorOf(operands[0]), w = tensorOf(operands[1]);
  auto intAttr = [&](StringRef name, int64_t dflt) {
    auto attr = attributes ? attributes.getAs<IntegerAttr>(name) : nullptr;
    return attr ? attr.getInt() : dflt;
  };
  int64_t stride = intAttr("stride", 1), pad = intAttr("pad", 0);
  if (x.getRank() != 4)
    return fail(loc, "conv2d expects a 4-D NCHW input, found " + fmt(x));
  if (w.getRank() != 4)
    return fail(loc, "conv2d expects 4-D OIHW weights, found " + fmt(w));
  if (x.getElementType() != w.getElementType())
    return fail(loc, "conv2d input " + fmt(x) + " and weights " + fmt(w) +
                         " have different element types");
  if (x.getDimSize(1) != w.getDimSize(1))
    return fail(loc, "conv2d input " + fmt(x) + " has " +
                         Twine(x.getDimSize(1)) + " channels but weights " +
                         fmt(w) + " expect " + Twine(w.getDimSize(1)));
  if (stride < 1 || pad < 0)
    return fail(loc, "conv2d needs stride >= 1 and pad >= 0, found stride " +
                         Twine(stride) + " and pad " + Twine(pad));
  if (operands.size() > 2) {
    auto b = tensorOf(operands[2]);
    if (b.getRank() != 1 || b.getDimSize(0) != w.getDimSize(0) ||
        b.getElementType() != w.getElementType())
      return fail(loc, "conv2d bias must be " +
                           fmt(RankedTensorType::get({w.getDimSize(0)},
                                                     w.getElementType())) +
                           ", found " + fmt(b));
  }
  int64_t h = x.getDimSize(2) + 2 * pad, wd = x.getDimSize(3) + 2 * pad;
  int64_t kh = w.getDimSize(2), kw = w.getDimSize(3);
  if (kh > h || kw > wd)
    return fail(loc, "conv2d kernel " + Twine(kh) + "x" + Twine(kw) +
                         " does not fit in the padded input " + Twine(h) + "x" +
                         Twine(wd));
  types.push_back(RankedTensorType::get(
      {x.getDimSize(0), w.getDimSize(0), windowCount(h, kh, stride, 0),
       windowCount(wd, kw, stride, 0)},
      x.getElementType()));
  return success();
}

#define DL_POOL_INFER(OP, NAME)                                                \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, ValueRange operands,         \
      DictionaryAttr attributes, OpaqueProperties props, RegionRange regions,  \
      SmallVectorImpl<Type> &types) {                                          \
    Adaptor adaptor(operands, attributes, props, regions);                     \
    if (failed(needTensors(loc, operands, 1, NAME)) ||                         \
        failed(needAttr(loc, adaptor.getSizeAttr(), NAME, "size")) ||          \
        failed(needAttr(loc, adaptor.getStrideAttr(), NAME, "stride")))        \
      return failure();                                                        \
    auto x = tensorOf(operands[0]);                                            \
    int64_t size = adaptor.getSize(), stride = adaptor.getStride();            \
    if (x.getRank() != 4)                                                      \
      return fail(loc, NAME " expects a 4-D NCHW input, found " + fmt(x));    \
    if (size < 1 || stride < 1)                                                \
      return fail(loc, NAME " needs size >= 1 and stride >= 1");              \
    if (size > x.getDimSize(2) || size > x.getDimSize(3))                      \
      return fail(loc, NAME " window " + Twine(size) + "x" + Twine(size) +    \
                           " does not fit in " + fmt(x));                      \
    types.push_back(RankedTensorType::get(                                     \
        {x.getDimSize(0), x.getDimSize(1),                                     \
         windowCount(x.getDimSize(2), size, stride, 0),                        \
         windowCount(x.getDimSize(3), size, stride, 0)},                       \
        x.getElementType()));                                                  \
    return success();                                                          \
  }
DL_POOL_INFER(MaxPool2dOp, "max_pool2d")
DL_POOL_INFER(AvgPool2dOp, "avg_pool2d")
#undef DL_POOL_INFER

LogicalResult DropoutOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &types) {
  if (failed(needTensors(loc, operands, 1, "dropout")))
    return failure();
  types.push_back(operands[0].getType());
  return success();
}

LogicalResult BatchNormOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &types) {
  if (failed(needTensors(loc, operands, 5, "batch_norm")))
    return failure();
  auto x = tensorOf(operands[0]);
  if (x.getRank() < 2)
    return fail(loc, "batch_norm expects an input [N, C, ...] of rank >= 2, "
                     "found " +
                         fmt(x));
  auto channel = RankedTensorType::get({x.getDimSize(1)}, x.getElementType());
  static const char *names[] = {"gamma", "beta", "mean", "var"};
  for (int i = 1; i < 5; ++i)
    if (operands[i].getType() != channel)
      return fail(loc, Twine("batch_norm ") + names[i - 1] + " must be " +
                           fmt(channel) + " for input " + fmt(x) + ", found " +
                           fmt(operands[i].getType()));
  types.append({x, channel, channel});
  return success();
}

LogicalResult OneHotOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties props, RegionRange regions,
    SmallVectorImpl<Type> &types) {
  Adaptor adaptor(operands, attributes, props, regions);
  if (failed(needTensors(loc, operands, 1, "one_hot")) ||
      failed(needAttr(loc, adaptor.getNAttr(), "one_hot", "n")))
    return failure();
  if (adaptor.getN() < 1)
    return fail(loc, "one_hot needs n >= 1, found " + Twine(adaptor.getN()));
  SmallVector<int64_t> shape(tensorOf(operands[0]).getShape());
  shape.push_back(adaptor.getN());
  types.push_back(RankedTensorType::get(shape, Float32Type::get(ctx)));
  return success();
}

LogicalResult GatherOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &types) {
  if (failed(needTensors(loc, operands, 2, "gather")))
    return failure();
  auto table = tensorOf(operands[0]), ids = tensorOf(operands[1]);
  if (table.getRank() != 2)
    return fail(loc, "gather expects a 2-D table [vocab, dim], found " +
                         fmt(table));
  SmallVector<int64_t> shape(ids.getShape());
  shape.push_back(table.getDimSize(1));
  types.push_back(RankedTensorType::get(shape, table.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Losses and metrics
//===----------------------------------------------------------------------===//

#define DL_POINTWISE_LOSS_INFER(OP, NAME)                                      \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *ctx, std::optional<Location> loc, ValueRange operands,      \
      DictionaryAttr, OpaqueProperties, RegionRange,                           \
      SmallVectorImpl<Type> &types) {                                          \
    return inferPointwiseLoss(ctx, loc, operands, NAME, types);                \
  }
DL_POINTWISE_LOSS_INFER(MseOp, "mse")
DL_POINTWISE_LOSS_INFER(BinaryCrossEntropyOp, "binary_cross_entropy")
DL_POINTWISE_LOSS_INFER(BceWithLogitsOp, "bce_with_logits")
#undef DL_POINTWISE_LOSS_INFER

/// Shared by softmax_cross_entropy and accuracy: logits [B, C] and labels
/// i32[B] (or, when `allowDense`, f32[B, C]).
static LogicalResult inferClassification(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         ValueRange operands, StringRef op,
                                         bool allowDense,
                                         SmallVectorImpl<Type> &types) {
  if (failed(needTensors(loc, operands, 2, op)))
    return failure();
  auto logits = tensorOf(operands[0]), labels = tensorOf(operands[1]);
  if (logits.getRank() != 2)
    return fail(loc, Twine(op) + " expects logits [batch, classes], found " +
                         fmt(logits));
  auto ids = RankedTensorType::get({logits.getDimSize(0)},
                                   IntegerType::get(ctx, 32));
  bool ok = labels == ids || (allowDense && labels == logits);
  if (!ok)
    return fail(loc, Twine(op) + " with logits " + fmt(logits) +
                         " expects labels " + fmt(ids) +
                         (allowDense ? " or " + fmt(logits) : std::string()) +
                         ", found " + fmt(labels));
  types.push_back(scalarF32(ctx));
  return success();
}

LogicalResult SoftmaxCrossEntropyOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &types) {
  return inferClassification(ctx, loc, operands, "softmax_cross_entropy",
                             /*allowDense=*/true, types);
}

LogicalResult AccuracyOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &types) {
  return inferClassification(ctx, loc, operands, "accuracy",
                             /*allowDense=*/false, types);
}

LogicalResult L2Op::inferReturnTypes(MLIRContext *ctx,
                                     std::optional<Location> loc,
                                     ValueRange operands, DictionaryAttr,
                                     OpaqueProperties, RegionRange,
                                     SmallVectorImpl<Type> &types) {
  if (operands.empty())
    return fail(loc, "l2 needs at least one tensor");
  types.push_back(scalarF32(ctx));
  return success();
}
