//===- EliminateEmpty.cpp - the dl-eliminate-empty-tensors pass -----------===//
//
// An empty tensor whose contents end up inserted into a destination (a
// slice of a larger tensor, an entry's output buffer) becomes that
// destination, so the ops write their results in place; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SubsetOpInterface.h"
#include "mlir/Transforms/RegionUtils.h"

namespace dlc {
#define GEN_PASS_DEF_DLELIMINATEEMPTYTENSORS
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// The operand whose buffer `result` will be: the init an op writes into,
/// a loop's initial value. Null when there is none.
OpOperand *tiedInit(OpResult result) {
  Operation *op = result.getOwner();
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(op))
    return dps.getTiedOpOperand(result);
  if (auto loop = dyn_cast<scf::ForOp>(op))
    return &loop.getInitArgsMutable()[result.getResultNumber()];
  if (auto loop = dyn_cast<scf::ForallOp>(op))
    return &loop.getOutputsMutable()[result.getResultNumber()];
  return nullptr;
}

/// The first point where every value of `needed` is defined and that
/// comes before `user`, among: the empty tensor, and right after the
/// definition of each needed value. Null when there is none.
Operation *insertionPoint(DominanceInfo &dominance, Operation *empty,
                          Operation *user, ArrayRef<Value> needed) {
  SmallVector<Operation *> candidates = {empty};
  for (Value v : needed) {
    if (auto arg = dyn_cast<BlockArgument>(v))
      candidates.push_back(&arg.getOwner()->front());
    else
      candidates.push_back(v.getDefiningOp()->getNextNode());
  }
  for (Operation *at : candidates) {
    if (!at || !dominance.dominates(at, user))
      continue;
    if (llvm::all_of(needed, [&](Value v) {
          return dominance.properlyDominates(v, at);
        }))
      return at;
  }
  return nullptr;
}

struct DLEliminateEmptyTensors
    : dlc::impl::DLEliminateEmptyTensorsBase<DLEliminateEmptyTensors> {
  void runOnOperation() override {
    DominanceInfo dominance(getOperation());
    SmallVector<SubsetInsertionOpInterface> inserts;
    getOperation()->walk(
        [&](SubsetInsertionOpInterface op) { inserts.push_back(op); });
    for (SubsetInsertionOpInterface op : inserts)
      eliminate(dominance, op);
  }

  /// Follows the source of `op` back through the ops that write into their
  /// init to an empty tensor, and makes that use of it the subset `op`
  /// writes.
  void eliminate(DominanceInfo &dominance, SubsetInsertionOpInterface op) {
    OpOperand *use = &op.getSourceOperand();
    while (!use->get().getDefiningOp<tensor::EmptyOp>()) {
      auto result = dyn_cast<OpResult>(use->get());
      OpOperand *init = result ? tiedInit(result) : nullptr;
      if (!init || init->get().getType() != result.getType())
        return;
      use = init;
    }
    if (use == &op.getSourceOperand())
      return; // the empty tensor is inserted as it is
    auto empty = use->get().getDefiningOp<tensor::EmptyOp>();
    SmallVector<Value> needed = op.getValuesNeededToBuildSubsetExtraction();
    Operation *at = insertionPoint(dominance, empty, use->getOwner(), needed);
    if (!at) {
      // An offset computed after the op that writes into the empty tensor
      // (the next step's slot of a recurrence) moves up before it, with
      // what it depends on, when it can.
      IRRewriter rewriter(empty);
      at = use->getOwner();
      if (failed(moveValueDefinitions(rewriter, needed, at, dominance)))
        return;
    }
    OpBuilder builder(at);
    Value subset = op.buildSubsetExtraction(builder, empty.getLoc());
    if (!subset)
      return;
    if (subset.getType() != empty.getType()) {
      // (The ops build their source's type; an extraction left unused goes.)
      if (Operation *def = subset.getDefiningOp(); def && def->use_empty())
        def->erase();
      return;
    }
    use->set(subset);
    if (empty->use_empty())
      empty->erase();
  }
};

} // namespace
