//===- checkpoint-fuzz.cpp - libFuzzer target over checkpoint loading -----===//
//
// Feeds arbitrary bytes to M_load_mem's implementation for a model with a
// param and a state. Any sanitizer report is a bug; so is a load that fails
// and still changed the arena.
//
//===----------------------------------------------------------------------===//

extern "C" {
#include "dlrt_internal.h"
}

#include <cstdlib>
#include <cstring>
#include <vector>

static const int64_t kShapeW[] = {3, 4};
static const int64_t kShapeS[] = {4};
static const dl_variable_info kVariables[] = {
    {"w", kShapeW, 0, {0, 1}, 42, 3, 4, 0, DL_F32, 2, DL_INIT_UNIFORM},
    {"bn.mean", kShapeS, 64, {0.5, 0}, 0, 0, 0, 1, DL_F32, 1, DL_INIT_CONSTANT},
};
static const dl_model_info kInfo = {DL_ABI_VERSION, 0, "fuzz", "fuzz", 128, 0,
                                    nullptr, kVariables, 0, 2};

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static dlrt_instance *m = dlrt_instance_create(&kInfo);
  dlrt_initialize(&kInfo, m->arena);
  std::vector<uint8_t> before(m->arena, m->arena + kInfo.arena_bytes);
  if (dlrt_load_mem(m, data, size) != 0 &&
      std::memcmp(before.data(), m->arena, kInfo.arena_bytes) != 0)
    abort();
  return 0;
}
