/* Non-blocking benchmark: N stops against a server that answers after a WAN-like
 * latency, done three ways, each printing one JSON line:
 *
 *   queue_bench queue   CALL N INFLIGHT   one thread, one completion queue, poll() loop
 *   queue_bench threads CALL N THREADS    THREADS threads of blocking plivo_stop_stream
 *   queue_bench blocking CALL N           one thread of blocking calls (CPU per call)
 *   queue_bench hammer  CALL N THREADS LOG  THREADS threads, log callback at INFO (LOG=1)
 *                                           or none (LOG=0): what the stats and logs cost
 *
 * Streams are CALL's s0..s(N-1). Credentials and PLIVO_BASE_URL come from the
 * environment. Figures: wall seconds, stops per second, user+sys CPU microseconds per
 * stop, peak RSS (KiB), and the codes seen. */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "plivo.h"

static const char *call;
static int total;
static int next_index;
static int ok_count, other_count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static PlivoClient *client;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

static long max_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void count(PlivoCode code)
{
    pthread_mutex_lock(&lock);
    if (code == PLIVO_OK || code == PLIVO_ERR_NO_ACTIVE_STREAM || code == PLIVO_ERR_NOT_FOUND)
        ok_count++;
    else
        other_count++;
    pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
    char stream[32];
    (void)arg;
    for (;;) {
        int i;
        pthread_mutex_lock(&lock);
        i = next_index < total ? next_index++ : -1;
        pthread_mutex_unlock(&lock);
        if (i < 0)
            return NULL;
        snprintf(stream, sizeof stream, "s%d", i);
        count(plivo_stop_stream(client, call, stream));
    }
}

static void on_log(void *user, PlivoLogLevel level, const char *line)
{
    (void)level;
    (void)line;
    __atomic_add_fetch((long *)user, 1, __ATOMIC_RELAXED);
}

static int run_queue(int inflight)
{
    PlivoQueue *q = plivo_queue_new(client, (uint32_t)inflight);
    struct pollfd pfd;
    int submitted = 0, taken = 0;
    char stream[32];
    if (q == NULL)
        return 1;
    pfd.fd = plivo_queue_fd(q);
    pfd.events = POLLIN;
    while (taken < total) {
        while (submitted < total && plivo_queue_pending(q) < (uint32_t)inflight) {
            snprintf(stream, sizeof stream, "s%d", submitted);
            if (plivo_queue_stop_stream(q, call, stream, (uint64_t)submitted) != PLIVO_OK)
                break;
            submitted++;
        }
        if (poll(&pfd, 1, 5000) <= 0)
            break;
        for (PlivoResult *r; (r = plivo_queue_next(q)) != NULL; taken++) {
            count(plivo_result_code(r));
            plivo_result_free(r);
        }
    }
    plivo_queue_free(q);
    return taken == total ? 0 : 1;
}

static int run_threads(int n)
{
    pthread_t *t = calloc((size_t)n, sizeof *t);
    int i;
    for (i = 0; i < n; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    free(t);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode;
    int param = 1, rc;
    long lines = 0;
    double t0, c0, wall, cpu;
    PlivoOptions *o;
    if (argc < 4) {
        fprintf(stderr, "usage: %s queue|threads|blocking|hammer CALL N [PARAM [LOG]]\n", argv[0]);
        return 2;
    }
    mode = argv[1];
    call = argv[2];
    total = atoi(argv[3]);
    if (argc > 4)
        param = atoi(argv[4]);
    o = plivo_options_new();
    plivo_options_set_timeout_ms(o, 30000);
    if (strcmp(mode, "hammer") == 0 && argc > 5 && atoi(argv[5]) == 1)
        plivo_options_set_log_callback(o, PLIVO_LOG_INFO, on_log, &lines);
    client = plivo_client_new_with_options(NULL, NULL, o);
    plivo_options_free(o);
    if (client == NULL) {
        fprintf(stderr, "%s\n", plivo_last_error());
        return 1;
    }
    t0 = now_s();
    c0 = cpu_us();
    if (strcmp(mode, "queue") == 0)
        rc = run_queue(param);
    else if (strcmp(mode, "blocking") == 0)
        rc = run_threads(1);
    else
        rc = run_threads(param);
    wall = now_s() - t0;
    cpu = cpu_us() - c0;
    printf("{\"mode\":\"%s\",\"param\":%d,\"stops\":%d,\"ok\":%d,\"other\":%d,\"wall_s\":%.3f,"
           "\"stops_per_s\":%.1f,\"cpu_us_per_stop\":%.1f,\"max_rss_kib\":%ld,\"log_lines\":%ld}\n",
           mode, param, total, ok_count, other_count, wall, total / wall, cpu / total,
           max_rss_kib(), lines);
    plivo_client_free(client);
    return rc != 0 || other_count != 0;
}
