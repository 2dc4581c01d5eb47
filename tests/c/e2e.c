/*
 * End to end through the C ABI against the bundled server (run_tests.sh starts it with
 * the seeds below and exports PLIVO_BASE_URL, PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN):
 *   --seed e2e-call:e2e-s1   --seed e2e-env:e2e-s1   --seed e2e-life:
 * stop → 204 then PLIVO_ERR_NO_ACTIVE_STREAM with api_id; start/get/list/stop_all with
 * string frees; stream params; a deadline; per-thread last error with pthreads.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"

static PlivoClient *client; /* shared by every thread */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static PlivoClient *make_client(unsigned timeout_ms, unsigned retries)
{
    PlivoOptions *o = plivo_options_new();
    PlivoClient *c;
    /* The base URL comes from PLIVO_BASE_URL; credentials from the environment. */
    plivo_options_set_timeout_ms(o, timeout_ms);
    plivo_options_set_max_retries(o, retries);
    c = plivo_client_new_with_options(NULL, NULL, o);
    plivo_options_free(o);
    return c;
}

static void stop_twice(void)
{
    const char *api_id;
    const char *m;

    EXPECT_CODE(plivo_stop_stream(client, "e2e-call", "e2e-s1"), PLIVO_OK, NULL);
    CHECK(plivo_last_http_status() == 204, "status %d", plivo_last_http_status());
    CHECK(plivo_last_api_id() == NULL, "a 204 has no api_id");

    EXPECT_CODE(plivo_stop_stream(client, "e2e-call", "e2e-s1"), PLIVO_ERR_NO_ACTIVE_STREAM,
                "No active stream found");
    CHECK(plivo_last_http_status() == 400, "status %d", plivo_last_http_status());
    api_id = plivo_last_api_id();
    CHECK(api_id != NULL && api_id[0] != '\0', "the 400's api_id");
    m = plivo_last_error();
    CHECK(m != NULL && strstr(m, "stop_stream") && strstr(m, "400"), "message: %s", m);
    CHECK(m != NULL && strstr(m, getenv("PLIVO_AUTH_TOKEN")) == NULL, "no token");

    EXPECT_CODE(plivo_stop_stream(client, "no-such-call", "s"), PLIVO_ERR_NOT_FOUND, "404");
}

static void client_from_environment(void)
{
    PlivoClient *c = plivo_client_new(NULL, NULL);
    CHECK(c != NULL, "plivo_client_new(NULL, NULL) from PLIVO_* variables");
    EXPECT_CODE(plivo_stop_stream(c, "e2e-env", "e2e-s1"), PLIVO_OK, NULL);
    plivo_client_free(c);
}

static void stream_lifecycle(void)
{
    PlivoStreamParams *p = plivo_stream_params_new();
    char *id = NULL, *id2 = NULL, *json = NULL;

    EXPECT_CODE(plivo_start_stream(client, "e2e-life", "wss://example.com/a", NULL, &id),
                PLIVO_OK, NULL);
    CHECK(id != NULL && id[0] != '\0', "stream id");
    CHECK(plivo_last_http_status() >= 200 && plivo_last_http_status() < 300, "2xx");
    CHECK(plivo_last_api_id() != NULL, "start answers an api_id");

    plivo_stream_params_set_bidirectional(p, true);
    plivo_stream_params_set_audio_track(p, "inbound");
    plivo_stream_params_set_stream_timeout(p, 120);
    plivo_stream_params_set_status_callback_url(p, "https://example.com/status");
    plivo_stream_params_set_status_callback_method(p, "GET");
    plivo_stream_params_set_content_type(p, "audio/x-mulaw;rate=8000");
    EXPECT_CODE(plivo_stream_params_set_extra_headers(p, "tenant=acme,kind=ivr"), PLIVO_OK, NULL);
    EXPECT_CODE(plivo_stream_params_set_cx_bot(p, true), PLIVO_OK, NULL);
    EXPECT_CODE(plivo_start_stream(client, "e2e-life", "wss://example.com/b", p, &id2),
                PLIVO_OK, NULL);
    CHECK(id2 != NULL && (id == NULL || strcmp(id, id2) != 0), "a second, different id");
    EXPECT_CODE(plivo_start_stream(client, "e2e-life", "wss://example.com/c", NULL, NULL),
                PLIVO_OK, NULL);

    if (id != NULL) {
        EXPECT_CODE(plivo_get_stream(client, "e2e-life", id, &json), PLIVO_OK, NULL);
        CHECK(json != NULL && strstr(json, id) != NULL, "get: %s", json ? json : "(null)");
        CHECK(json != NULL && strstr(json, "wss://example.com/a") != NULL, "service_url");
        plivo_string_free(json);
        json = NULL;
    }
    if (id2 != NULL) {
        EXPECT_CODE(plivo_get_stream(client, "e2e-life", id2, &json), PLIVO_OK, NULL);
        CHECK(json != NULL && strstr(json, "https://example.com/status") != NULL, "params kept");
        plivo_string_free(json);
        json = NULL;
    }
    EXPECT_CODE(plivo_list_streams(client, "e2e-life", &json), PLIVO_OK, NULL);
    CHECK(json != NULL && strstr(json, "\"objects\"") != NULL, "list");
    CHECK(json != NULL && id != NULL && strstr(json, id) != NULL, "list has the stream");
    plivo_string_free(json);

    EXPECT_CODE(plivo_stop_all_streams(client, "e2e-life"), PLIVO_OK, NULL);
    CHECK(plivo_last_http_status() == 204, "stop all: 204");
    EXPECT_CODE(plivo_stop_all_streams(client, "e2e-life"), PLIVO_ERR_NO_ACTIVE_STREAM, NULL);
    if (id != NULL)
        EXPECT_CODE(plivo_stop_stream(client, "e2e-life", id), PLIVO_ERR_NO_ACTIVE_STREAM,
                    NULL);
    json = (char *)"sentinel";
    EXPECT_CODE(plivo_get_stream(client, "e2e-life", "nope", &json), PLIVO_ERR_NOT_FOUND,
                NULL);
    CHECK(json == NULL, "json_out NULL on failure");

    plivo_string_free(id);
    plivo_string_free(id2);
    plivo_stream_params_free(p);
}

static void deadline_and_faults(void)
{
    PlivoClient *c = make_client(300, 2);
    double t0;

    t0 = now_ms();
    EXPECT_CODE(plivo_stop_stream(c, "fault-stall-c1", "s"), PLIVO_ERR_TIMEOUT, "300 ms");
    CHECK(now_ms() - t0 < 3000, "deadline held: %.0f ms", now_ms() - t0);
    plivo_client_free(c);
    /* The faults below need a retry's back-off (about 100 ms) and two exchanges: a
     * 300 ms deadline is too short for that under valgrind on a loaded machine. */
    c = make_client(5000, 2);
    EXPECT_CODE(plivo_stop_stream(c, "fault-503once-c1", "s"), PLIVO_OK, NULL);
    EXPECT_CODE(plivo_stop_stream(c, "fault-204body-c1", "s"), PLIVO_OK, NULL);
    EXPECT_CODE(plivo_stop_stream(c, "fault-garbage-c1", "s"), PLIVO_ERR_INVALID_RESPONSE,
                NULL);
    EXPECT_CODE(plivo_stop_stream(c, "fault-reset-c1", "s"), PLIVO_ERR_TRANSPORT, NULL);
    plivo_client_free(c);
}

/* --- per-thread last error ------------------------------------------------------ */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int stage;

static void wait_stage(int want)
{
    pthread_mutex_lock(&lock);
    while (stage < want)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
}

static void set_stage(int s)
{
    pthread_mutex_lock(&lock);
    stage = s;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

struct seen {
    PlivoCode code;
    int status;
    int has_message;
    int has_api_id;
};

static void *failing_thread(void *arg)
{
    struct seen *seen = arg;
    plivo_stop_stream(client, "fault-status404-t1", "s");
    set_stage(1);
    wait_stage(2); /* the main thread succeeds meanwhile */
    seen->code = plivo_last_error_code();
    seen->status = plivo_last_http_status();
    seen->has_message = plivo_last_error() != NULL;
    seen->has_api_id = plivo_last_api_id() != NULL;
    return NULL;
}

static void last_error_is_per_thread(void)
{
    pthread_t t;
    struct seen seen;
    memset(&seen, 0, sizeof seen);
    CHECK(pthread_create(&t, NULL, failing_thread, &seen) == 0, "pthread_create");
    wait_stage(1);
    EXPECT_CODE(plivo_stop_stream(client, "fault-status200-t1", "s"), PLIVO_OK, NULL);
    set_stage(2);
    pthread_join(t, NULL);
    CHECK(seen.code == PLIVO_ERR_NOT_FOUND && seen.status == 404 && seen.has_message &&
              seen.has_api_id,
          "the other thread kept its 404 (%d, %d)", seen.code, seen.status);
    CHECK(plivo_last_error_code() == PLIVO_OK && plivo_last_http_status() == 200 &&
              plivo_last_error() == NULL,
          "this thread kept its success");
}

#define HAMMER_THREADS 8
#define HAMMER_CALLS 40

struct hammer {
    int index;
    int mismatches;
};

/* Each thread alternates a success and its own kind of failure, and checks after every
 * call that the last error is its own. */
static void *hammer_thread(void *arg)
{
    static const int statuses[HAMMER_THREADS] = {400, 403, 404, 405, 410, 418, 409, 422};
    static const PlivoCode codes[HAMMER_THREADS] = {
        PLIVO_ERR_BAD_REQUEST, PLIVO_ERR_AUTHENTICATION, PLIVO_ERR_NOT_FOUND, PLIVO_ERR_HTTP,
        PLIVO_ERR_HTTP,        PLIVO_ERR_HTTP,           PLIVO_ERR_HTTP,      PLIVO_ERR_HTTP,
    };
    struct hammer *h = arg;
    char call[64];
    int i;
    for (i = 0; i < HAMMER_CALLS; i++) {
        int fail = i % 2;
        PlivoCode code;
        if (fail)
            snprintf(call, sizeof call, "fault-status%d-h%d", statuses[h->index], h->index);
        else
            snprintf(call, sizeof call, "fault-status20%d-h%d", h->index % 7, h->index);
        code = plivo_stop_stream(client, call, "s");
        if (fail) {
            char want[16];
            const char *m = plivo_last_error();
            snprintf(want, sizeof want, "%d", statuses[h->index]);
            if (code != codes[h->index] || plivo_last_error_code() != code ||
                plivo_last_http_status() != statuses[h->index] || m == NULL ||
                strstr(m, want) == NULL || strstr(m, call) == NULL)
                h->mismatches++;
        } else if (code != PLIVO_OK || plivo_last_error_code() != PLIVO_OK ||
                   plivo_last_error() != NULL ||
                   plivo_last_http_status() != 200 + h->index % 7) {
            h->mismatches++;
        }
    }
    return NULL;
}

static void many_threads_one_client(void)
{
    pthread_t t[HAMMER_THREADS];
    struct hammer h[HAMMER_THREADS];
    int i;
    for (i = 0; i < HAMMER_THREADS; i++) {
        h[i].index = i;
        h[i].mismatches = 0;
        CHECK(pthread_create(&t[i], NULL, hammer_thread, &h[i]) == 0, "pthread_create");
    }
    for (i = 0; i < HAMMER_THREADS; i++) {
        pthread_join(t[i], NULL);
        CHECK(h[i].mismatches == 0, "thread %d saw %d foreign last errors", i,
              h[i].mismatches);
    }
}

static const check_fn tests[] = {
    stop_twice,
    client_from_environment,
    stream_lifecycle,
    deadline_and_faults,
    last_error_is_per_thread,
    many_threads_one_client,
    NULL,
};

int main(void)
{
    const char *required[] = {"PLIVO_BASE_URL", "PLIVO_AUTH_ID", "PLIVO_AUTH_TOKEN"};
    int i;
    for (i = 0; i < 3; i++) {
        if (getenv(required[i]) == NULL) {
            fprintf(stderr, "e2e: %s is not set (run tests/c/run_tests.sh)\n", required[i]);
            return 2;
        }
    }
    client = make_client(5000, 2);
    return run_with_client(&client, tests);
}
