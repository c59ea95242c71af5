"""CMake files: `WasmBuildBackend.cmake` and its package config.

This folder is the repository's top-level `cmake/`, shipped as `wasm_build_backend.cmake`
so that scikit-build-core finds it through the `cmake.module` and `cmake.root` entry
points (`include(WasmBuildBackend)`, `find_package(WasmBuildBackend)`).
"""
