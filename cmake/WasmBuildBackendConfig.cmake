# find_package(WasmBuildBackend): scikit-build-core points WasmBuildBackend_ROOT here
# through this package's `cmake.root` entry point. See WasmBuildBackend.cmake.
include("${CMAKE_CURRENT_LIST_DIR}/WasmBuildBackend.cmake")
