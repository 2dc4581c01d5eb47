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

/* The expectations, each with `what` naming the call in failure messages. */
#define FAILS_AS(what, expr, needle)                                                  \
    do {                                                                              \
        clear();                                                                      \
        EXPECT_CODE_AS(what, expr, INVALID, needle);                                  \
    } while (0)
#define FAILS(expr, needle) FAILS_AS(#expr, expr, needle)

#define SUCCEEDS(expr) EXPECT_CODE(expr, PLIVO_OK, NULL)

/* A constructor that must fail: NULL, INVALID_ARGUMENT, message naming `needle`. */
#define NULL_CLIENT_AS(what, expr, needle)                                            \
    do {                                                                              \
        const char *what_ = (what);                                                   \
        PlivoClient *c_;                                                              \
        const char *m_;                                                               \
        clear();                                                                      \
        c_ = (expr);                                                                  \
        m_ = plivo_last_error();                                                      \
        CHECK(c_ == NULL, "%s returned a client", what_);                             \
        CHECK(plivo_last_error_code() == INVALID, "%s: last code", what_);            \
        CHECK(m_ != NULL && strstr(m_, needle) != NULL, "%s: message names %s: %s",   \
              what_, needle, m_ ? m_ : "(null)");                                     \
        plivo_client_free(c_);                                                        \
    } while (0)
#define NULL_CLIENT(expr, needle) NULL_CLIENT_AS(#expr, expr, needle)

/* Out-parameter sentinel: the library must overwrite it with NULL on failure. */
static char sentinel[] = "sentinel";

/* A call given `&out` fails (FAILS) and leaves out NULL. */
#define FAILS_OUT(expr, needle)                                                       \
    do {                                                                              \
        out = sentinel;                                                               \
        FAILS(expr, needle);                                                          \
        CHECK(out == NULL, "%s: the out-parameter is NULL after a failure", #expr);   \
    } while (0)

/* `call` (an expression of `v`) with each of the values that follow as v: each one
 * meets `expect` (FAILS_AS or NULL_CLIENT_AS) with `needle`; the messages show v. */
#define FOR_EACH_V(expect, call, needle, ...)                                         \
    do {                                                                              \
        const char *const values_[] = {__VA_ARGS__};                                  \
        char what_v_[256];                                                            \
        size_t i_;                                                                    \
        for (i_ = 0; i_ < sizeof values_ / sizeof values_[0]; i_++) {                 \
            const char *v = values_[i_];                                              \
            snprintf(what_v_, sizeof what_v_, "%s with v = \"%.40s\"", #call, v);     \
            expect(what_v_, call, needle);                                            \
        }                                                                             \
    } while (0)
#define EACH_FAILS(call, needle, ...) FOR_EACH_V(FAILS_AS, call, needle, __VA_ARGS__)
#define EACH_NULL_CLIENT(call, needle, ...)                                           \
    FOR_EACH_V(NULL_CLIENT_AS, call, needle, __VA_ARGS__)

/* What every string setter gets: a NULL target (given the `valid` string), a NULL
 * string and a non-UTF-8 one; the NULLs' messages name `target_null`, `string_null`. */
#define STRING_SETTER_FAILS(set, target, valid, target_null, string_null)             \
    do {                                                                              \
        FAILS(set(NULL, valid), target_null);                                         \
        FAILS(set(target, NULL), string_null);                                        \
        FAILS(set(target, NON_UTF8), "UTF-8");                                        \
    } while (0)

/* A number setter's range [lo, hi]: lo - 1 (when lo > 0), hi + 1 and UINT32_MAX fail
 * naming `needle`; lo and hi are accepted. */
#define RANGE_FAILS_OUTSIDE(set, target, needle, lo, hi)                              \
    do {                                                                              \
        if ((lo) > 0)                                                                 \
            FAILS(set(target, (lo) - 1), needle);                                     \
        FAILS(set(target, (hi) + 1), needle);                                         \
        FAILS(set(target, UINT32_MAX), needle);                                       \
        SUCCEEDS(set(target, lo));                                                    \
        SUCCEEDS(set(target, hi));                                                    \
    } while (0)

/* A failure's message must not repeat a secret of the value refused. */
static void not_echoed(const char *secret)
{
    const char *m = plivo_last_error();
    CHECK(m != NULL && strstr(m, secret) == NULL, "%s not echoed: %s", secret, m);
}

static void options_misuse(void)
{
    PlivoOptions *o = plivo_options_new();
    const char *m;

    CHECK(o != NULL, "plivo_options_new");
    CHECK(plivo_last_error_code() == PLIVO_OK && plivo_last_error() == NULL,
          "plivo_options_new clears the last error");

    /* NULL in every pointer position, non-UTF-8 strings. */
    STRING_SETTER_FAILS(plivo_options_set_base_url, o, "http://127.0.0.1:1/v1/",
                        "options is NULL", "url is NULL");
    FAILS(plivo_options_set_timeout_ms(NULL, 1000), "options is NULL");
    FAILS(plivo_options_set_connect_timeout_ms(NULL, 1000), "options is NULL");
    FAILS(plivo_options_set_max_retries(NULL, 1), "options is NULL");
    STRING_SETTER_FAILS(plivo_options_set_proxy, o, "http://127.0.0.1:3128",
                        "options is NULL", "url is NULL");
    STRING_SETTER_FAILS(plivo_options_set_ca_file, o, "/etc/ssl/certs/ca-certificates.crt",
                        "options is NULL", "pem_path is NULL");
    FAILS(plivo_options_set_allow_insecure_http(NULL, true), "options is NULL");

    /* Strings: empty, malformed, 1 MiB. */
    EACH_FAILS(plivo_options_set_base_url(o, v), "base URL", "", "ftp://h/",
               "api.plivo.com/v1/", "http:///v1/", huge);
    FAILS(plivo_options_set_base_url(o, "https://h/v1/?q=1"), "query");
    FAILS(plivo_options_set_base_url(o, "https://h/v1/#f"), "fragment");
    FAILS(plivo_options_set_base_url(o, "https://user:pa55@h/v1/"), "user info");
    not_echoed("pa55");
    EACH_FAILS(plivo_options_set_proxy(o, v), "proxy", "", "socks5://127.0.0.1:1080", huge);
    FAILS(plivo_options_set_proxy(o, "http://127.0.0.1"), "port");
    FAILS(plivo_options_set_proxy(o, "http://127.0.0.1:3128/path"), "path");
    FAILS(plivo_options_set_proxy(o, "http://u:s3cret@127.0.0.1"), "proxy");
    not_echoed("s3cret");
    EACH_FAILS(plivo_options_set_ca_file(o, v), "ca_file", "", "/nonexistent/ca.pem",
               "/dev/null", huge);

    /* Numbers out of range, then the bounds that are accepted. */
    RANGE_FAILS_OUTSIDE(plivo_options_set_timeout_ms, o, "timeout_ms", 1, 600000);
    RANGE_FAILS_OUTSIDE(plivo_options_set_connect_timeout_ms, o, "connect_timeout_ms", 1,
                        600000);
    RANGE_FAILS_OUTSIDE(plivo_options_set_max_retries, o, "max_retries", 0, 10);
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
    STRING_SETTER_FAILS(plivo_stream_params_set_audio_track, p, "inbound", "params is NULL",
                        "audio_track is NULL");
    EACH_FAILS(plivo_stream_params_set_audio_track(p, v), "audio_track", "", "INBOUND", huge);
    FAILS(plivo_stream_params_set_stream_timeout(NULL, 60), "params is NULL");
    FAILS(plivo_stream_params_set_stream_timeout(p, 0), "stream_timeout");
    SUCCEEDS(plivo_stream_params_set_stream_timeout(p, 1));
    SUCCEEDS(plivo_stream_params_set_stream_timeout(p, 86400));
    SUCCEEDS(plivo_stream_params_set_stream_timeout(p, 86401)); /* no documented maximum */
    SUCCEEDS(plivo_stream_params_set_stream_timeout(p, UINT32_MAX));
    FAILS(plivo_stream_params_set_cx_bot(NULL, true), "params is NULL");
    SUCCEEDS(plivo_stream_params_set_cx_bot(p, false));
    STRING_SETTER_FAILS(plivo_stream_params_set_status_callback_url, p, "https://h/cb",
                        "params is NULL", "url is NULL");
    EACH_FAILS(plivo_stream_params_set_status_callback_url(p, v), "status_callback_url", "",
               "ftp://h/cb", "not a url", huge);
    STRING_SETTER_FAILS(plivo_stream_params_set_status_callback_method, p, "GET",
                        "params is NULL", "method is NULL");
    EACH_FAILS(plivo_stream_params_set_status_callback_method(p, v), "status_callback_method",
               "get", "PUT");
    STRING_SETTER_FAILS(plivo_stream_params_set_content_type, p, "audio/x-l16;rate=8000",
                        "params is NULL", "content_type is NULL");
    EACH_FAILS(plivo_stream_params_set_content_type(p, v), "content_type", "", "audio/wav");
    STRING_SETTER_FAILS(plivo_stream_params_set_extra_headers, p, "a=b", "params is NULL",
                        "extra_headers is NULL");
    EACH_FAILS(plivo_stream_params_set_extra_headers(p, v), "extra_headers", "", long_headers,
               huge, "a=b=c", "a b=c", "novalue", "k=v\r\nX-Injected: 1", "X-Tenant=acme",
               "a_b=c");
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
    EACH_NULL_CLIENT(plivo_client_new(v, "t"), "auth_id", "", "MA-1", "MA 1", long_id, huge);
    EACH_NULL_CLIENT(plivo_client_new("MA1", v), "auth_token", "", "tok\r\nen");
    NULL_CLIENT(plivo_client_new(NON_UTF8, "t"), "UTF-8");
    NULL_CLIENT(plivo_client_new("MA1", NON_UTF8), "UTF-8");
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
    EACH_FAILS(plivo_stop_stream(c, v, "s"), "call_uuid", "", id129, "a/b");
    EACH_FAILS(plivo_stop_stream(c, "c", v), "stream_uuid", "", "../x", "s?x=1", huge);
    m = plivo_last_error();
    CHECK(m != NULL && strlen(m) < 1000, "a 1 MiB id is not echoed whole (%zu bytes)",
          m ? strlen(m) : 0);
    CHECK(plivo_last_http_status() == 0, "nothing was received");

    /* stop_all_streams */
    FAILS(plivo_stop_all_streams(NULL, "c"), "client is NULL");
    FAILS(plivo_stop_all_streams(c, NULL), "call_uuid is NULL");
    FAILS(plivo_stop_all_streams(c, NON_UTF8), "UTF-8");
    EACH_FAILS(plivo_stop_all_streams(c, v), "call_uuid", "", huge);

    /* start_stream: every failure leaves *stream_id_out NULL, and fails the same way
     * without one. */
#define START_FAILS(client, call, url, params, needle)                                \
    do {                                                                              \
        FAILS_OUT(plivo_start_stream(client, call, url, params, &out), needle);       \
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
    FAILS_OUT(plivo_get_stream(NULL, "c", "s", &out), "client is NULL");
    FAILS_OUT(plivo_get_stream(c, NULL, "s", &out), "call_uuid is NULL");
    FAILS_OUT(plivo_get_stream(c, "c", NULL, &out), "stream_uuid is NULL");
    FAILS_OUT(plivo_get_stream(c, NON_UTF8, "s", &out), "UTF-8");
    FAILS_OUT(plivo_get_stream(c, "c", "", &out), "stream_uuid");
    FAILS_OUT(plivo_get_stream(c, huge, "s", &out), "call_uuid");
    FAILS(plivo_get_stream(c, "c", "s", NULL), "json_out is NULL");
    FAILS(plivo_get_stream(NULL, NULL, NULL, NULL), "client is NULL");
    FAILS_OUT(plivo_list_streams(NULL, "c", &out), "client is NULL");
    FAILS_OUT(plivo_list_streams(c, NULL, &out), "call_uuid is NULL");
    FAILS_OUT(plivo_list_streams(c, NON_UTF8, &out), "UTF-8");
    FAILS_OUT(plivo_list_streams(c, "", &out), "call_uuid");
    FAILS_OUT(plivo_list_streams(c, huge, &out), "call_uuid");
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

/* plivo_code_name() of every code, as tests/abi/codes.txt (the ABI's list of codes,
 * "NAME NUMBER" lines; tests/abi/check.sh holds the header to it) lists them: numbered
 * from 0 in order, each named as listed; the first number past them and others are
 * unknown. */
static void code_names(void)
{
    FILE *f = fopen(PLIVO_CODES_TXT, "r");
    char line[256], name[128];
    int number, next = 0, i;
    static const int beyond[] = {-1, 100, INT_MIN, INT_MAX};

    CHECK(f != NULL, "open %s", PLIVO_CODES_TXT);
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "#")] = '\0'; /* comments */
        if (sscanf(line, "%127s %d", name, &number) != 2)
            continue; /* a blank line */
        CHECK(number == next, "%s is %d, expected the next number, %d", name, number, next);
        CHECK(strcmp(plivo_code_name(number), name) == 0, "code_name(%d)", number);
        next++;
    }
    if (f != NULL)
        fclose(f);
    CHECK(next > 0, "codes read from %s", PLIVO_CODES_TXT);
    CHECK(strcmp(plivo_code_name(next), "PLIVO_ERR_UNKNOWN") == 0, "code_name(%d)", next);
    for (i = 0; i < (int)(sizeof beyond / sizeof beyond[0]); i++)
        CHECK(strcmp(plivo_code_name(beyond[i]), "PLIVO_ERR_UNKNOWN") == 0,
              "code_name(%d)", beyond[i]);
}

static void frees_and_readers(void)
{
    PlivoOptions *o = plivo_options_new();
    char before[512];
    const char *m;

    /* Set an error, then call every non-fallible function: it must stay. */
    plivo_options_set_max_retries(o, 99);
    m = plivo_last_error();
    CHECK(m != NULL, "an error to keep");
    snprintf(before, sizeof before, "%s", m ? m : "");
    plivo_string_free(NULL);
    plivo_client_free(NULL);
    plivo_options_free(NULL);
    plivo_stream_params_free(NULL);
    code_names();
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
