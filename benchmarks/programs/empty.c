/* empty: a WASI command that does nothing, so every millisecond it takes is
 * startup and shutdown cost of the way it is run. */
int main(void) { return 0; }
