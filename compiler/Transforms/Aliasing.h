//===- Aliasing.h - which buffers of an entry may overlap -----------------===//
//
// One answer for the passes that move reads and writes of buffers
// (dl-fuse-elementwise's stores, dl-lower-copies' forwarding,
// dl-tile-and-vectorize's updates in place and epilogues): the
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
/// allocation) unless both are arena views whose bytes are disjoint, or
/// unit-stride subviews of one buffer whose static offsets and sizes in
/// some dimension do not meet.
/// Different roots (distinct arguments or allocations) do not overlap. A
/// value that is not a memref shares nothing.
bool mayAlias(mlir::Value v, mlir::Value dst);

/// Whether `op` is a load (bufferization.to_tensor) or a store
/// (bufferization.materialize_in_destination) of a view that may alias
/// the memref `buffer`; a store into something other than a buffer counts.
bool loadsOrStores(mlir::Operation *op, mlir::Value buffer);

/// Whether something after `begin` (by default `reader`) and before `end`
/// (or before the op of begin's block that holds `end`) may write a buffer
/// that `reader` reads through a load (to_tensor, also through reshapes
/// and slices of it), as an operand or as a value its regions use from
/// above; true too when `end` is not after `begin` in its block. Computed
/// at `end` instead (fused into its consumer, or a product's loops moved
/// down to their epilogue), `reader` would read the new contents: in a
/// fused training step, a parameter's gradient would read another
/// parameter after its update. (With `begin`, `end` is `reader`: whether
/// it may move up to `begin`.)
bool writtenBetween(mlir::Operation *reader, mlir::Operation *end,
                    mlir::Operation *begin = nullptr);

} // namespace dlc

#endif // DLC_TRANSFORMS_ALIASING_H
