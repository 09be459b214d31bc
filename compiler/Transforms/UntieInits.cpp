//===- UntieInits.cpp - the dl-untie-inits pass ---------------------------===//
//
// Each op that writes into a fill of an empty tensor gets a fill of its own
// before empty-tensor elimination; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

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

/// Gives every destination use of `op`'s result but the first a copy of
/// `op`, placed after it.
void untie(Operation *op) {
  SmallVector<OpOperand *> destinations;
  for (OpOperand &use : op->getResult(0).getUses())
    if (isDestination(use))
      destinations.push_back(&use);
  if (destinations.size() < 2)
    return;
  // In program order (the use list is not): the first writer keeps `op`.
  Block *block = op->getBlock();
  auto position = [&](OpOperand *use) {
    return block->findAncestorOpInBlock(*use->getOwner());
  };
  llvm::stable_sort(destinations, [&](OpOperand *x, OpOperand *y) {
    Operation *a = position(x), *b = position(y);
    return a && b && a != b && a->isBeforeInBlock(b);
  });
  OpBuilder b(op->getContext());
  b.setInsertionPointAfter(op);
  for (OpOperand *use : llvm::drop_begin(destinations))
    use->set(b.clone(*op)->getResult(0));
}

struct DLUntieInits : dlc::impl::DLUntieInitsBase<DLUntieInits> {
  void runOnOperation() override {
    SmallVector<Operation *> fills;
    getOperation().walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() &&
          fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
        fills.push_back(fill);
    });
    for (Operation *op : fills)
      untie(op);
  }
};

} // namespace
