"""Binary formats: the WebAssembly module read, and the ELF, Mach-O and PE files built."""
