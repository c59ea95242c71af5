#!/usr/bin/env bash
# Rebuild filetool.wasm from src/filetool.c with the zig toolchain from PyPI (pip install ziglang).
set -eu
cd "$(dirname "$0")"
${PYTHON:-python3} -m ziglang cc --target=wasm32-wasi -std=c11 -O2 -s -Wall -Wextra \
    -o filetool.wasm src/filetool.c
