"""What executables are made with and of: zig, musl, the unwinder, the Wasmtime runtime."""
