/*
 * Minimal test harness for the C tests: CHECK counts and reports, the program ends with
 * `N passed, M failed` and exits non-zero on any failure.
 *
 * A test that loads libplivo itself (dlopen) defines CHECK_WITHOUT_LIBRARY before
 * including this: it gets CHECK and check_summary, none of which calls into the library.
 */
#ifndef PLIVO_TEST_CHECK_H
#define PLIVO_TEST_CHECK_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#ifdef CHECK_WITHOUT_LIBRARY
#define CHECK_REPORT_LAST_ERROR() fputc('\n', stderr)
#else
#include "plivo.h"
/* A failed check also says what the library last reported on this thread. */
#define CHECK_REPORT_LAST_ERROR()                                                     \
    fprintf(stderr, " [last: %s: %s]\n", plivo_code_name(plivo_last_error_code()),    \
            plivo_last_error() ? plivo_last_error() : "(null)")
#endif

static int check_passed;
static int check_failed;

#define CHECK(cond, ...)                                                              \
    do {                                                                              \
        if (cond) {                                                                   \
            check_passed++;                                                           \
        } else {                                                                      \
            check_failed++;                                                           \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);           \
            fprintf(stderr, __VA_ARGS__);                                             \
            CHECK_REPORT_LAST_ERROR();                                                \
        }                                                                             \
    } while (0)

static int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}

/* How many descriptors below 1024 are open: what a leak of sockets or files shows in.
 * (static inline: tests that do not count descriptors do not warn about it.) */
static inline int open_descriptors(void)
{
    int fd, count = 0;
    for (fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) != -1)
            count++;
    return count;
}

#ifndef CHECK_WITHOUT_LIBRARY
/* The code returned, the thread's last error code, and a message that is set and
 * mentions `needle` (NULL: any message) when the code is not PLIVO_OK. `what` names
 * the call in failure messages. */
#define EXPECT_CODE_AS(what, expr, want, needle)                                      \
    do {                                                                              \
        const char *what_ = (what);                                                   \
        PlivoCode got_ = (expr);                                                      \
        const char *msg_ = plivo_last_error();                                        \
        const char *needle_ = (needle);                                               \
        CHECK(got_ == (want), "%s returned %s, expected %s", what_,                   \
              plivo_code_name(got_), plivo_code_name(want));                          \
        CHECK(plivo_last_error_code() == (want), "%s: last code", what_);             \
        if ((want) == PLIVO_OK) {                                                     \
            CHECK(msg_ == NULL, "%s: a success clears the message", what_);           \
        } else {                                                                      \
            CHECK(msg_ != NULL && msg_[0] != '\0', "%s: message set", what_);         \
            if (msg_ != NULL && needle_ != NULL)                                      \
                CHECK(strstr(msg_, needle_) != NULL, "%s: message names '%s': %s",    \
                      what_, needle_, msg_);                                          \
        }                                                                             \
    } while (0)
#define EXPECT_CODE(expr, want, needle) EXPECT_CODE_AS(#expr, expr, want, needle)

typedef void (*check_fn)(void);

/* main's end in tests that share one client (`*client`, just made): no client is a
 * failure and runs nothing; else each of `tests` (NULL-terminated) runs, and the client
 * is freed before the summary. */
static inline int run_with_client(PlivoClient **client, const check_fn *tests)
{
    CHECK(*client != NULL, "client");
    if (*client == NULL)
        return check_summary();
    for (; *tests != NULL; tests++)
        (*tests)();
    plivo_client_free(*client);
    *client = NULL;
    return check_summary();
}
#endif

#endif
