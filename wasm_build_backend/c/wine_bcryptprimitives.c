/* ProcessPrng, for Wine releases that lack bcryptprimitives.dll (before 9.0).
 *
 * The Windows Wasmtime library imports it (Rust's standard library gets its
 * random numbers there), so without it the library does not load under such a
 * Wine, and the build cannot precompile Windows code there. Only the build's
 * emulated compiler ever loads this; nothing ships it. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom */

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size) {
    while (size > 0) {
        ULONG chunk = size > 0x10000000 ? 0x10000000 : (ULONG)size;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}
