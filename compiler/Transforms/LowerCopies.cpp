//===- LowerCopies.cpp - the dl-lower-copies pass -------------------------===//
//
// See Passes.td: results of elementwise ops forwarded into the buffer they
// are copied to; strided memref.copy -> linalg.copy.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Aliasing.h"
#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace dlc {
#define GEN_PASS_DEF_DLLOWERCOPIES
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using dlc::mayAlias;

namespace {

/// Whether `op` (with its regions) uses a value that may alias `dst`.
bool touches(Operation *op, Value dst) {
  WalkResult result = op->walk([&](Operation *inner) {
    for (Value v : inner->getOperands())
      if (mayAlias(v, dst))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return result.wasInterrupted();
}

/// Erases the allocation `src` if nothing but writes into it and its
/// deallocation remain.
void eraseIfDead(Value src) {
  auto alloc = src.getDefiningOp<memref::AllocOp>();
  if (!alloc)
    return;
  SmallVector<Operation *> users(src.getUsers());
  for (Operation *user : users)
    if (!isa<memref::DeallocOp, linalg::FillOp>(user))
      return;
  for (Operation *user : users)
    user->erase();
  alloc.erase();
}

/// After `copy(src, dst)` goes, `src` no longer holds the copied value:
/// the reads of `src` that follow, up to an op that overwrites all of it
/// (a fill, or an elementwise op not reading its old value) or its
/// deallocation, must read `dst` instead, which nothing may write in the
/// meantime (another copy of `src` then copies `dst`, when its target is
/// apart from both). Collects them in `reads`; false if that is not
/// possible.
bool laterReads(memref::CopyOp copy, SmallVectorImpl<OpOperand *> &reads) {
  Value src = copy.getSource(), dst = copy.getTarget();
  bool dstChanged = false;
  for (Operation *op = copy->getNextNode(); op; op = op->getNextNode()) {
    // (A view accesses no memory; the ops that use it are checked.)
    if (isa<memref::SubViewOp>(op))
      continue;
    if (!touches(op, src)) {
      dstChanged |= touches(op, dst);
      continue;
    }
    if (isa<memref::DeallocOp>(op))
      return true;
    // Another copy of src (a value saved in two places) copies dst, when
    // its target is apart from both.
    if (auto other = dyn_cast<memref::CopyOp>(op);
        other && other.getSource() == src && !dstChanged &&
        !mayAlias(other.getTarget(), src) &&
        !mayAlias(other.getTarget(), dst)) {
      reads.push_back(&other.getSourceMutable());
      continue;
    }
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp || dstChanged)
      return false;
    OpOperand *written = nullptr;
    for (OpOperand &init : linalgOp.getDpsInitsMutable()) {
      if (mayAlias(init.get(), dst) ||
          (init.get() != src && mayAlias(init.get(), src)))
        return false;
      if (init.get() == src)
        written = &init;
    }
    for (OpOperand *in : linalgOp.getDpsInputOperands()) {
      if (in->get() == src)
        reads.push_back(in);
      else if (mayAlias(in->get(), src))
        return false;
    }
    if (!written)
      continue;
    // Overwritten (all of it: an elementwise op or a fill) after reading.
    auto generic = dyn_cast<linalg::GenericOp>(op);
    return isa<linalg::FillOp>(op) ||
           (generic && !generic.payloadUsesValueFromOperand(written) &&
            generic.getNumLoops() == generic.getNumParallelLoops() &&
            generic.getMatchingIndexingMap(written).isIdentity());
  }
  return true;
}

/// `copy(src, dst)` of a temporary `src`: when the last op writing `src`
/// before the copy is an elementwise generic (src one of its results), it
/// writes `dst` instead and
/// the copy goes (later reads of `src` read `dst`); when `src` holds a
/// constant written by a linalg.fill, the copy becomes that fill of `dst`. Each
/// iteration of an elementwise op reads its inputs at its own element before
/// writing it, so `dst` may also be one of its inputs at the same (identity)
/// indexing; nothing may use `src` or `dst` between the writer and the copy,
/// nor `src` after it. A `dst` that is a slice made after the writer moves up
/// before it when what it is made of is defined there.
bool forward(memref::CopyOp copy) {
  Value src = copy.getSource(), dst = copy.getTarget();
  // (dst may be strided, a slice of a larger buffer, where src is not.)
  auto srcType = cast<MemRefType>(src.getType());
  auto dstType = cast<MemRefType>(dst.getType());
  if (!src.getDefiningOp<memref::AllocOp>() ||
      srcType.getShape() != dstType.getShape() ||
      srcType.getElementType() != dstType.getElementType())
    return false;
  // A constant (the last op of the block before the copy that uses src
  // fills it): the copy becomes a fill of its target; src keeps its value.
  Operation *filler = copy->getPrevNode();
  while (filler && !touches(filler, src))
    filler = filler->getPrevNode();
  if (auto fill = dyn_cast_or_null<linalg::FillOp>(filler);
      fill && fill.getDpsInitOperand(0)->get() == src) {
    OpBuilder b(copy);
    linalg::FillOp::create(b, copy.getLoc(), fill.getInputs(), ValueRange{dst});
    copy.erase();
    return true;
  }
  // The last op of the block before the copy that uses src or dst, but
  // for slices, which access no memory (dst may be one, made after the
  // writer: it moves up before it below).
  Operation *writer = copy->getPrevNode();
  while (writer && (isa<memref::SubViewOp>(writer) ||
                    (!touches(writer, src) && !touches(writer, dst))))
    writer = writer->getPrevNode();
  if (!writer)
    return false;
  SmallVector<OpOperand *> redirects;
  if (!laterReads(copy, redirects))
    return false;
  auto generic = dyn_cast<linalg::GenericOp>(writer);
  if (!generic || generic.getNumLoops() != generic.getNumParallelLoops())
    return false;
  // The result written to src (an elementwise op may have several, such
  // as an optimizer's new parameter and momentum); its other results must
  // not touch dst.
  OpOperand *written = nullptr;
  for (OpOperand &init : generic.getDpsInitsMutable()) {
    if (init.get() == src)
      written = &init;
    else if (mayAlias(init.get(), dst) || mayAlias(init.get(), src))
      return false;
  }
  if (!written || !generic.getMatchingIndexingMap(written).isIdentity() ||
      !generic.getRegionOutputArgs()[written->getOperandNumber() -
                                     generic.getNumDpsInputs()]
           .use_empty())
    return false;
  for (OpOperand *in : generic.getDpsInputOperands())
    if (mayAlias(in->get(), dst) &&
        (in->get() != dst || !generic.getMatchingIndexingMap(in).isIdentity()))
      return false;
  auto slice = dst.getDefiningOp<memref::SubViewOp>();
  if (slice && slice->getBlock() == generic->getBlock() &&
      generic->isBeforeInBlock(slice)) {
    // The slice moves up before the generic, where what it is made of is
    // already defined.
    for (Value v : slice->getOperands())
      if (Operation *def = v.getDefiningOp();
          def && def->getBlock() == generic->getBlock() &&
          !def->isBeforeInBlock(generic))
        return false;
    slice->moveBefore(generic);
  }
  written->set(dst);
  for (OpOperand *use : redirects)
    use->set(dst);
  copy.erase();
  return true;
}

struct DLLowerCopies : dlc::impl::DLLowerCopiesBase<DLLowerCopies> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      Value src = copy.getSource();
      if (forward(copy)) {
        eraseIfDead(src);
        continue;
      }
      auto source = cast<MemRefType>(copy.getSource().getType());
      auto target = cast<MemRefType>(copy.getTarget().getType());
      if (source.getLayout().isIdentity() && target.getLayout().isIdentity())
        continue;
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
  }
};
} // namespace
