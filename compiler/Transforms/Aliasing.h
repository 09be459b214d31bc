//===- Aliasing.h - which buffers of an entry may overlap -----------------===//
//
// One answer for the passes that move reads and writes of buffers
// (dl-fuse-elementwise's stores, dl-lower-copies' forwarding): the
// variables and temporaries of an entry are views of the instance arena at
// constant offsets, which are told apart by their bytes.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TRANSFORMS_ALIASING_H
#define DLC_TRANSFORMS_ALIASING_H

#include "mlir/IR/Value.h"

namespace dlc {

/// Whether the memref `v` may share memory with the memref `dst`: the same
/// value, a view of it, or any view of the same root buffer (through
/// views, subviews, casts and reshapes to a function argument or an
/// allocation) unless both are arena views whose bytes are disjoint.
/// Different roots (distinct arguments or allocations) do not overlap. A
/// value that is not a memref shares nothing.
bool mayAlias(mlir::Value v, mlir::Value dst);

} // namespace dlc

#endif // DLC_TRANSFORMS_ALIASING_H
