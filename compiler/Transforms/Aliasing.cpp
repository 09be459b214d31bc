//===- Aliasing.cpp - which buffers of an entry may overlap ---------------===//
//
// See Aliasing.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Aliasing.h"
#include "compiler/Transforms/VariableLayout.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

namespace {

/// The buffer `v` is a view of: through subviews, views, casts and
/// reshapes to the function argument or allocation it comes from.
Value rootOf(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(def))
      v = view.getViewSource();
    else
      break;
  }
  return v;
}

/// Bytes [first, last) of the arena that `v`, a memref.view at a constant
/// offset with a static shape, covers; none otherwise.
std::optional<std::pair<int64_t, int64_t>> arenaRange(Value v) {
  auto view = v.getDefiningOp<memref::ViewOp>();
  if (!view)
    return std::nullopt;
  auto type = cast<MemRefType>(view.getType());
  std::optional<int64_t> offset = getConstantIntValue(view.getByteShift());
  if (!offset || !type.hasStaticShape() || !type.getLayout().isIdentity() ||
      !type.getElementType().isIntOrFloat())
    return std::nullopt;
  int64_t bytes =
      type.getNumElements() * dlc::elementBytes(type.getElementType());
  return std::make_pair(*offset, *offset + bytes);
}

/// Whether `a` and `b` are unit-stride subviews of the same buffer that
/// some dimension tells apart: static offsets and sizes there whose
/// element ranges do not meet (a recurrent step's gates, side by side in
/// one saved sequence at the same dynamic step).
bool disjointSubviews(Value a, Value b) {
  auto x = a.getDefiningOp<memref::SubViewOp>();
  auto y = b.getDefiningOp<memref::SubViewOp>();
  if (!x || !y || x.getSource() != y.getSource())
    return false;
  auto unit = [](memref::SubViewOp view) {
    return llvm::all_of(view.getMixedStrides(), [](OpFoldResult s) {
      return isConstantIntValue(s, 1);
    });
  };
  if (!unit(x) || !unit(y))
    return false;
  for (auto [xo, xs, yo, ys] :
       llvm::zip(x.getMixedOffsets(), x.getMixedSizes(), y.getMixedOffsets(),
                 y.getMixedSizes())) {
    std::optional<int64_t> x0 = getConstantIntValue(xo),
                           xn = getConstantIntValue(xs),
                           y0 = getConstantIntValue(yo),
                           yn = getConstantIntValue(ys);
    if (x0 && xn && y0 && yn && (*x0 + *xn <= *y0 || *y0 + *yn <= *x0))
      return true;
  }
  return false;
}

} // namespace

bool dlc::mayAlias(Value v, Value dst) {
  if (!isa<BaseMemRefType>(v.getType()))
    return false;
  if (v == dst)
    return true;
  if (rootOf(v) != rootOf(dst) || disjointSubviews(v, dst))
    return false;
  auto a = arenaRange(v), b = arenaRange(dst);
  return !a || !b || (a->first < b->second && b->first < a->second);
}

bool dlc::loadsOrStores(Operation *op, Value buffer) {
  if (auto load = dyn_cast<bufferization::ToTensorOp>(op))
    return mayAlias(load.getBuffer(), buffer);
  if (auto store = dyn_cast<bufferization::MaterializeInDestinationOp>(op))
    return !isa<MemRefType>(store.getDest().getType()) ||
           mayAlias(store.getDest(), buffer);
  return false;
}

bool dlc::writtenBetween(Operation *reader, Operation *end, Operation *begin) {
  if (!begin)
    begin = reader;
  llvm::SetVector<Value> read;
  read.insert(reader->operand_begin(), reader->operand_end());
  getUsedValuesDefinedAbove(reader->getRegions(), read);
  SmallVector<Value> buffers;
  for (Value v : read)
    while (Operation *def = v.getDefiningOp()) {
      if (auto load = dyn_cast<bufferization::ToTensorOp>(def)) {
        buffers.push_back(load.getBuffer());
        break;
      }
      if (!isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
               tensor::ExtractSliceOp>(def))
        break;
      v = def->getOperand(0);
    }
  if (buffers.empty())
    return false;
  Operation *last = begin->getBlock()->findAncestorOpInBlock(*end);
  if (!last || !begin->isBeforeInBlock(last))
    return true;
  for (Operation *op = begin->getNextNode(); op != last;
       op = op->getNextNode()) {
    WalkResult written = op->walk([&](Operation *inner) {
      if (auto store =
              dyn_cast<bufferization::MaterializeInDestinationOp>(inner))
        return llvm::any_of(buffers,
                            [&](Value buffer) {
                              return loadsOrStores(store, buffer);
                            })
                   ? WalkResult::interrupt()
                   : WalkResult::advance();
      // Other writes of memory (only stores are expected here) count; the
      // ops of tiled loops on tensors, whose inserts into their shared
      // results declare no effects, and loops, whose bodies are walked, do
      // not.
      if (isa<bufferization::ToTensorOp, tensor::ParallelInsertSliceOp>(
              inner) ||
          inner->hasTrait<OpTrait::IsTerminator>() ||
          inner->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        return WalkResult::advance();
      auto effects = dyn_cast<MemoryEffectOpInterface>(inner);
      return !effects || effects.hasEffect<MemoryEffects::Write>()
                 ? WalkResult::interrupt()
                 : WalkResult::advance();
    });
    if (written.wasInterrupted())
      return true;
  }
  return false;
}
