// RUN: dl-opt %s -dl-parallelize -verify-diagnostics

// The runtime finds an instance's threads from its arena: without the
// arena of dl-lower-variables there is nothing to hand loops to.
// expected-error @below {{dl-parallelize needs the instance arena of dl-lower-variables}}
module {
  func.func @f(%y: memref<64xf32>) {
    return
  }
}
