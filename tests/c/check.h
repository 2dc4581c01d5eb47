/*
 * Minimal test harness for the C tests: CHECK counts and reports, the program ends with
 * `N passed, M failed` and exits non-zero on any failure.
 */
#ifndef PLIVO_TEST_CHECK_H
#define PLIVO_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "plivo.h"

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
            fprintf(stderr, " [last: %s: %s]\n",                                      \
                    plivo_code_name(plivo_last_error_code()),                         \
                    plivo_last_error() ? plivo_last_error() : "(null)");              \
        }                                                                             \
    } while (0)

/* The code returned, the thread's last error code, and a message that is set and
 * mentions `needle` (NULL: any message) when the code is not PLIVO_OK. */
#define EXPECT_CODE(expr, want, needle)                                               \
    do {                                                                              \
        PlivoCode got_ = (expr);                                                      \
        const char *msg_ = plivo_last_error();                                        \
        const char *needle_ = (needle);                                               \
        CHECK(got_ == (want), "%s returned %s, expected %s", #expr,                   \
              plivo_code_name(got_), plivo_code_name(want));                          \
        CHECK(plivo_last_error_code() == (want), "%s: last code", #expr);             \
        if ((want) == PLIVO_OK) {                                                     \
            CHECK(msg_ == NULL, "%s: a success clears the message", #expr);           \
        } else {                                                                      \
            CHECK(msg_ != NULL && msg_[0] != '\0', "%s: message set", #expr);         \
            if (msg_ != NULL && needle_ != NULL)                                      \
                CHECK(strstr(msg_, needle_) != NULL, "%s: message names '%s': %s",    \
                      #expr, needle_, msg_);                                          \
        }                                                                             \
    } while (0)

static int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}

#endif
