#!/usr/bin/env bash
# The system programs the tests use to run executables built for other platforms
# (tests/emulation.py): qemu-user with an arm64 glibc sysroot (loader, libc, libgcc_s) for
# Linux aarch64, musl's loaders for musllinux, Wine for Windows (wine32:i386 for win32);
# qemu-user alone runs the wasm2c engine's static executables for armv7l, i686, ppc64le,
# s390x, riscv64 and loongarch64; `file`, which the demo
# uses; and npm, which fetches jco's WASI preview1 adapter to make the WASI test suite's
# components (tests/componentize.py; any Node.js with npm will do). tests/run.sh runs
# this first; it installs with apt-get when run as root on a Debian-like system, and
# otherwise only says what is missing (the test summary then lists the tests skipped for
# it). Installing takes a minute or two and about 1.5 GB.
set -euo pipefail

have_all() {
    command -v file >/dev/null && command -v qemu-aarch64-static >/dev/null &&
        command -v npm >/dev/null &&
        { [ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null; } &&
        [ -x /usr/lib/wine/wine ] &&
        [ -e /usr/aarch64-linux-gnu/lib/libgcc_s.so.1 ] &&
        [ -e /lib/ld-musl-x86_64.so.1 ] && [ -e /lib/ld-musl-aarch64.so.1 ]
}

if have_all; then
    exit 0
fi
if ! command -v apt-get >/dev/null || [ "$(id -u)" != 0 ]; then
    echo "tests/install-system-tools.sh: qemu-user, Wine, musl or npm missing; tests that run" \
        "other platforms' executables or need npm will be skipped (as root: bash tests/install-system-tools.sh)" >&2
    exit 0
fi
echo "tests/install-system-tools.sh: installing qemu-user, Wine, musl and arm64 libraries with apt-get" >&2
# musl:arm64 only installs its loader and a path file beside the host's.
dpkg --add-architecture arm64
dpkg --add-architecture i386
# Another apt-get may hold the lock (a shared machine): wait for it rather than fail.
apt_get() {
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@"
}
apt_get update -qq
apt_get install -y -qq \
    file qemu-user-static libc6-arm64-cross libgcc-s1-arm64-cross \
    musl musl:arm64 wine64 wine32:i386 $(command -v npm >/dev/null || echo npm) >/dev/null
