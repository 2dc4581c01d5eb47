/* Shared helpers of the benchmark's C drivers (tests/bench/): clocks, rusage, RSS,
 * the server's CPU time, percentiles, the shared options and the one-line JSON result. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* User and system CPU seconds of this whole process (every thread). */
static inline void cpu_self(double *user, double *sys) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
    *sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* VmRSS of this process in KiB (-1 if unreadable). */
static inline long rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

/* utime+stime of another process in seconds, from /proc/PID/stat (clock ticks), or -1. */
static inline double proc_cpu_s(long pid) {
    char path[64], buf[1024];
    if (pid <= 0) return -1;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* comm may contain spaces */
    if (!p) return -1;
    p += 2; /* field 3 (state) */
    unsigned long long ut = 0, st = 0;
    /* fields 3..15: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (sscanf(p, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Machine-wide CPU time from /proc/stat's "cpu" line, in ticks: *busy and *total
 * (busy = total - idle - iowait). Everyone's load counts, neighbours included. */
static inline void machine_ticks(unsigned long long *busy, unsigned long long *total) {
    unsigned long long v[8] = {0};
    *busy = *total = 0;
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return;
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
               &v[4], &v[5], &v[6], &v[7]) == 8) {
        for (int i = 0; i < 8; i++) *total += v[i];
        *busy = *total - v[3] - v[4];
    }
    fclose(f);
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Latencies are kept in nanoseconds as uint32 (a call over 4.29 s saturates). */
static inline double pct_us(uint32_t *sorted, size_t n, double p) {
    if (n == 0) return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    if (i >= n) i = n - 1;
    return sorted[i] / 1000.0;
}

/* Parses "1000,100000" into up to 8 checkpoints. */
static inline int parse_list(const char *s, long *out, int max) {
    int n = 0;
    while (s && *s && n < max) {
        out[n++] = strtol(s, (char **)&s, 10);
        if (*s == ',') s++;
        else break;
    }
    return n;
}

/* The options both C drivers take; each names its own in a table of own_option. */
struct run_options {
    const char *call, *stream;
    long calls, warmup, server_pid;
    int lat;            /* 0 with --no-lat: no latency kept */
    int ncheck;         /* --rss-at: RSS checkpoints, in calls made */
    long check_at[8];
};

/* A driver's own option: its value as text or as a number, or (neither) a flag set to 1. */
struct own_option {
    const char *name;
    const char **text;
    long *number;
    int *flag;
};

/* Fills *run from argv: the defaults (1000 calls, 200 warm-up, latencies kept), then
 * the shared options, and stores the driver's `own` ones (a table ended by a NULL name).
 * Returns 0, or 2 after saying on stderr (as `prog`) which option is unknown or lacks
 * its value. */
static inline int parse_options(int argc, char **argv, const char *prog,
                                struct run_options *run, const struct own_option *own) {
    *run = (struct run_options){.calls = 1000, .warmup = 200, .lat = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        const struct own_option *o = own;
        while (o->name && strcmp(o->name, a)) o++;
        if (!strcmp(a, "--no-lat")) { run->lat = 0; continue; }
        if (o->flag) { *o->flag = 1; continue; }
        if (!v) { fprintf(stderr, "%s: %s needs a value\n", prog, a); return 2; }
        i++;
        if (o->text) *o->text = v;
        else if (o->number) *o->number = atol(v);
        else if (!strcmp(a, "--call")) run->call = v;
        else if (!strcmp(a, "--stream")) run->stream = v;
        else if (!strcmp(a, "--calls")) run->calls = atol(v);
        else if (!strcmp(a, "--warmup")) run->warmup = atol(v);
        else if (!strcmp(a, "--server-pid")) run->server_pid = atol(v);
        else if (!strcmp(a, "--rss-at")) run->ncheck = parse_list(v, run->check_at, 8);
        else { fprintf(stderr, "%s: unknown option %s\n", prog, a); return 2; }
    }
    return 0;
}

struct result {
    const char *system;
    long calls, warmup, threads, errors, first_error_code;
    double wall_s, cpu_user_s, cpu_sys_s, server_cpu_s, machine_busy;
    uint32_t *lat; /* may be NULL (--no-lat) */
    size_t nlat;
    long rss_start_kib, rss_end_kib;
    int ncheck;
    long check_at[8], check_kib[8];
};

static inline void print_result(struct result *r) {
    double p50 = 0, p99 = 0, mean = 0;
    if (r->lat && r->nlat) {
        double sum = 0;
        for (size_t i = 0; i < r->nlat; i++) sum += r->lat[i];
        mean = sum / r->nlat / 1000.0;
        qsort(r->lat, r->nlat, sizeof *r->lat, cmp_u32);
        p50 = pct_us(r->lat, r->nlat, 0.50);
        p99 = pct_us(r->lat, r->nlat, 0.99);
    }
    double cpu = r->cpu_user_s + r->cpu_sys_s;
    printf("{\"system\":\"%s\",\"calls\":%ld,\"warmup\":%ld,\"threads\":%ld,\"errors\":%ld,"
           "\"first_error_code\":%ld,\"wall_s\":%.6f,\"calls_per_s\":%.1f,"
           "\"p50_us\":%.2f,\"p99_us\":%.2f,\"mean_us\":%.2f,"
           "\"cpu_user_s\":%.6f,\"cpu_sys_s\":%.6f,\"cpu_us_per_call\":%.3f,"
           "\"server_cpu_s\":%.3f,\"machine_busy\":%.3f,\"rss_start_kib\":%ld,\"rss_end_kib\":%ld,\"rss_at\":{",
           r->system, r->calls, r->warmup, r->threads, r->errors, r->first_error_code,
           r->wall_s, r->wall_s > 0 ? r->calls / r->wall_s : 0.0, p50, p99, mean,
           r->cpu_user_s, r->cpu_sys_s, r->calls ? cpu * 1e6 / r->calls : 0.0,
           r->server_cpu_s, r->machine_busy, r->rss_start_kib, r->rss_end_kib);
    for (int i = 0; i < r->ncheck; i++)
        printf("%s\"%ld\":%ld", i ? "," : "", r->check_at[i], r->check_kib[i]);
    printf("}}\n");
    fflush(stdout);
}

#endif
