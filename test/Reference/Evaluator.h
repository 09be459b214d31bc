//===- Evaluator.h - dl-ref's evaluation of dl IR in double precision -----===//
//
// The reference side of the numerical tests: an entry function of the dl
// dialect evaluated op by op in double precision (Eigen for the matrix
// products), sharing no code with the compiler's lowering.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TEST_REFERENCE_EVALUATOR_H
#define DLC_TEST_REFERENCE_EVALUATOR_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dlref {

/// A dense row-major tensor of doubles.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<double> data;
  int64_t size() const { return (int64_t)data.size(); }
};

/// The number of elements of a tensor of `shape`.
int64_t count(const std::vector<int64_t> &shape);

/// A tensor of `shape` filled with zeros.
Tensor zeros(const std::vector<int64_t> &shape);

/// `fn` evaluated on `inputs` (its arguments, in order), reading params and
/// states from `variables` by name; its results appended to `results`.
/// Fails (with a diagnostic on the op) at an op it cannot evaluate.
mlir::LogicalResult evaluate(mlir::func::FuncOp fn,
                             const std::map<std::string, Tensor> &variables,
                             const std::vector<Tensor> &inputs,
                             std::vector<Tensor> &results);

} // namespace dlref

#endif // DLC_TEST_REFERENCE_EVALUATOR_H
