"""Running a build's programs: child processes, the memory-bounded scheduler, progress and
the cache."""
