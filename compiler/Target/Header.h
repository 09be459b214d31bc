//===- Header.h - the C header of a compiled model ------------------------===//
//
// `dlc --emit=header`: the declarations of the library's M_* functions with
// the shapes of their arguments in comments and macros, and a small C++
// RAII class that throws on errors unless DLC_NO_EXCEPTIONS is defined.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TARGET_HEADER_H
#define DLC_TARGET_HEADER_H

#include "compiler/Target/ModelInfo.h"

#include "llvm/Support/raw_ostream.h"

namespace dlc {

/// Bytes the runtime's instance header takes before the arena (must match
/// DLRT_INSTANCE_HEADER_BYTES of runtime/dlrt_internal.h, which checks it).
constexpr uint64_t kInstanceHeaderBytes = 576;
/// Alignment slack M_create_in needs in caller memory.
constexpr uint64_t kInstanceAlignment = 64;

void emitHeader(llvm::raw_ostream &os, const ModelInfo &info,
                llvm::StringRef source);

} // namespace dlc

#endif // DLC_TARGET_HEADER_H
