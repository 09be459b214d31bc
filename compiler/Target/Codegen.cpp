//===- Codegen.cpp - LLVM IR to object code and shared libraries ----------===//
//
// See Codegen.h. The shared library is linked by clang-22 with lld: the
// model object, the runtime archive (its symbols hidden and excluded from
// export), libm and libc, with a version script that exports `M_*` only and
// `-z defs`, so an unresolved symbol is a link error rather than a load
// failure later.
//
//===----------------------------------------------------------------------===//

#include "compiler/Target/Codegen.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Transforms/IPO/ConstantMerge.h"
#include "llvm/Transforms/IPO/MergeFunctions.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

#include <thread>

using namespace llvm;

std::unique_ptr<TargetMachine>
dlc::createTargetMachine(const CodegenOptions &options, std::string &error) {
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  Triple triple(sys::getDefaultTargetTriple());
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string cpu = options.cpu;
  std::string features;
  if (cpu == "native") {
    cpu = sys::getHostCPUName().str();
    SubtargetFeatures subtarget;
    for (auto &[name, enabled] : sys::getHostCPUFeatures())
      subtarget.AddFeature(name, enabled);
    features = subtarget.getString();
  } else {
    const MCSubtargetInfo *probe =
        target->createMCSubtargetInfo(triple, "", "");
    bool known = probe && probe->isCPUStringValid(cpu);
    delete probe;
    if (!known) {
      error = "unknown CPU '" + cpu + "' for " + triple.str() +
              " (try native, x86-64, x86-64-v2, x86-64-v3, x86-64-v4, "
              "znver4, skylake-avx512...)";
      return nullptr;
    }
  }
  TargetOptions targetOptions;
  CodeGenOptLevel level = options.optLevel == 0   ? CodeGenOptLevel::None
                          : options.optLevel == 1 ? CodeGenOptLevel::Less
                          : options.optLevel == 2 ? CodeGenOptLevel::Default
                                                  : CodeGenOptLevel::Aggressive;
  return std::unique_ptr<TargetMachine>(target->createTargetMachine(
      triple, cpu, features, targetOptions, Reloc::PIC_, std::nullopt, level));
}

std::unique_ptr<Module> dlc::translateToLLVMIR(ArrayRef<mlir::ModuleOp> parts,
                                               LLVMContext &ctx,
                                               TargetMachine &tm) {
  if (parts.empty())
    return nullptr;
  mlir::DialectRegistry registry;
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  parts.front()->getContext()->appendDialectRegistry(registry);
  std::unique_ptr<Module> linked;
  for (mlir::ModuleOp part : parts) {
    std::unique_ptr<Module> llvmModule =
        mlir::translateModuleToLLVMIR(part, ctx, "model");
    if (!llvmModule)
      return nullptr;
    llvmModule->setDataLayout(tm.createDataLayout());
    llvmModule->setTargetTriple(tm.getTargetTriple());
    if (!linked)
      linked = std::move(llvmModule);
    else if (Linker::linkModules(*linked, std::move(llvmModule)))
      return nullptr;
  }
  return linked;
}

void dlc::mergeIdentical(Module &module) {
  // No code compares the addresses of the module's local functions and
  // constants (entries, their loops, the glue's tables).
  for (GlobalValue &value : module.global_values()) {
    auto *var = dyn_cast<GlobalVariable>(&value);
    if (value.hasLocalLinkage() &&
        (isa<Function>(value) || (var && var->isConstant())))
      value.setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
  }
  ModuleAnalysisManager unused;
  ConstantMergePass().run(module, unused);
  MergeFunctionsPass::runOnModule(module);
}

int64_t dlc::vectorWidth(const TargetMachine &tm) {
  const MCSubtargetInfo *info = tm.getMCSubtargetInfo();
  if (info->checkFeatures("+avx512f"))
    return 16;
  if (info->checkFeatures("+avx"))
    return 8;
  return 4;
}

/// LLVM's full unroller simulates up to 10 iterations of every loop with a
/// constant trip count, looking for loops that fold away once unrolled.
/// dlc's loops arrive tiled and vectorized: on the bench models the
/// simulation decided only the optimizer's 10-element update loops (unrolled
/// by 2 instead of fully without it), and it took 15 % of LeNet's `opt -O2`.
static void skipUnrollSimulation() {
  static const bool done = [] {
    auto &options = cl::getRegisteredOptions();
    if (cl::Option *option =
            options.lookup("unroll-max-iteration-count-to-analyze"))
      option->addOccurrence(0, option->ArgStr, "0");
    return true;
  }();
  (void)done;
}

void dlc::optimize(Module &module, TargetMachine &tm, int optLevel) {
  skipUnrollSimulation();
  // Loop load elimination (a value stored in one iteration and loaded in a
  // later one kept in a register) found nothing in any bench model or
  // example, and its memory dependence analysis took 2 % of LeNet's
  // compile.
  PassInstrumentationCallbacks callbacks;
  callbacks.registerShouldRunOptionalPassCallback(
      [](StringRef pass, Any) { return pass != "LoopLoadEliminationPass"; });
  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  PassBuilder pb(&tm, PipelineTuningOptions(), std::nullopt, &callbacks);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  ModulePassManager mpm;
  if (optLevel == 0)
    mpm = pb.buildO0DefaultPipeline(OptimizationLevel::O0);
  else
    mpm = pb.buildPerModuleDefaultPipeline(
        optLevel == 1   ? OptimizationLevel::O1
        : optLevel == 2 ? OptimizationLevel::O2
                        : OptimizationLevel::O3);
  mpm.run(module, mam);
}

bool dlc::emitCode(Module &module, TargetMachine &tm, raw_pwrite_stream &os,
                   bool assembly, std::string &error) {
  legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             assembly ? CodeGenFileType::AssemblyFile
                                      : CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit this file type";
    return false;
  }
  pm.run(module);
  return true;
}

bool dlc::emitObjects(Module &module, const CodegenOptions &options,
                      unsigned parts, SmallVectorImpl<std::string> &objects,
                      std::string &error) {
  // Functions go to the parts largest first, each to the part with the
  // fewest instructions so far (one part would otherwise wait for the
  // largest ones); the other definitions go to part 0. Local symbols
  // become hidden ones so that the parts can refer to each other (the
  // static archive's link makes them local again).
  parts = std::max(parts, 1u);
  // (Sizes tie in module order.)
  SmallVector<std::tuple<unsigned, unsigned, Function *>> functions;
  for (Function &fn : module)
    if (!fn.isDeclaration())
      functions.push_back({fn.getInstructionCount(), functions.size(), &fn});
  llvm::sort(functions, [](const auto &a, const auto &b) {
    return std::get<0>(a) != std::get<0>(b) ? std::get<0>(a) > std::get<0>(b)
                                            : std::get<1>(a) < std::get<1>(b);
  });
  DenseMap<const GlobalValue *, unsigned> partOf;
  SmallVector<uint64_t> load(parts, 0);
  for (auto [size, index, fn] : functions) {
    unsigned least = std::min_element(load.begin(), load.end()) - load.begin();
    partOf[fn] = least;
    load[least] += size;
  }
  // Local constants of plain data (a zero the code loads, a shape) are
  // copied into every part instead, where optimization can still fold
  // their loads.
  auto copied = [](const GlobalValue *value) {
    auto *var = dyn_cast<GlobalVariable>(value);
    return var && var->hasLocalLinkage() && var->isConstant() &&
           var->hasInitializer() && isa<ConstantData>(var->getInitializer());
  };
  for (GlobalValue &value : module.global_values()) {
    if (copied(&value))
      continue;
    if (!value.hasName())
      value.setName("__dl_unnamed");
    if (value.hasLocalLinkage()) {
      value.setLinkage(GlobalValue::ExternalLinkage);
      value.setVisibility(GlobalValue::HiddenVisibility);
    }
  }
  // The parts share the module's context, which one thread at a time may
  // use: each travels to its thread as bitcode, where it is optimized and
  // compiled. (Nothing crosses the parts that optimization would use: the
  // entry bodies are not inlined, the parallel tasks are called through
  // the runtime.)
  SmallVector<SmallString<0>> codes(parts);
  for (unsigned i = 0; i < parts; ++i) {
    ValueToValueMapTy map;
    std::unique_ptr<Module> part =
        CloneModule(module, map, [&](const GlobalValue *value) {
          if (copied(value))
            return true;
          auto it = partOf.find(value);
          return it == partOf.end() ? i == 0 : it->second == i;
        });
    raw_svector_ostream os(codes[i]);
    WriteBitcodeToFile(*part, os);
  }
  SmallVector<std::string> paths(codes.size()), errors(codes.size());
  auto compile = [&](size_t i) {
    LLVMContext ctx;
    Expected<std::unique_ptr<Module>> part =
        parseBitcodeFile(MemoryBufferRef(codes[i], "part"), ctx);
    if (!part) {
      errors[i] = toString(part.takeError());
      return;
    }
    std::unique_ptr<TargetMachine> machine =
        createTargetMachine(options, errors[i]);
    if (!machine)
      return;
    optimize(**part, *machine, options.optLevel);
    SmallString<128> path;
    int fd;
    if (sys::fs::createTemporaryFile("dlc-model", "o", fd, path)) {
      errors[i] = "cannot create a temporary file";
      return;
    }
    paths[i] = path.str().str();
    raw_fd_ostream os(fd, /*shouldClose=*/true);
    emitCode(**part, *machine, os, /*assembly=*/false, errors[i]);
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < codes.size(); ++i)
    threads.emplace_back(compile, i);
  compile(0);
  for (std::thread &t : threads)
    t.join();
  for (const std::string &e : errors)
    if (!e.empty() && error.empty())
      error = e;
  for (const std::string &path : paths)
    if (!path.empty())
      objects.push_back(path);
  return error.empty();
}

/// The C compiler driver that links: clang-22 next to LLVM's tools, or on
/// the PATH.
static std::string findLinkerDriver() {
  for (StringRef candidate : {DLC_LLVM_TOOLS_DIR "/clang", "clang-22"}) {
    if (sys::fs::can_execute(candidate))
      return candidate.str();
    if (auto found = sys::findProgramByName(candidate))
      return *found;
  }
  return "";
}

bool dlc::linkSharedLibrary(ArrayRef<std::string> objects, StringRef outputPath,
                            StringRef finalPath, StringRef modelName,
                            StringRef runtimeDir, std::string &error) {
  std::string driver = findLinkerDriver();
  if (driver.empty()) {
    error = "cannot find clang-22 to link the library (install clang-22 "
            "and lld-22)";
    return false;
  }
  std::string runtime = (runtimeDir + "/libdlrt.a").str();
  if (!sys::fs::exists(runtime)) {
    error = "cannot find the runtime library '" + runtime + "'";
    return false;
  }
  SmallString<128> script;
  int fd;
  if (sys::fs::createTemporaryFile("dlc-exports", "map", fd, script)) {
    error = "cannot create a temporary file";
    return false;
  }
  {
    raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << "{ global: " << modelName << "_*; local: *; };\n";
  }
  std::string versionScript = ("-Wl,--version-script=" + script).str();
  std::string soname =
      ("-Wl,-soname," + sys::path::filename(finalPath)).str();
  std::string errors;
  SmallVector<StringRef> args = {driver,
                                 "-shared",
                                 "-fuse-ld=lld",
                                 "-o",
                                 outputPath};
  for (const std::string &object : objects)
    args.push_back(object);
  args.append({runtime, "-lm", "-lpthread", versionScript,
               "-Wl,--exclude-libs,ALL", "-Wl,-z,defs", soname,
               "-Wl,--as-needed"});
  SmallString<128> log;
  sys::fs::createTemporaryFile("dlc-link", "log", log);
  std::optional<StringRef> redirects[] = {std::nullopt, log.str(), log.str()};
  int status = sys::ExecuteAndWait(driver, args, std::nullopt, redirects, 0, 0,
                                   &errors);
  sys::fs::remove(script);
  if (status != 0) {
    auto text = MemoryBuffer::getFile(log);
    error = "linking failed: " +
            (text ? (*text)->getBuffer().trim().str() : errors);
    sys::fs::remove(log);
    return false;
  }
  sys::fs::remove(log);
  return true;
}

/// Runs `args` (args[0] is the program), capturing its output into `error`
/// on failure.
static bool run(ArrayRef<StringRef> args, StringRef what, std::string &error) {
  SmallString<128> log;
  sys::fs::createTemporaryFile("dlc-tool", "log", log);
  std::optional<StringRef> redirects[] = {std::nullopt, log.str(), log.str()};
  std::string message;
  int status =
      sys::ExecuteAndWait(args[0], args, std::nullopt, redirects, 0, 0, &message);
  if (status != 0) {
    auto text = MemoryBuffer::getFile(log);
    error = (what + " failed: " +
             (text ? (*text)->getBuffer().trim().str() : message))
                .str();
  }
  sys::fs::remove(log);
  return status == 0;
}

static std::string llvmTool(StringRef name) {
  std::string path = (Twine(DLC_LLVM_TOOLS_DIR) + "/" + name).str();
  if (sys::fs::can_execute(path))
    return path;
  if (auto found = sys::findProgramByName((name + "-22").str()))
    return *found;
  return "";
}

bool dlc::linkStaticArchive(ArrayRef<std::string> objects, StringRef outputPath,
                            StringRef modelName, StringRef runtimeDir,
                            std::string &error) {
  std::string lld = llvmTool("ld.lld"), objcopy = llvmTool("llvm-objcopy"),
              ar = llvmTool("llvm-ar");
  if (lld.empty() || objcopy.empty() || ar.empty()) {
    error = "cannot find ld.lld, llvm-objcopy and llvm-ar of LLVM 22 "
            "(install lld-22 and llvm-22)";
    return false;
  }
  std::string runtime = (runtimeDir + "/libdlrt.a").str();
  SmallString<128> combined;
  if (sys::fs::createTemporaryFile("dlc-combined", "o", combined)) {
    error = "cannot create a temporary file";
    return false;
  }
  std::string keep = ("--keep-global-symbol=" + modelName + "_*").str();
  sys::fs::remove(outputPath); // llvm-ar would read an existing file
  SmallVector<StringRef> relink = {lld, "-r", "-o", combined};
  for (const std::string &object : objects)
    relink.push_back(object);
  relink.append({"--whole-archive", runtime});
  bool ok =
      run(relink, "ld.lld -r", error) &&
      run({objcopy, "--wildcard", keep, combined}, "llvm-objcopy", error) &&
      run({ar, "rcsD", outputPath, combined}, "llvm-ar", error);
  sys::fs::remove(combined);
  return ok;
}
