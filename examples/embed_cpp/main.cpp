// Embeds the compiled MNIST classifier in a C++ program through the
// generated dlc::mnist_mlp::Model class, which throws on errors.
#include "mnist_mlp.h"

#include <cstdio>
#include <stdexcept>
#include <vector>

int main() {
  dlc::mnist_mlp::Model model;
  std::vector<float> image(MNIST_MLP_INFER_IMAGE_SIZE);
  for (size_t i = 0; i < image.size(); ++i) // a bright square in the middle
    image[i] = (i / 28 > 8 && i / 28 < 20 && i % 28 > 8 && i % 28 < 20) ? 1.0f : 0.0f;
  std::vector<float> probs(MNIST_MLP_INFER_PROBS_SIZE);
  model.infer(image.data(), probs.data());
  int best = 0;
  for (int c = 1; c < 10; ++c)
    if (probs[c] > probs[best])
      best = c;
  std::printf("class %d with probability %.3f (untrained weights)\n", best, probs[best]);

  try {
    int32_t bad_label[MNIST_MLP_EVAL_LABEL_SIZE] = {42};
    float loss, acc;
    model.eval(image.data(), bad_label, &loss, &acc);
  } catch (const std::runtime_error &e) {
    std::printf("error reported: %s\n", e.what());
  }
  return 0;
}
