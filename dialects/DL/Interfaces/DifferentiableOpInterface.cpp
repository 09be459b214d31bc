//===- DifferentiableOpInterface.cpp - the VJP of a dl op ------------------===//
//
// The generated definitions of the interface; each op's rule is in
// dialects/DL/IR/DLGradients.cpp.
//
//===----------------------------------------------------------------------===//

#include "dialects/DL/Interfaces/DifferentiableOpInterface.h"

#include "dialects/DL/Interfaces/DifferentiableOpInterface.cpp.inc"
