// RUN: dl-opt %s -dl-parallelize -split-input-file -verify-diagnostics

// The runtime finds an instance's threads from its arena: without the
// arena of dl-lower-variables there is nothing to hand loops to.
// expected-error @below {{dl-parallelize needs the instance arena of dl-lower-variables}}
module {
  func.func @f(%y: memref<64xf32>) {
    return
  }
}

// -----

// The arena's size is a number of bytes (the pass compares it with
// spread-bytes).
// expected-error @below {{dl-parallelize needs the instance arena of dl-lower-variables}}
module attributes {dl.arena_bytes = "4096"} {
  func.func @f(%y: memref<64xf32>) {
    return
  }
}
