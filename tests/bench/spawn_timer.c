/* Times a command from the parent: clock_gettime(CLOCK_MONOTONIC) just before fork(),
 * the child execs the command, whose stdout's first line holds its own CLOCK_MONOTONIC
 * ns stamps (up to 4; the last one is the moment of interest, the first completed stop);
 * then waitpid().
 *
 *   spawn_timer REPS COMMAND [ARGS...]
 *
 * Prints one JSON line: {"reps":N,"failures":F,"to_mark_ms":[...],"to_exit_ms":[...],
 * "cpu_ms":[...],"stamps_ms":[[...],...]}: every stamp of every run in ms since the fork,
 * and the child's user+system CPU time to its exit (wait4), which other load on the
 * machine does not inflate.
 * The command's stderr is passed through. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: spawn_timer REPS COMMAND [ARGS...]\n");
        return 2;
    }
    int reps = atoi(argv[1]), failures = 0;
    double *mark = calloc((size_t)reps, sizeof *mark), *ex = calloc((size_t)reps, sizeof *ex);
    double (*stamps)[4] = calloc((size_t)reps, sizeof *stamps);
    int *nstamps = calloc((size_t)reps, sizeof *nstamps);
    double *cpu = calloc((size_t)reps, sizeof *cpu);
    for (int i = 0; i < reps; i++) {
        int p[2];
        if (pipe(p) != 0) return 1;
        uint64_t t0 = now_ns();
        pid_t pid = fork();
        if (pid < 0) return 1;
        if (pid == 0) {
            dup2(p[1], 1);
            close(p[0]);
            close(p[1]);
            execvp(argv[2], argv + 2);
            _exit(127);
        }
        close(p[1]);
        char buf[128];
        size_t n = 0;
        ssize_t r;
        while (n < sizeof buf - 1 && (r = read(p[0], buf + n, sizeof buf - 1 - n)) > 0) n += (size_t)r;
        close(p[0]);
        int st;
        struct rusage ru;
        wait4(pid, &st, 0, &ru);
        cpu[i] = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                 (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
        uint64_t t1 = now_ns();
        buf[n] = 0;
        unsigned long long m = 0;
        char *q = buf, *e;
        for (int k = 0; k < 4; k++) {
            unsigned long long v = strtoull(q, &e, 10);
            if (e == q) break;
            m = v;
            stamps[i][nstamps[i]++] = v >= t0 ? (v - t0) / 1e6 : -1;
            q = e;
        }
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || m < t0) {
            failures++;
            mark[i] = -1;
        } else {
            mark[i] = (m - t0) / 1e6;
        }
        ex[i] = (t1 - t0) / 1e6;
    }
    printf("{\"reps\":%d,\"failures\":%d,\"to_mark_ms\":[", reps, failures);
    for (int i = 0; i < reps; i++) printf("%s%.4f", i ? "," : "", mark[i]);
    printf("],\"to_exit_ms\":[");
    for (int i = 0; i < reps; i++) printf("%s%.4f", i ? "," : "", ex[i]);
    printf("],\"cpu_ms\":[");
    for (int i = 0; i < reps; i++) printf("%s%.3f", i ? "," : "", cpu[i]);
    printf("],\"stamps_ms\":[");
    for (int i = 0; i < reps; i++) {
        printf("%s[", i ? "," : "");
        for (int k = 0; k < nstamps[i]; k++) printf("%s%.4f", k ? "," : "", stamps[i][k]);
        printf("]");
    }
    printf("]}\n");
    return 0;
}
