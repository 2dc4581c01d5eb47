/*
 * ABI misuse: every exported function with NULL in every pointer position, non-UTF-8,
 * empty and over-long (1 MiB) strings, out-of-range numbers, NULL frees. Each call must
 * return the documented code (constructors: NULL), set the calling thread's last error
 * (code + a message naming the bad argument), set out-parameters to NULL, and never
 * crash. Needs no server: the client points at a closed loopback port, so a call that
 * sent anything would report PLIVO_ERR_TRANSPORT instead of PLIVO_ERR_INVALID_ARGUMENT.
 */
#define _POSIX_C_SOURCE 200809L

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define INVALID PLIVO_ERR_INVALID_ARGUMENT

static const char NON_UTF8[] = "ab\xff\xfe";
static char *huge;          /* 1 MiB of 'a' */
static PlivoOptions *scratch; /* for clear() */

/* Make a successful fallible call, so that the next check sees a fresh last error. */
static void clear(void)
{
    plivo_options_set_timeout_ms(scratch, 1000);
}

#define FAILS(expr, needle)                                                           \
    do {                                                                              \
        clear();                                                                      \
        EXPECT_CODE(expr, INVALID, needle);                                           \
    } while (0)

#define SUCCEEDS(expr)                                                                \
    do {                                                                              \
        EXPECT_CODE(expr, PLIVO_OK, NULL);                                            \
    } while (0)

/* A constructor that must fail: NULL, INVALID_ARGUMENT, message naming `needle`. */
#define NULL_CLIENT(expr, needle)                                                     \
    do {                                                                              \
        PlivoClient *c_;                                                              \
        const char *m_;                                                               \
        clear();                                                                      \
        c_ = (expr);                                                                  \
        m_ = plivo_last_error();                                                      \
        CHECK(c_ == NULL, "%s returned a client", #expr);                             \
        CHECK(plivo_last_error_code() == INVALID, "%s: last code", #expr);            \
        CHECK(m_ != NULL && strstr(m_, needle) != NULL, "%s: message names %s: %s",   \
              #expr, needle, m_ ? m_ : "(null)");                                     \
        plivo_client_free(c_);                                                        \
    } while (0)

/* Out-parameter sentinel: the library must overwrite it with NULL on failure. */
static char sentinel[] = "sentinel";

static void options_misuse(void)
{
    PlivoOptions *o = plivo_options_new();
    const char *m;

    CHECK(o != NULL, "plivo_options_new");
    CHECK(plivo_last_error_code() == PLIVO_OK && plivo_last_error() == NULL,
          "plivo_options_new clears the last error");

    /* NULL in every pointer position. */
    FAILS(plivo_options_set_base_url(NULL, "http://127.0.0.1:1/v1/"), "options is NULL");
    FAILS(plivo_options_set_base_url(o, NULL), "url is NULL");
    FAILS(plivo_options_set_timeout_ms(NULL, 1000), "options is NULL");
    FAILS(plivo_options_set_connect_timeout_ms(NULL, 1000), "options is NULL");
    FAILS(plivo_options_set_max_retries(NULL, 1), "options is NULL");
    FAILS(plivo_options_set_proxy(NULL, "http://127.0.0.1:3128"), "options is NULL");
    FAILS(plivo_options_set_proxy(o, NULL), "url is NULL");
    FAILS(plivo_options_set_ca_file(NULL, "/etc/ssl/certs/ca-certificates.crt"),
          "options is NULL");
    FAILS(plivo_options_set_ca_file(o, NULL), "pem_path is NULL");
    FAILS(plivo_options_set_allow_insecure_http(NULL, true), "options is NULL");

    /* Strings: non-UTF-8, empty, malformed, 1 MiB. */
    FAILS(plivo_options_set_base_url(o, NON_UTF8), "UTF-8");
    FAILS(plivo_options_set_base_url(o, ""), "base URL");
    FAILS(plivo_options_set_base_url(o, "ftp://h/"), "base URL");
    FAILS(plivo_options_set_base_url(o, "api.plivo.com/v1/"), "base URL");
    FAILS(plivo_options_set_base_url(o, "http:///v1/"), "base URL");
    FAILS(plivo_options_set_base_url(o, "https://h/v1/?q=1"), "query");
    FAILS(plivo_options_set_base_url(o, "https://h/v1/#f"), "fragment");
    FAILS(plivo_options_set_base_url(o, "https://user:pa55@h/v1/"), "user info");
    m = plivo_last_error();
    CHECK(m != NULL && strstr(m, "pa55") == NULL, "password not echoed: %s", m);
    FAILS(plivo_options_set_base_url(o, huge), "base URL");
    FAILS(plivo_options_set_proxy(o, NON_UTF8), "UTF-8");
    FAILS(plivo_options_set_proxy(o, ""), "proxy");
    FAILS(plivo_options_set_proxy(o, "socks5://127.0.0.1:1080"), "proxy");
    FAILS(plivo_options_set_proxy(o, "http://127.0.0.1"), "port");
    FAILS(plivo_options_set_proxy(o, "http://127.0.0.1:3128/path"), "path");
    FAILS(plivo_options_set_proxy(o, "http://u:s3cret@127.0.0.1"), "proxy");
    m = plivo_last_error();
    CHECK(m != NULL && strstr(m, "s3cret") == NULL, "proxy password not echoed: %s", m);
    FAILS(plivo_options_set_proxy(o, huge), "proxy");
    FAILS(plivo_options_set_ca_file(o, NON_UTF8), "UTF-8");
    FAILS(plivo_options_set_ca_file(o, ""), "ca_file");
    FAILS(plivo_options_set_ca_file(o, "/nonexistent/ca.pem"), "ca_file");
    FAILS(plivo_options_set_ca_file(o, "/dev/null"), "ca_file");
    FAILS(plivo_options_set_ca_file(o, huge), "ca_file");

    /* Numbers out of range, then the bounds that are accepted. */
    FAILS(plivo_options_set_timeout_ms(o, 0), "timeout_ms");
    FAILS(plivo_options_set_timeout_ms(o, 600001), "timeout_ms");
    FAILS(plivo_options_set_timeout_ms(o, UINT32_MAX), "timeout_ms");
    SUCCEEDS(plivo_options_set_timeout_ms(o, 1));
    SUCCEEDS(plivo_options_set_timeout_ms(o, 600000));
    FAILS(plivo_options_set_connect_timeout_ms(o, 0), "connect_timeout_ms");
    FAILS(plivo_options_set_connect_timeout_ms(o, 600001), "connect_timeout_ms");
    FAILS(plivo_options_set_connect_timeout_ms(o, UINT32_MAX), "connect_timeout_ms");
    SUCCEEDS(plivo_options_set_connect_timeout_ms(o, 1));
    SUCCEEDS(plivo_options_set_connect_timeout_ms(o, 600000));
    FAILS(plivo_options_set_max_retries(o, 11), "max_retries");
    FAILS(plivo_options_set_max_retries(o, UINT32_MAX), "max_retries");
    SUCCEEDS(plivo_options_set_max_retries(o, 0));
    SUCCEEDS(plivo_options_set_max_retries(o, 10));
    SUCCEEDS(plivo_options_set_allow_insecure_http(o, false));

    /* Setter failures name the function. */
    clear();
    plivo_options_set_timeout_ms(o, 0);
    m = plivo_last_error();
    CHECK(m != NULL && strncmp(m, "plivo_options_set_timeout_ms: ", 30) == 0,
          "message starts with the function: %s", m);

    plivo_options_free(o);
}

static void params_misuse(void)
{
    PlivoStreamParams *p = plivo_stream_params_new();
    char long_headers[600];

    CHECK(p != NULL, "plivo_stream_params_new");
    memset(long_headers, 0, sizeof long_headers);
    memcpy(long_headers, "k=", 2);
    memset(long_headers + 2, 'v', 520);

    FAILS(plivo_stream_params_set_bidirectional(NULL, true), "params is NULL");
    FAILS(plivo_stream_params_set_audio_track(NULL, "inbound"), "params is NULL");
    FAILS(plivo_stream_params_set_audio_track(p, NULL), "audio_track is NULL");
    FAILS(plivo_stream_params_set_audio_track(p, NON_UTF8), "UTF-8");
    FAILS(plivo_stream_params_set_audio_track(p, ""), "audio_track");
    FAILS(plivo_stream_params_set_audio_track(p, "INBOUND"), "audio_track");
    FAILS(plivo_stream_params_set_audio_track(p, huge), "audio_track");
    FAILS(plivo_stream_params_set_stream_timeout(NULL, 60), "params is NULL");
    FAILS(plivo_stream_params_set_stream_timeout(p, 0), "stream_timeout");
    SUCCEEDS(plivo_stream_params_set_stream_timeout(p, 1));
    SUCCEEDS(plivo_stream_params_set_stream_timeout(p, 86400));
    SUCCEEDS(plivo_stream_params_set_stream_timeout(p, 86401)); /* no documented maximum */
    SUCCEEDS(plivo_stream_params_set_stream_timeout(p, UINT32_MAX));
    FAILS(plivo_stream_params_set_cx_bot(NULL, true), "params is NULL");
    SUCCEEDS(plivo_stream_params_set_cx_bot(p, false));
    FAILS(plivo_stream_params_set_status_callback_url(NULL, "https://h/cb"), "params is NULL");
    FAILS(plivo_stream_params_set_status_callback_url(p, NULL), "url is NULL");
    FAILS(plivo_stream_params_set_status_callback_url(p, NON_UTF8), "UTF-8");
    FAILS(plivo_stream_params_set_status_callback_url(p, ""), "status_callback_url");
    FAILS(plivo_stream_params_set_status_callback_url(p, "ftp://h/cb"), "status_callback_url");
    FAILS(plivo_stream_params_set_status_callback_url(p, "not a url"), "status_callback_url");
    FAILS(plivo_stream_params_set_status_callback_url(p, huge), "status_callback_url");
    FAILS(plivo_stream_params_set_status_callback_method(NULL, "GET"), "params is NULL");
    FAILS(plivo_stream_params_set_status_callback_method(p, NULL), "method is NULL");
    FAILS(plivo_stream_params_set_status_callback_method(p, NON_UTF8), "UTF-8");
    FAILS(plivo_stream_params_set_status_callback_method(p, "get"), "status_callback_method");
    FAILS(plivo_stream_params_set_status_callback_method(p, "PUT"), "status_callback_method");
    FAILS(plivo_stream_params_set_content_type(NULL, "audio/x-l16;rate=8000"), "params is NULL");
    FAILS(plivo_stream_params_set_content_type(p, NULL), "content_type is NULL");
    FAILS(plivo_stream_params_set_content_type(p, NON_UTF8), "UTF-8");
    FAILS(plivo_stream_params_set_content_type(p, ""), "content_type");
    FAILS(plivo_stream_params_set_content_type(p, "audio/wav"), "content_type");
    FAILS(plivo_stream_params_set_extra_headers(NULL, "a=b"), "params is NULL");
    FAILS(plivo_stream_params_set_extra_headers(p, NULL), "extra_headers is NULL");
    FAILS(plivo_stream_params_set_extra_headers(p, NON_UTF8), "UTF-8");
    FAILS(plivo_stream_params_set_extra_headers(p, ""), "extra_headers");
    FAILS(plivo_stream_params_set_extra_headers(p, long_headers), "extra_headers");
    FAILS(plivo_stream_params_set_extra_headers(p, huge), "extra_headers");
    FAILS(plivo_stream_params_set_extra_headers(p, "a=b=c"), "extra_headers");
    FAILS(plivo_stream_params_set_extra_headers(p, "a b=c"), "extra_headers");
    FAILS(plivo_stream_params_set_extra_headers(p, "novalue"), "extra_headers");
    FAILS(plivo_stream_params_set_extra_headers(p, "k=v\r\nX-Injected: 1"), "extra_headers");
    FAILS(plivo_stream_params_set_extra_headers(p, "X-Tenant=acme"), "extra_headers");
    FAILS(plivo_stream_params_set_extra_headers(p, "a_b=c"), "extra_headers");
    SUCCEEDS(plivo_stream_params_set_extra_headers(p, "tenant=acme,kind=ivr"));
    SUCCEEDS(plivo_stream_params_set_bidirectional(p, true));

    plivo_stream_params_free(p);
}

static void constructor_misuse(void)
{
    PlivoOptions *o = plivo_options_new();
    PlivoClient *c;
    char long_id[70];

    memset(long_id, 'A', 65);
    long_id[65] = '\0';
    unsetenv("PLIVO_AUTH_ID");
    unsetenv("PLIVO_AUTH_TOKEN");
    unsetenv("PLIVO_BASE_URL");

    NULL_CLIENT(plivo_client_new(NULL, NULL), "PLIVO_AUTH_ID");
    NULL_CLIENT(plivo_client_new("MA1", NULL), "PLIVO_AUTH_TOKEN");
    NULL_CLIENT(plivo_client_new_with_options(NULL, NULL, NULL), "PLIVO_AUTH_ID");
    NULL_CLIENT(plivo_client_new_with_options(NULL, "t", o), "PLIVO_AUTH_ID");
    NULL_CLIENT(plivo_client_new_with_options("MA1", NULL, o), "PLIVO_AUTH_TOKEN");
    setenv("PLIVO_AUTH_ID", "", 1);
    NULL_CLIENT(plivo_client_new(NULL, "t"), "PLIVO_AUTH_ID");
    unsetenv("PLIVO_AUTH_ID");
    NULL_CLIENT(plivo_client_new("", "t"), "auth_id");
    NULL_CLIENT(plivo_client_new("MA1", ""), "auth_token");
    NULL_CLIENT(plivo_client_new(NON_UTF8, "t"), "UTF-8");
    NULL_CLIENT(plivo_client_new("MA1", NON_UTF8), "UTF-8");
    NULL_CLIENT(plivo_client_new("MA-1", "t"), "auth_id");
    NULL_CLIENT(plivo_client_new("MA 1", "t"), "auth_id");
    NULL_CLIENT(plivo_client_new(long_id, "t"), "auth_id");
    NULL_CLIENT(plivo_client_new(huge, "t"), "auth_id");
    NULL_CLIENT(plivo_client_new("MA1", "tok\r\nen"), "auth_token");
    NULL_CLIENT(plivo_client_new_with_options(NON_UTF8, "t", NULL), "UTF-8");

    /* The base URL: from the environment when no option sets it. */
    setenv("PLIVO_BASE_URL", "not a url", 1);
    NULL_CLIENT(plivo_client_new("MA1", "t"), "PLIVO_BASE_URL");
    setenv("PLIVO_BASE_URL", "http://api.example.com/v1/", 1);
    NULL_CLIENT(plivo_client_new("MA1", "t"), "http://");
    unsetenv("PLIVO_BASE_URL");
    CHECK(plivo_options_set_base_url(o, "http://10.1.2.3/v1/") == PLIVO_OK, "set_base_url");
    NULL_CLIENT(plivo_client_new_with_options("MA1", "t", o), "http://");

    /* The token is never echoed in a constructor's message. */
    NULL_CLIENT(plivo_client_new("MA-1", "Sup3rSecretTok"), "auth_id");
    CHECK(strstr(plivo_last_error(), "Sup3rSecretTok") == NULL, "token not echoed");

    /* Valid: defaults (https, nothing is sent at construction). */
    c = plivo_client_new("MA1", "t");
    CHECK(c != NULL && plivo_last_error_code() == PLIVO_OK && plivo_last_error() == NULL,
          "client with defaults");
    plivo_client_free(c);
    c = plivo_client_new("MA1", huge); /* a long token is the caller's business */
    CHECK(c != NULL, "a 1 MiB token is accepted");
    plivo_client_free(c);

    plivo_options_free(o);
}

static void operation_misuse(void)
{
    PlivoOptions *o = plivo_options_new();
    PlivoStreamParams *bad_params = plivo_stream_params_new();
    PlivoClient *c;
    char *out;
    char id129[130];
    const char *m;

    memset(id129, 'x', 129);
    id129[129] = '\0';
    /* Port 9 (discard) on loopback: nothing listens, a request would be refused. */
    plivo_options_set_base_url(o, "http://127.0.0.1:9/v1/");
    plivo_options_set_max_retries(o, 0);
    c = plivo_client_new_with_options("MA1", "tok", o);
    plivo_options_free(o);
    CHECK(c != NULL, "client");

    plivo_stream_params_set_bidirectional(bad_params, true);
    plivo_stream_params_set_audio_track(bad_params, "both");

    /* stop_stream */
    FAILS(plivo_stop_stream(NULL, "c", "s"), "client is NULL");
    m = plivo_last_error();
    CHECK(m != NULL && strncmp(m, "plivo_stop_stream: ", 19) == 0, "names the function: %s", m);
    FAILS(plivo_stop_stream(c, NULL, "s"), "call_uuid is NULL");
    FAILS(plivo_stop_stream(c, "c", NULL), "stream_uuid is NULL");
    FAILS(plivo_stop_stream(NULL, NULL, NULL), "client is NULL");
    FAILS(plivo_stop_stream(c, NON_UTF8, "s"), "UTF-8");
    FAILS(plivo_stop_stream(c, "c", NON_UTF8), "UTF-8");
    FAILS(plivo_stop_stream(c, "", "s"), "call_uuid");
    FAILS(plivo_stop_stream(c, "c", ""), "stream_uuid");
    FAILS(plivo_stop_stream(c, id129, "s"), "call_uuid");
    FAILS(plivo_stop_stream(c, "c", huge), "stream_uuid");
    m = plivo_last_error();
    CHECK(m != NULL && strlen(m) < 1000, "a 1 MiB id is not echoed whole (%zu bytes)",
          m ? strlen(m) : 0);
    FAILS(plivo_stop_stream(c, "a/b", "s"), "call_uuid");
    FAILS(plivo_stop_stream(c, "c", "../x"), "stream_uuid");
    FAILS(plivo_stop_stream(c, "c", "s?x=1"), "stream_uuid");
    CHECK(plivo_last_http_status() == 0, "nothing was received");

    /* stop_all_streams */
    FAILS(plivo_stop_all_streams(NULL, "c"), "client is NULL");
    FAILS(plivo_stop_all_streams(c, NULL), "call_uuid is NULL");
    FAILS(plivo_stop_all_streams(c, NON_UTF8), "UTF-8");
    FAILS(plivo_stop_all_streams(c, ""), "call_uuid");
    FAILS(plivo_stop_all_streams(c, huge), "call_uuid");

    /* start_stream: every failure leaves *stream_id_out NULL. */
#define START_FAILS(client, call, url, params, needle)                                \
    do {                                                                              \
        out = sentinel;                                                               \
        FAILS(plivo_start_stream(client, call, url, params, &out), needle);           \
        CHECK(out == NULL, "stream_id_out is NULL after a failure");                  \
        FAILS(plivo_start_stream(client, call, url, params, NULL), needle);           \
    } while (0)
    START_FAILS(NULL, "c", "wss://h/a", NULL, "client is NULL");
    START_FAILS(c, NULL, "wss://h/a", NULL, "call_uuid is NULL");
    START_FAILS(c, "c", NULL, NULL, "service_url is NULL");
    START_FAILS(c, NON_UTF8, "wss://h/a", NULL, "UTF-8");
    START_FAILS(c, "c", NON_UTF8, NULL, "UTF-8");
    START_FAILS(c, "", "wss://h/a", NULL, "call_uuid");
    START_FAILS(c, "c", "", NULL, "service_url");
    START_FAILS(c, "c", "https://h/a", NULL, "service_url");
    START_FAILS(c, "c", "wss://", NULL, "service_url");
    START_FAILS(c, "c", huge, NULL, "service_url");
    START_FAILS(c, huge, "wss://h/a", NULL, "call_uuid");
    START_FAILS(c, "c", "wss://h/a", bad_params, "bidirectional");

    /* get_stream / list_streams: json_out is required; *json_out NULL on failure. */
#define GET_FAILS(client, call, stream, needle)                                       \
    do {                                                                              \
        out = sentinel;                                                               \
        FAILS(plivo_get_stream(client, call, stream, &out), needle);                  \
        CHECK(out == NULL, "json_out is NULL after a failure");                       \
    } while (0)
    GET_FAILS(NULL, "c", "s", "client is NULL");
    GET_FAILS(c, NULL, "s", "call_uuid is NULL");
    GET_FAILS(c, "c", NULL, "stream_uuid is NULL");
    GET_FAILS(c, NON_UTF8, "s", "UTF-8");
    GET_FAILS(c, "c", "", "stream_uuid");
    GET_FAILS(c, huge, "s", "call_uuid");
    FAILS(plivo_get_stream(c, "c", "s", NULL), "json_out is NULL");
    FAILS(plivo_get_stream(NULL, NULL, NULL, NULL), "client is NULL");
#define LIST_FAILS(client, call, needle)                                              \
    do {                                                                              \
        out = sentinel;                                                               \
        FAILS(plivo_list_streams(client, call, &out), needle);                        \
        CHECK(out == NULL, "json_out is NULL after a failure");                       \
    } while (0)
    LIST_FAILS(NULL, "c", "client is NULL");
    LIST_FAILS(c, NULL, "call_uuid is NULL");
    LIST_FAILS(c, NON_UTF8, "UTF-8");
    LIST_FAILS(c, "", "call_uuid");
    LIST_FAILS(c, huge, "call_uuid");
    FAILS(plivo_list_streams(c, "c", NULL), "json_out is NULL");

    /* Sanity: a valid call does try to connect (and fails: nobody listens), which
     * shows that the calls above failed before sending anything. */
    clear();
    EXPECT_CODE(plivo_stop_stream(c, "c", "s"), PLIVO_ERR_TRANSPORT, "connect");
    out = sentinel;
    EXPECT_CODE(plivo_list_streams(c, "c", &out), PLIVO_ERR_TRANSPORT, "connect");
    CHECK(out == NULL, "json_out is NULL after a transport failure");

    plivo_stream_params_free(bad_params);
    plivo_client_free(c);
}

static void frees_and_readers(void)
{
    PlivoOptions *o = plivo_options_new();
    char before[512];
    const char *m;
    int i;
    static const char *names[] = {
        "PLIVO_OK",
        "PLIVO_ERR_INVALID_ARGUMENT",
        "PLIVO_ERR_NO_ACTIVE_STREAM",
        "PLIVO_ERR_BAD_REQUEST",
        "PLIVO_ERR_AUTHENTICATION",
        "PLIVO_ERR_NOT_FOUND",
        "PLIVO_ERR_RATE_LIMITED",
        "PLIVO_ERR_SERVER",
        "PLIVO_ERR_HTTP",
        "PLIVO_ERR_TIMEOUT",
        "PLIVO_ERR_TRANSPORT",
        "PLIVO_ERR_INVALID_RESPONSE",
        "PLIVO_ERR_INTERNAL",
        "PLIVO_ERR_BUSY",
        "PLIVO_ERR_CANCELLED",
    };
    static const int unknown[] = {-1, 15, 100, INT_MIN, INT_MAX};

    /* Set an error, then call every non-fallible function: it must stay. */
    plivo_options_set_max_retries(o, 99);
    m = plivo_last_error();
    CHECK(m != NULL, "an error to keep");
    snprintf(before, sizeof before, "%s", m ? m : "");
    plivo_string_free(NULL);
    plivo_client_free(NULL);
    plivo_options_free(NULL);
    plivo_stream_params_free(NULL);
    for (i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        CHECK(strcmp(plivo_code_name(i), names[i]) == 0, "code_name(%d)", i);
    for (i = 0; i < (int)(sizeof unknown / sizeof unknown[0]); i++)
        CHECK(strcmp(plivo_code_name(unknown[i]), "PLIVO_ERR_UNKNOWN") == 0,
              "code_name(%d)", unknown[i]);
    CHECK(strcmp(plivo_version(), PLIVO_VERSION) == 0, "version %s", plivo_version());
    (void)plivo_last_api_id();
    (void)plivo_last_http_status();
    m = plivo_last_error();
    CHECK(m != NULL && strcmp(m, before) == 0, "readers and frees keep the last error");
    CHECK(plivo_last_error_code() == INVALID, "readers and frees keep the code");
    /* The message stays valid across reader calls (borrowed until the next call). */
    CHECK(plivo_last_error() == plivo_last_error(), "stable pointer");
    plivo_options_free(o);
}

static void *fresh_thread(void *arg)
{
    int *ok = arg;
    *ok = plivo_last_error_code() == PLIVO_OK && plivo_last_error() == NULL &&
          plivo_last_http_status() == 0 && plivo_last_api_id() == NULL;
    return NULL;
}

static void fresh_thread_state(void)
{
    pthread_t t;
    int ok = 0;
    clear();
    plivo_options_set_timeout_ms(scratch, 0); /* an error on this thread only */
    CHECK(pthread_create(&t, NULL, fresh_thread, &ok) == 0, "pthread_create");
    pthread_join(t, NULL);
    CHECK(ok, "a new thread starts with no error");
    CHECK(plivo_last_error_code() == INVALID, "this thread keeps its own");
}

int main(void)
{
    huge = malloc((1 << 20) + 1);
    if (huge == NULL)
        return 2;
    memset(huge, 'a', 1 << 20);
    huge[1 << 20] = '\0';
    scratch = plivo_options_new();

    options_misuse();
    params_misuse();
    constructor_misuse();
    operation_misuse();
    frees_and_readers();
    fresh_thread_state();

    plivo_options_free(scratch);
    free(huge);
    return check_summary();
}
