// RUN: dl-opt %s -convert-dl-to-linalg -split-input-file -verify-diagnostics

// Dropout draws its mask from (seed, step); dl-autodiff gives every dropout
// of a training entry its step. One without a step is refused rather than
// given a mask that never changes.
func.func @dropout(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{'dl.dropout' op has no step operand: dl-autodiff supplies it in training entries, and dropout exists nowhere else}}
  // expected-error @+1 {{failed to legalize operation 'dl.dropout' that was explicitly marked illegal}}
  %0 = dl.dropout %x {rate = 0.5 : f64, seed = 1 : i64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}
