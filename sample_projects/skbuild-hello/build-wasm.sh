#!/usr/bin/env bash
# Rebuild hello.wasm from src/hello.c with the zig toolchain from PyPI (pip install ziglang).
set -eu
cd "$(dirname "$0")"
${PYTHON:-python3} -m ziglang cc --target=wasm32-wasi -std=c11 -O2 -s -Wall -Wextra \
    -o hello.wasm src/hello.c
