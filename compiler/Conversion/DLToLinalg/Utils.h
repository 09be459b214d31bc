//===- Utils.h - builders shared by the dl-to-linalg patterns -------------===//
//
// Elementwise generics with NumPy broadcasting, reductions over axes,
// reshapes, and scalar arithmetic that works on float and integer elements.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_CONVERSION_DLTOLINALG_UTILS_H
#define DLC_CONVERSION_DLTOLINALG_UTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace dlc::lowering {

using BodyFn = llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                              mlir::ValueRange)>;

/// A tensor.empty of `type`.
mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type);
/// A tensor of `type` filled with `value`.
mlir::Value filledTensor(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type, double value);
/// A scalar constant of `type` (float or integer).
mlir::Value scalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type,
                   double value);
/// The lowest value of `type` (-inf for floats), the identity of max.
mlir::Value lowest(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type);

/// The indexing map of an operand of `type` in the iteration space of an
/// elementwise op producing `resultShape`, by NumPy broadcasting.
mlir::AffineMap broadcastMap(mlir::MLIRContext *ctx,
                             llvm::ArrayRef<int64_t> resultShape,
                             mlir::RankedTensorType operand);

/// An elementwise linalg.generic producing `resultType` from `inputs`
/// (broadcast to it); `body` maps the input scalars to the result scalar.
mlir::Value elementwise(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType resultType,
                        mlir::ValueRange inputs, BodyFn body);

enum class ReduceKind { Sum, Max };

/// `x` divided elementwise by the constant `divisor` (means, averages).
mlir::Value divideBy(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                     double divisor);

/// 0, 1, ..., rank - 1.
llvm::SmallVector<int64_t> allAxes(int64_t rank);

/// A parallel generic producing `resultType` from `input`, whose dimensions
/// are the leading ones of the result ([..., n] from [...]); `body` gets the
/// input scalar and builds the result scalar (it may use linalg.index).
mlir::Value overLeadingInput(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType resultType,
                             mlir::Value input, BodyFn body);

/// Reduces `x` over `axes` (sorted, unique) with a sum or a max; the result
/// drops the reduced axes.
mlir::Value reduce(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                   llvm::ArrayRef<int64_t> axes, ReduceKind kind);

/// A generic over the shape of `full` whose inputs are `full`-shaped values
/// and values reduced over `axis` (rank one less), broadcast back along it.
mlir::Value alongAxis(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::RankedTensorType resultType, int64_t axis,
                      mlir::ValueRange fullInputs,
                      mlir::ValueRange reducedInputs, BodyFn body);

/// softmax (`log` false) or log_softmax (`log` true) of `x` along `axis`,
/// with the maximum subtracted first.
mlir::Value softmax(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                    int64_t axis, bool log);

/// The mean of every element of `x`, as a 0-d tensor.
mlir::Value meanAll(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// `source` inserted into `dest` at the static `offsets`, with `strides`
/// (unit strides when empty).
mlir::Value insertAt(mlir::OpBuilder &b, mlir::Location loc, mlir::Value source,
                     mlir::Value dest, llvm::ArrayRef<int64_t> offsets,
                     llvm::ArrayRef<int64_t> strides = {});
/// The `sizes` slice of `source` at `offsets`, with `strides`.
mlir::Value extractAt(mlir::OpBuilder &b, mlir::Location loc, mlir::Value source,
                      llvm::ArrayRef<int64_t> offsets,
                      llvm::ArrayRef<int64_t> sizes,
                      llvm::ArrayRef<int64_t> strides);

/// `x` with its dimensions permuted by `perm` (linalg.transpose).
mlir::Value transpose(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      llvm::ArrayRef<int64_t> perm);

/// Reshapes `x` to `type` (same element count) with collapse/expand_shape.
mlir::Value reshape(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                    mlir::RankedTensorType type);

// Scalar arithmetic on float or integer operands.
mlir::Value add(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                mlir::Value y);
mlir::Value sub(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                mlir::Value y);
mlir::Value mul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                mlir::Value y);
mlir::Value div(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                mlir::Value y);
mlir::Value max(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                mlir::Value y);
mlir::Value min(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                mlir::Value y);

/// 1 / (1 + exp(-x)) of a float scalar.
mlir::Value sigmoid(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// x > 0 ? x : slope * x of a float scalar.
mlir::Value leakyRelu(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                      double slope);

mlir::RankedTensorType tensorType(mlir::Value v);

// Convolution and pooling (NCHW).

/// `x` [N, C, H, W] with `pad` zeros on each side of H and W.
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       int64_t pad);
/// Pooling windows of up to this many positions (with a stride above 1)
/// are read as one input per position, in one loop nest over the outputs.
constexpr int64_t kUnrolledWindow = 16;
/// The maps of those inputs: position (i, j) of the window of output
/// [n, c, oh, ow] (row-major) at x[n, c, oh * stride + i, ow * stride + j].
llvm::SmallVector<mlir::AffineMap>
windowPositionMaps(mlir::MLIRContext *ctx, int64_t size, int64_t stride);
/// The strides and dilations attributes of a linalg convolution or pooling.
llvm::SmallVector<mlir::NamedAttribute>
windowAttrs(mlir::OpBuilder &b, int64_t stride, int64_t dilation = 1);
/// A per-channel vector [C] reshaped to broadcast along axis 1 of a tensor
/// of `rank` ([C, 1, ..., 1]).
mlir::Value channelVector(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                          int64_t rank);

} // namespace dlc::lowering

#endif // DLC_CONVERSION_DLTOLINALG_UTILS_H
