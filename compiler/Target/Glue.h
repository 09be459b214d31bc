//===- Glue.h - the exported C interface of a compiled model --------------===//
//
// Adds to the translated LLVM module the reflection data (dl_model_info of
// runtime/dlrt.h) and the exported M_* functions of spec/abi.md §2, which
// forward to the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TARGET_GLUE_H
#define DLC_TARGET_GLUE_H

#include "compiler/Target/ModelInfo.h"

namespace llvm {
class Module;
}

namespace dlc {

/// Prefix of the compiled entry bodies (`__dl_entry_infer`), which the glue
/// wraps; they are internal to the library.
constexpr llvm::StringLiteral kEntryPrefix = "__dl_entry_";

/// Adds the reflection data and the M_* functions of `info` to `module`.
void emitGlue(llvm::Module &module, const ModelInfo &info,
              llvm::StringRef dlcVersion);

} // namespace dlc

#endif // DLC_TARGET_GLUE_H
