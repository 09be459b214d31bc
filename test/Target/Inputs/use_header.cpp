// Drives a compiled model through its generated header's C++ class.
#include "tiny.h"
#include "dlrt.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

int main() {
  dlc::tiny::Model model;
  float x[TINY_INFER_X_SIZE] = {0.5f, -1, 2, 0, 1, -0.25f};
  float probs[TINY_INFER_PROBS_SIZE];
  model.infer(x, probs);
  float sum = probs[0] + probs[1] + probs[2] + probs[3];
  std::printf("infer ok, probabilities sum to %g\n", std::round(sum * 1e5) / 1e5);
  int32_t labels[TINY_EVAL_LABEL_SIZE] = {9, 0};
  float loss, acc;
  try {
    model.eval(x, labels, &loss, &acc);
  } catch (const std::runtime_error &e) {
    std::printf("caught: %s\n", e.what());
  }
  std::printf("arena bytes match: %d\n", (int)(tiny_arena_bytes() == TINY_ARENA_BYTES));
  std::vector<unsigned char> arena(TINY_ARENA_BYTES);
  dlc::tiny::Model placed(arena.data(), arena.size());
  placed.infer(x, probs);
  std::printf("created in caller memory\n");
  return dlc::tiny::Model::info()->num_entries == 2 ? 0 : 1;
}
