// RUN: dl-opt %s -convert-dl-to-linalg -split-input-file -verify-diagnostics

// Dropout appears only in training entries, which this version does not
// compile: the conversion reports it rather than producing wrong code.
func.func @dropout(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{failed to legalize operation 'dl.dropout' that was explicitly marked illegal}}
  %0 = dl.dropout %x {rate = 0.5 : f64, seed = 1 : i64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}
