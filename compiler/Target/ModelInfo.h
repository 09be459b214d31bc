//===- ModelInfo.h - what the compiled library exposes about a model -------===//
//
// The reflection data of a model (spec/abi.md §2): its params and states
// with their arena offsets and initializers, its entry points with their
// arguments in call order. Collected from the dl module before lowering;
// the glue code and the C header are both generated from it.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TARGET_MODELINFO_H
#define DLC_TARGET_MODELINFO_H

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace dlc {

/// Values of dl_dtype, dl_role, dl_entry_kind and dl_init in runtime/dlrt.h.
enum class DType : int32_t { F32 = 0, I32 = 1, F16 = 2, BF16 = 3 };
enum class Role : int32_t { Input = 0, Output = 1, Loss = 2, Metric = 3 };
enum class EntryKind : int32_t {
  Infer = 0,
  Train = 1,
  Eval = 2,
  Accumulate = 3,
  Apply = 4
};
enum class VariableKind : int32_t {
  Param = 0,
  State = 1,
  Slot = 2,
  Grad = 3,
  Hyper = 4
};

struct ArgInfo {
  std::string name;
  Role role;
  DType dtype;
  std::vector<int64_t> shape;
  int64_t indexLimit = 0; // i32 inputs used as class or embedding ids
};

struct EntryInfo {
  std::string name;
  EntryKind kind;
  std::vector<ArgInfo> args; // inputs, then results
  // A Train entry with an ENTRY_fused body (dl-autodiff) calls that body
  // when the f32 gradient count at `countOffset` in the arena is 0, and
  // accumulate + apply otherwise.
  bool fused = false;
  uint64_t countOffset = 0;
  // SGD declared without momentum: a Train entry with an ENTRY_fused_plain
  // body too calls it instead of ENTRY_fused, and the Apply entry
  // ENTRY_apply calls ENTRY_apply_plain instead of its own body (so does
  // the Train entry after accumulating), while the f32 momentum at
  // `momentumOffset` is 0.
  bool plain = false;
  uint64_t momentumOffset = 0;

  /// Whether the entry has a compiled body of its own (a thunk): all but a
  /// Train entry without a fused body (its M_ENTRY calls accumulate, then
  /// apply).
  bool compiled() const { return kind != EntryKind::Train || fused; }
};

struct VariableInfo {
  std::string name;
  VariableKind kind;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t offset;
  int32_t init; // dl_init
  double args[2] = {0, 0};
  int64_t seed = 0, fanIn = 0, fanOut = 0;
};

struct ModelInfo {
  std::string name;
  uint64_t arenaBytes = 0;
  uint64_t interfaceHash = 0;
  std::vector<VariableInfo> variables;
  std::vector<EntryInfo> entries;
};

/// Collects the model's reflection data from its dl module (entry
/// functions still on tensors, with their dl.* attributes).
ModelInfo collectModelInfo(mlir::ModuleOp module);

/// A C identifier for a .dl name: dots become underscores.
std::string cIdentifier(llvm::StringRef name);

} // namespace dlc

#endif // DLC_TARGET_MODELINFO_H
