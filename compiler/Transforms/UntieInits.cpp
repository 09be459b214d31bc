//===- UntieInits.cpp - the dl-untie-inits pass ---------------------------===//
//
// Each op that writes into a fill of an empty tensor gets a fill of its own
// before empty-tensor elimination, and each op that writes into a slice of
// an empty tensor an empty tensor of its own; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

#include "llvm/ADT/SetVector.h"

namespace dlc {
#define GEN_PASS_DEF_DLUNTIEINITS
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// Whether `use` is the destination an op writes into.
bool isDestination(OpOperand &use) {
  auto dps = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
  return dps && dps.isDpsInit(&use);
}

/// Sorts `uses` in the program order of the ops of `block` that hold them
/// (the order of a use list is not); uses under one op keep their order.
/// False, leaving them as they are, when one is not under an op of `block`.
bool sortInProgramOrder(Block *block, SmallVectorImpl<OpOperand *> &uses) {
  SmallVector<std::tuple<Operation *, unsigned, OpOperand *>> keyed;
  for (auto [i, use] : llvm::enumerate(uses)) {
    Operation *at = block->findAncestorOpInBlock(*use->getOwner());
    if (!at)
      return false;
    keyed.push_back({at, i, use});
  }
  llvm::sort(keyed, [](const auto &x, const auto &y) {
    Operation *a = std::get<0>(x), *b = std::get<0>(y);
    return a != b ? a->isBeforeInBlock(b) : std::get<1>(x) < std::get<1>(y);
  });
  for (auto [i, k] : llvm::enumerate(keyed))
    uses[i] = std::get<2>(k);
  return true;
}

/// Gives every destination use of `op`'s result but the first a copy of
/// `op`, placed after it.
void untie(Operation *op) {
  SmallVector<OpOperand *> destinations;
  for (OpOperand &use : op->getResult(0).getUses())
    if (isDestination(use))
      destinations.push_back(&use);
  if (destinations.size() < 2)
    return;
  // The first writer keeps `op`.
  (void)sortInProgramOrder(op->getBlock(), destinations);
  OpBuilder b(op->getContext());
  b.setInsertionPointAfter(op);
  for (OpOperand *use : llvm::drop_begin(destinations))
    use->set(b.clone(*op)->getResult(0));
}

/// Gives every op that writes into a slice of `empty` (the main part of a
/// split product: its result is inserted back into `empty`, and the rest
/// written into the insert's result) a copy of `empty` and of the slice,
/// and inserts its result into that copy, when another op writes into
/// `empty` or a slice of it too. CSE merges equal empty tensors and
/// slices, so the products of two layers of the same shape wrote into one
/// slice, and a third op into the whole: one-shot bufferization gave the
/// first product a buffer of its own and copied its rows into the whole
/// tensor's (the MLP's X W1 at batch 256: 252 rows of 512, 32 us a step).
/// Ops that write into all of `empty` (fills) keep sharing it; inserts
/// into it or into its slices belong to the op whose result they insert.
void untieSlices(tensor::EmptyOp empty) {
  SmallVector<OpOperand *> slices;
  int64_t writers = 0;
  for (OpOperand &use : empty->getUses()) {
    if (isDestination(use) && !isa<tensor::InsertSliceOp>(use.getOwner()))
      ++writers;
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(use.getOwner()))
      for (OpOperand &sliceUse : slice->getUses())
        if (isDestination(sliceUse) &&
            !isa<tensor::InsertSliceOp>(sliceUse.getOwner()))
          slices.push_back(&sliceUse);
  }
  // (Each writer's copies go before the op of `empty`'s block it is in.)
  Block *block = empty->getBlock();
  auto at = [&](OpOperand *use) {
    return block->findAncestorOpInBlock(*use->getOwner());
  };
  if (slices.empty() || writers + slices.size() < 2 ||
      !llvm::all_of(slices, at))
    return;
  OpBuilder b(empty->getContext());
  SetVector<Operation *> replaced;
  for (OpOperand *use : slices) {
    b.setInsertionPoint(at(use));
    Value copy = b.clone(*empty)->getResult(0);
    IRMapping map;
    map.map(empty.getResult(), copy);
    Operation *slice = use->get().getDefiningOp();
    replaced.insert(slice);
    use->set(b.clone(*slice, map)->getResult(0));
    auto writer = cast<DestinationStyleOpInterface>(use->getOwner());
    for (OpOperand &user : writer.getTiedOpResult(use).getUses())
      if (auto insert = dyn_cast<tensor::InsertSliceOp>(user.getOwner());
          insert && &user == &insert.getSourceMutable() &&
          insert.getDest() == empty.getResult())
        insert.getDestMutable().assign(copy);
  }
  for (Operation *slice : replaced)
    if (slice->use_empty())
      slice->erase();
}

struct DLUntieInits : dlc::impl::DLUntieInitsBase<DLUntieInits> {
  void runOnOperation() override {
    SmallVector<Operation *> fills;
    SmallVector<tensor::EmptyOp> empties;
    getOperation().walk([&](Operation *op) {
      if (auto fill = dyn_cast<linalg::FillOp>(op);
          fill && fill.hasPureTensorSemantics() &&
          fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
        fills.push_back(fill);
      if (auto empty = dyn_cast<tensor::EmptyOp>(op))
        empties.push_back(empty);
    });
    for (Operation *op : fills)
      untie(op);
    for (tensor::EmptyOp empty : empties)
      untieSlices(empty);
  }
};

} // namespace
