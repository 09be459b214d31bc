//===- LowerVariables.cpp - the dl-lower-variables pass -------------------===//
//
// Gives every entry function the calling convention of the compiled library
// (arena, inputs..., outputs...) and turns params and states into views of
// the arena. See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/VariableLayout.h"
#include "dialects/DL/IR/DLOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace dlc {
#define GEN_PASS_DEF_DLLOWERVARIABLES
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

struct DLLowerVariables : dlc::impl::DLLowerVariablesBase<DLLowerVariables> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    dlc::VariableLayout layout = dlc::computeVariableLayout(module);
    MLIRContext *ctx = &getContext();
    auto arenaType = MemRefType::get({(int64_t)layout.arenaBytes},
                                     IntegerType::get(ctx, 8));
    module->setAttr("dl.arena_bytes",
                    IntegerAttr::get(IntegerType::get(ctx, 64),
                                     layout.arenaBytes));
    for (auto fn : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
      if (!fn->hasAttr("dl.entry"))
        continue;
      if (failed(lowerEntry(fn, layout, arenaType)))
        return signalPassFailure();
    }
    for (Operation &op : llvm::make_early_inc_range(*module.getBody()))
      if (isa<dl::ParamOp, dl::StateOp>(op))
        op.erase();
  }

  LogicalResult lowerEntry(func::FuncOp fn, const dlc::VariableLayout &layout,
                           MemRefType arenaType) {
    MLIRContext *ctx = fn.getContext();
    Block &block = fn.getBody().front();
    Location loc = fn.getLoc();
    auto ret = cast<func::ReturnOp>(block.getTerminator());

    // (arena, inputs..., outputs...), all memrefs.
    Value arena = block.insertArgument(0u, arenaType, loc);
    SmallVector<Type> argTypes = {arenaType};
    OpBuilder b(ctx);
    b.setInsertionPointToStart(&block);
    for (BlockArgument arg : block.getArguments().drop_front()) {
      auto tensor = cast<RankedTensorType>(arg.getType());
      auto memref = MemRefType::get(tensor.getShape(), tensor.getElementType());
      arg.setType(memref);
      auto asTensor = bufferization::ToTensorOp::create(
          b, arg.getLoc(), tensor, arg, /*restrict=*/true, /*writable=*/false);
      arg.replaceAllUsesExcept(asTensor, asTensor);
      argTypes.push_back(memref);
    }
    SmallVector<Value> outputs;
    for (Value result : ret.getOperands()) {
      auto tensor = cast<RankedTensorType>(result.getType());
      auto memref = MemRefType::get(tensor.getShape(), tensor.getElementType());
      outputs.push_back(block.addArgument(memref, loc));
      argTypes.push_back(memref);
    }

    // One view of the arena per variable, read and written through it.
    llvm::StringMap<Value> views;
    auto viewOf = [&](StringRef name, Type tensorType) -> Value {
      if (Value v = views.lookup(name))
        return v;
      OpBuilder vb(ctx);
      vb.setInsertionPointToStart(&block);
      auto tensor = cast<RankedTensorType>(tensorType);
      Value offset = arith::ConstantIndexOp::create(
          vb, loc, layout.offsets.lookup(name));
      Value view = memref::ViewOp::create(
          vb, loc, MemRefType::get(tensor.getShape(), tensor.getElementType()),
          arena, offset, ValueRange{});
      views[name] = view;
      return view;
    };
    WalkResult walk = fn.walk([&](Operation *op) {
      if (auto load = dyn_cast<dl::LoadOp>(op)) {
        if (!layout.offsets.count(load.getName())) {
          load.emitOpError("reads an unknown variable");
          return WalkResult::interrupt();
        }
        OpBuilder lb(load);
        Value view = viewOf(load.getName(), load.getType());
        auto asTensor = bufferization::ToTensorOp::create(
            lb, load.getLoc(), load.getType(), view, /*restrict=*/true,
            /*writable=*/false);
        load.replaceAllUsesWith(asTensor.getResult());
        load.erase();
      } else if (auto assign = dyn_cast<dl::AssignOp>(op)) {
        OpBuilder ab(assign);
        Value view = viewOf(assign.getName(), assign.getValue().getType());
        auto store = bufferization::MaterializeInDestinationOp::create(
            ab, assign.getLoc(), TypeRange{}, assign.getValue(), view);
        store.setWritable(true);
        assign.erase();
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();

    OpBuilder rb(ret);
    for (auto [value, out] : llvm::zip(ret.getOperands(), outputs)) {
      auto store = bufferization::MaterializeInDestinationOp::create(
          rb, ret.getLoc(), TypeRange{}, value, out);
      store.setWritable(true);
      store.setRestrict(true);
    }
    func::ReturnOp::create(rb, ret.getLoc());
    ret.erase();
    fn.setFunctionType(FunctionType::get(ctx, argTypes, {}));
    // The argument/result attributes no longer match; the reflection data
    // keeps the names.
    fn.removeArgAttrsAttr();
    fn.removeResAttrsAttr();
    return success();
  }
};

} // namespace
