/* THREADS threads stopping streams of an unknown call (404, a full exchange) on one
 * client, N stops in all, no latency: throughput of the blocking path. Uses only the
 * first release's functions, so that the same program runs against an older
 * libplivo.so (LD_LIBRARY_PATH) for a side-by-side of what later work costs (the
 * counters behind plivo_client_stats, the per-process pool, the reuse guard).
 *
 *   hammer N THREADS    prints one JSON line */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "plivo.h"

static PlivoClient *client;
static long remaining;
static long failures;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        int go;
        pthread_mutex_lock(&lock);
        go = remaining-- > 0;
        pthread_mutex_unlock(&lock);
        if (!go)
            return NULL;
        if (plivo_stop_stream(client, "hammer-nocall", "s") != PLIVO_ERR_NOT_FOUND)
            __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    }
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000;
    int threads = argc > 2 ? atoi(argv[2]) : 8, i;
    pthread_t t[64];
    struct timespec a, b;
    double wall;
    if (threads < 1 || threads > 64)
        return 2;
    client = plivo_client_new(NULL, NULL);
    if (client == NULL) {
        fprintf(stderr, "%s\n", plivo_last_error());
        return 1;
    }
    remaining = n;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    wall = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    printf("{\"mode\":\"hammer\",\"library\":\"%s\",\"threads\":%d,\"stops\":%ld,\"failures\":%ld,"
           "\"stops_per_s\":%.0f}\n",
           getenv("HAMMER_LIB") ? getenv("HAMMER_LIB") : "current", threads, n, failures, n / wall);
    plivo_client_free(client);
    return failures != 0;
}
