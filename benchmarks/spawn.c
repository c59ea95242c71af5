/* spawn: run a command once, stdin and stdout on /dev/null, and print
 *   <exit status> <wall ns> <user+system CPU us> <peak RSS bytes>
 *
 * Why not time it from Python: Linux counts in a child's ru_maxrss the peak RSS
 * of the memory it had before exec, and a child made with fork or posix_spawn
 * starts with (a copy of, or the very) memory of its parent: from a 20 MB Python
 * process every program would seem to need at least 20 MB. From this small
 * parent the error is below the RSS of any program that loads libc. Timing here,
 * around posix_spawn and wait4, also leaves the cost of Python out. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static long long micros(struct timeval tv) {
    return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: spawn PROGRAM [ARGS...]\n");
        return 2;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);

    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t pid;
    int err = posix_spawn(&pid, argv[1], &actions, NULL, argv + 1, environ);
    if (err != 0) {
        fprintf(stderr, "spawn: cannot run %s (error %d)\n", argv[1], err);
        return 2;
    }
    int status;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) < 0) {
        perror("spawn: wait4");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);

    long long wall = (long long)(end.tv_sec - start.tv_sec) * 1000000000 + (end.tv_nsec - start.tv_nsec);
#if defined(__APPLE__)
    long long rss = usage.ru_maxrss; /* bytes on macOS */
#else
    long long rss = (long long)usage.ru_maxrss * 1024; /* KiB on Linux */
#endif
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("%d %lld %lld %lld\n", code, wall, micros(usage.ru_utime) + micros(usage.ru_stime), rss);
    return 0;
}
