//===- DifferentiableOpInterface.h - the VJP of a dl op --------------------===//
//
// The interface declared in DifferentiableOpInterface.td.
//
//===----------------------------------------------------------------------===//

#ifndef DL_INTERFACES_DIFFERENTIABLEOPINTERFACE_H
#define DL_INTERFACES_DIFFERENTIABLEOPINTERFACE_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

#include "dialects/DL/Interfaces/DifferentiableOpInterface.h.inc"

#endif // DL_INTERFACES_DIFFERENTIABLEOPINTERFACE_H
