//===- Glue.cpp - the exported C interface of a compiled model ------------===//
//
// The structures built here mirror runtime/dlrt.h field by field (the
// runtime test checks them through M_info). Every exported function is a
// few instructions that call the runtime with the model's descriptor; each
// entry M_E(m, args...) packs its pointers into an array for dlrt_invoke,
// which checks them and calls a thunk that unpacks them for the compiled
// body.
//
//===----------------------------------------------------------------------===//

#include "compiler/Target/Glue.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace {

class GlueBuilder {
public:
  GlueBuilder(Module &module, const dlc::ModelInfo &info)
      : m(module), ctx(module.getContext()), info(info) {
    ptr = PointerType::getUnqual(ctx);
    i32 = Type::getInt32Ty(ctx);
    i64 = Type::getInt64Ty(ctx);
    f64 = Type::getDoubleTy(ctx);
    argType = StructType::create(ctx, {ptr, ptr, i64, i32, i32, i32, i32},
                                 "dl_arg_info");
    entryType = StructType::create(ctx, {ptr, ptr, ptr, i32, i32},
                                   "dl_entry_info");
    variableType = StructType::create(
        ctx, {ptr, ptr, i64, ArrayType::get(f64, 2), i64, i64, i64, i32, i32,
              i32, i32},
        "dl_variable_info");
    modelType = StructType::create(
        ctx, {i32, i32, ptr, ptr, i64, i64, ptr, ptr, i32, i32},
        "dl_model_info");
  }

  void build(StringRef dlcVersion) {
    GlobalVariable *descriptor = buildDescriptor(dlcVersion);
    std::string p = info.name + "_";
    forward(p + "create", ptr, {}, "dlrt_instance_create", descriptor);
    forward(p + "arena_bytes", i64, {}, "dlrt_arena_bytes", descriptor);
    forward(p + "create_in", ptr, {ptr, i64}, "dlrt_instance_create_in",
            descriptor);
    forward(p + "destroy", Type::getVoidTy(ctx), {ptr},
            "dlrt_instance_destroy", nullptr);
    forward(p + "save", i32, {ptr, ptr}, "dlrt_save", nullptr);
    forward(p + "load", i32, {ptr, ptr}, "dlrt_load", nullptr);
    forward(p + "load_mem", i32, {ptr, ptr, i64}, "dlrt_load_mem", nullptr);
    forward(p + "set_threads", i32, {ptr, i32}, "dlrt_set_threads", nullptr);
    forward(p + "set_parallel_for", i32, {ptr, ptr, ptr},
            "dlrt_set_parallel_for", nullptr);
    forward(p + "set_hyper", i32, {ptr, ptr, Type::getFloatTy(ctx)},
            "dlrt_set_hyper", nullptr);
    forward(p + "last_error", ptr, {ptr}, "dlrt_instance_error", nullptr);
    Function *infoFn = exported(p + "info", ptr, {});
    IRBuilder<> b(BasicBlock::Create(ctx, "entry", infoFn));
    b.CreateRet(descriptor);
    for (auto [index, entry] : llvm::enumerate(info.entries))
      buildEntry(index, entry);
  }

private:
  Constant *string(StringRef s) {
    return IRBuilder<>(ctx).CreateGlobalString(s, ".str", 0, &m);
  }

  Constant *shape(ArrayRef<int64_t> dims) {
    if (dims.empty())
      return ConstantPointerNull::get(ptr);
    auto *type = ArrayType::get(i64, dims.size());
    SmallVector<Constant *> values;
    for (int64_t d : dims)
      values.push_back(ConstantInt::get(i64, d));
    return new GlobalVariable(m, type, true, GlobalValue::PrivateLinkage,
                              ConstantArray::get(type, values), ".shape");
  }

  template <typename T>
  Constant *table(StructType *type, const std::vector<T> &rows,
                  function_ref<Constant *(const T &, size_t)> row,
                  StringRef name) {
    if (rows.empty())
      return ConstantPointerNull::get(ptr);
    SmallVector<Constant *> values;
    for (auto [i, r] : llvm::enumerate(rows))
      values.push_back(row(r, i));
    auto *arrayType = ArrayType::get(type, rows.size());
    return new GlobalVariable(m, arrayType, true, GlobalValue::PrivateLinkage,
                              ConstantArray::get(arrayType, values), name);
  }

  Constant *i32c(int64_t v) { return ConstantInt::get(i32, v); }
  Constant *i64c(uint64_t v) { return ConstantInt::get(i64, v); }

  GlobalVariable *buildDescriptor(StringRef dlcVersion) {
    Constant *variables = table<dlc::VariableInfo>(
        variableType, info.variables,
        [&](const dlc::VariableInfo &v, size_t) -> Constant * {
          auto *argsType = ArrayType::get(f64, 2);
          return ConstantStruct::get(
              variableType,
              {string(v.name), shape(v.shape), i64c(v.offset),
               ConstantArray::get(argsType, {ConstantFP::get(f64, v.args[0]),
                                             ConstantFP::get(f64, v.args[1])}),
               i64c(v.seed), i64c(v.fanIn), i64c(v.fanOut), i32c((int32_t)v.kind),
               i32c((int32_t)v.dtype), i32c(v.shape.size()), i32c(v.init)});
        },
        ".variables");
    Constant *entries = table<dlc::EntryInfo>(
        entryType, info.entries,
        [&](const dlc::EntryInfo &e, size_t index) -> Constant * {
          Constant *args = table<dlc::ArgInfo>(
              argType, e.args,
              [&](const dlc::ArgInfo &a, size_t) -> Constant * {
                return ConstantStruct::get(
                    argType, {string(a.name), shape(a.shape),
                              i64c(a.indexLimit), i32c((int32_t)a.role),
                              i32c((int32_t)a.dtype), i32c(a.shape.size()),
                              i32c(0)});
              },
              ".args");
          Constant *thunk = e.compiled() ? (Constant *)buildThunk(e)
                                         : ConstantPointerNull::get(ptr);
          return ConstantStruct::get(
              entryType, {string(e.name), args, thunk, i32c((int32_t)e.kind),
                          i32c(e.args.size())});
        },
        ".entries");
    Constant *model = ConstantStruct::get(
        modelType,
        {i32c(1), i32c(0), string(info.name), string(dlcVersion),
         i64c(info.arenaBytes), i64c(info.interfaceHash), entries, variables,
         i32c(info.entries.size()), i32c(info.variables.size())});
    return new GlobalVariable(m, modelType, true, GlobalValue::PrivateLinkage,
                              model, "__dl_model_info");
  }

  /// void thunk(ptr arena, ptr args): calls the body with args unpacked.
  /// A training entry's thunk calls its fused body when the gradient count
  /// is 0 (nothing accumulated), else its accumulate and apply bodies; the
  /// fused body is the plain one while the momentum is 0, where there is
  /// one (SGD declared without momentum).
  Function *buildThunk(const dlc::EntryInfo &e) {
    auto *thunk = Function::Create(
        FunctionType::get(Type::getVoidTy(ctx), {ptr, ptr}, false),
        GlobalValue::InternalLinkage, "__dl_thunk_" + e.name, m);
    IRBuilder<> b(BasicBlock::Create(ctx, "entry", thunk));
    Value *arena = thunk->getArg(0);
    SmallVector<Value *> callArgs = {arena};
    for (size_t i = 0; i < e.args.size(); ++i)
      callArgs.push_back(b.CreateLoad(
          ptr, b.CreateConstGEP1_64(ptr, thunk->getArg(1), i)));
    auto call = [&](const std::string &name, ArrayRef<Value *> args) {
      Function *body = m.getFunction((dlc::kEntryPrefix + name).str());
      b.CreateCall(body->getFunctionType(), body, args);
    };
    Type *f32 = Type::getFloatTy(ctx);
    // Calls `plain` while the momentum is 0, else `general`.
    auto callPlainOr = [&](const std::string &plain, const std::string &general,
                           ArrayRef<Value *> args) {
      if (!e.plain) {
        call(general, args);
        return;
      }
      Value *momentum =
          b.CreateLoad(f32, b.CreateConstGEP1_64(Type::getInt8Ty(ctx), arena,
                                                 e.momentumOffset));
      BasicBlock *plainBlock = BasicBlock::Create(ctx, "plain", thunk);
      BasicBlock *generalBlock = BasicBlock::Create(ctx, "general", thunk);
      BasicBlock *join = BasicBlock::Create(ctx, "join", thunk);
      b.CreateCondBr(b.CreateFCmpOEQ(momentum, ConstantFP::get(f32, 0.0)),
                     plainBlock, generalBlock);
      b.SetInsertPoint(plainBlock);
      call(plain, args);
      b.CreateBr(join);
      b.SetInsertPoint(generalBlock);
      call(general, args);
      b.CreateBr(join);
      b.SetInsertPoint(join);
    };
    if (!e.fused) {
      callPlainOr(e.name + "_plain", e.name, callArgs);
      b.CreateRetVoid();
      return thunk;
    }
    Value *count = b.CreateLoad(
        f32, b.CreateConstGEP1_64(Type::getInt8Ty(ctx), arena, e.countOffset));
    BasicBlock *fused = BasicBlock::Create(ctx, "fused", thunk);
    BasicBlock *split = BasicBlock::Create(ctx, "accumulate", thunk);
    b.CreateCondBr(b.CreateFCmpOEQ(count, ConstantFP::get(f32, 0.0)), fused,
                   split);
    b.SetInsertPoint(fused);
    callPlainOr(e.name + "_fused_plain", e.name + "_fused", callArgs);
    b.CreateRetVoid();
    b.SetInsertPoint(split);
    call(e.name + "_accumulate", callArgs);
    callPlainOr(e.name + "_apply_plain", e.name + "_apply", {arena});
    b.CreateRetVoid();
    return thunk;
  }

  /// int M_E(M* m, args...): dlrt_invoke(m, index, {args...}); a training
  /// entry invokes its accumulate part (the next entry), then, if that
  /// succeeded, its apply part (the one after).
  void buildEntry(size_t index, const dlc::EntryInfo &e) {
    SmallVector<Type *> params(e.args.size() + 1, ptr);
    Function *fn = exported(info.name + "_" + e.name, i32, params);
    IRBuilder<> b(BasicBlock::Create(ctx, "entry", fn));
    auto *arrayType = ArrayType::get(ptr, std::max<size_t>(1, e.args.size()));
    Value *array = b.CreateAlloca(arrayType);
    for (size_t i = 0; i < e.args.size(); ++i)
      b.CreateStore(fn->getArg(i + 1), b.CreateConstGEP2_64(arrayType, array, 0, i));
    FunctionCallee invoke =
        m.getOrInsertFunction("dlrt_invoke", i32, ptr, i32, ptr);
    if (e.compiled()) {
      b.CreateRet(b.CreateCall(invoke, {fn->getArg(0), i32c(index), array}));
      return;
    }
    Value *status = b.CreateCall(invoke, {fn->getArg(0), i32c(index + 1), array});
    BasicBlock *fail = BasicBlock::Create(ctx, "fail", fn);
    BasicBlock *apply = BasicBlock::Create(ctx, "apply", fn);
    b.CreateCondBr(b.CreateICmpNE(status, i32c(0)), fail, apply);
    b.SetInsertPoint(fail);
    b.CreateRet(status);
    b.SetInsertPoint(apply);
    b.CreateRet(b.CreateCall(invoke, {fn->getArg(0), i32c(index + 2), array}));
  }

  Function *exported(const std::string &name, Type *result,
                     ArrayRef<Type *> params) {
    auto *fn = Function::Create(FunctionType::get(result, params, false),
                                GlobalValue::ExternalLinkage, name, m);
    fn->setVisibility(GlobalValue::DefaultVisibility);
    return fn;
  }

  /// An exported function that calls `target(descriptor?, its args...)`.
  void forward(const std::string &name, Type *result, ArrayRef<Type *> params,
               StringRef target, GlobalVariable *descriptor) {
    Function *fn = exported(name, result, params);
    SmallVector<Type *> targetParams;
    if (descriptor)
      targetParams.push_back(ptr);
    targetParams.append(params.begin(), params.end());
    FunctionCallee callee = m.getOrInsertFunction(
        target, FunctionType::get(result, targetParams, false));
    IRBuilder<> b(BasicBlock::Create(ctx, "entry", fn));
    SmallVector<Value *> args;
    if (descriptor)
      args.push_back(descriptor);
    for (Argument &a : fn->args())
      args.push_back(&a);
    Value *call = b.CreateCall(callee, args);
    if (result->isVoidTy())
      b.CreateRetVoid();
    else
      b.CreateRet(call);
  }

  Module &m;
  LLVMContext &ctx;
  const dlc::ModelInfo &info;
  PointerType *ptr;
  Type *i32, *i64, *f64;
  StructType *argType, *entryType, *variableType, *modelType;
};

} // namespace

void dlc::emitGlue(Module &module, const ModelInfo &info,
                   StringRef dlcVersion) {
  GlueBuilder(module, info).build(dlcVersion);
  // The compiled bodies are reached only through the thunks. They stay
  // out of line: the module is optimized in parts (emitObjects), where a
  // body inlined into a thunk would be compiled twice.
  for (Function &fn : module)
    if (fn.getName().starts_with(kEntryPrefix) && !fn.isDeclaration()) {
      fn.setLinkage(GlobalValue::InternalLinkage);
      fn.addFnAttr(Attribute::NoInline);
    }
}
