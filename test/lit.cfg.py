# lit configuration of the dlc test suite.
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "dlc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".dl", ".test"]
config.excludes = ["Inputs", "Reference", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "expect-status"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.dlc_obj_root, "test")

config.environment["FILECHECK_OPTS"] = "-enable-var-scope"
config.substitutions.append(("%expect-status", os.path.join(config.test_source_root, "expect-status")))
config.substitutions.append(("%runtime", os.path.join(config.dlc_src_root, "runtime")))
config.substitutions.append(("%libdir", os.path.join(config.dlc_obj_root, "lib")))
config.substitutions.append(("%cxx", os.path.join(config.llvm_tools_dir, "clang++")))
config.substitutions.append(("%cc", os.path.join(config.llvm_tools_dir, "clang")))
config.substitutions.append(("%dlc_cmake_dir", os.path.join(config.dlc_obj_root, "lib", "cmake", "dlc")))
config.substitutions.append(("%examples", os.path.join(config.dlc_src_root, "examples")))
config.substitutions.append(("%bench", os.path.join(config.dlc_src_root, "bench")))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
# lit -DDLC_FLAGS="--no-fuse" (or -O0 ...) runs every test with these dlc
# options; scripts/test.sh runs the numerical tests so a second and third time.
dlc_flags = lit_config.params.get("DLC_FLAGS", "").split()
tools = [
    ToolSubst("dlc", unresolved="fatal", extra_args=dlc_flags),
    ToolSubst("dl-opt", unresolved="fatal"),
    ToolSubst("dl-ref", unresolved="fatal"),
    ToolSubst("dl-train", unresolved="fatal"),
    ToolSubst("dl-bench", unresolved="fatal"),
]
llvm_config.add_tool_substitutions(tools, [config.dlc_tools_dir, config.llvm_tools_dir])
