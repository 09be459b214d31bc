//===- DLDialect.cpp - registration of the dl dialect ---------------------===//
//
// Registers the ops of the `dl` dialect and materializes folded constants.
//
//===----------------------------------------------------------------------===//

#include "dialects/DL/IR/DLOps.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;

#include "dialects/DL/IR/DLOpsDialect.cpp.inc"

void dl::DLDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/DL/IR/DLOps.cpp.inc"
      >();
}

Operation *dl::DLDialect::materializeConstant(OpBuilder &builder,
                                              Attribute value, Type type,
                                              Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}

std::string dl::formatType(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor) {
    os << type;
    return text;
  }
  os << tensor.getElementType() << '[';
  llvm::interleaveComma(tensor.getShape(), os);
  os << ']';
  return text;
}
