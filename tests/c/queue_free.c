/* Freeing a queue while its request waits on a slow name lookup (run with the
 * slow_lookup.c shim preloaded, PLIVO_BASE_URL=http://localhost:PORT/v1/): free
 * returns promptly with its threads ended, and the log callback is never called after
 * it returned — the host may free what the callback uses right then. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static volatile int freed;
static volatile int late_lines;

static void on_log(void *user, PlivoLogLevel level, const char *line)
{
    (void)user;
    (void)level;
    (void)line;
    if (freed)
        late_lines++;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

int main(void)
{
    PlivoOptions *o = plivo_options_new();
    PlivoClient *c;
    PlivoQueue *q;
    double t0, took;
    CHECK(plivo_options_set_log_callback(o, PLIVO_LOG_DEBUG, on_log, NULL) == PLIVO_OK, "log");
    c = plivo_client_new_with_options(NULL, NULL, o);
    plivo_options_free(o);
    CHECK(c != NULL, "client");
    q = plivo_queue_new(c, 4);
    CHECK(plivo_queue_stop_stream(q, "qf-call", "s1", 1) == PLIVO_OK, "submit");
    usleep(100 * 1000); /* the worker is inside the 1 s lookup */
    t0 = now_ms();
    plivo_queue_free(q);
    took = now_ms() - t0;
    freed = 1;
    plivo_client_free(c);
    CHECK(took < 200, "plivo_queue_free took %.0f ms", took);
    sleep(2); /* the lookup ends meanwhile */
    CHECK(late_lines == 0, "%d log lines after plivo_queue_free returned", late_lines);
    return check_summary();
}
