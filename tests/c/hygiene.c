/* Connection hygiene from C, against the bundled server (PLIVO_BASE_URL and the
 * credentials come from the environment; the server is seeded with hyg-call:s0..s4).
 *
 * - A client made before fork() serves the parent and four children at once: each
 *   process reads its own stream (get_stream answers name the stream they are for) and
 *   stops an unknown call (404), 200 calls each; any other process's answer shows.
 * - fork() while 8 threads are inside calls: each child makes 50 calls of its own in 5 s.
 * - 204 answers carrying a body (fault-204body / fault-204chunked), alternated with
 *   reads on the same client: every read gets its own JSON.
 *
 * Children report through their exit status only and end with _exit; they keep the
 * inherited client (a global) so that a leak checker sees it as reachable. */
#define _DEFAULT_SOURCE /* usleep */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

/* AddressSanitizer before LLVM 18 takes no lock on its allocator across fork()
 * (llvm-project pull request 75290 added one): a child forked while other threads are
 * inside malloc can hang in its first malloc, in ASan's allocator and not in libplivo
 * (seen here: clang 14, about one run in four). Such builds skip the fork-during-calls
 * case; the plain and valgrind runs of this program keep it. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) && defined(__clang_major__) && __clang_major__ < 18
#define ALLOCATOR_NOT_FORK_SAFE 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(__clang__)
#define ALLOCATOR_NOT_FORK_SAFE 1 /* GCC's libasan is compiler-rt's, on no LLVM version scale */
#endif

static PlivoClient *client;
static volatile int stop_threads;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* One call as process `n` (its i-th): 1 if the answer was not its own. */
static int one_call(int n, int i)
{
    char stream[8], want[32];
    char *json = NULL;
    int wrong;
    if ((n + i) % 2 == 0)
        return plivo_stop_stream(client, "hyg-nocall", "s0") != PLIVO_ERR_NOT_FOUND;
    snprintf(stream, sizeof stream, "s%d", (n + i) % 5);
    snprintf(want, sizeof want, "\"stream_id\":\"%s\"", stream);
    if (plivo_get_stream(client, "hyg-call", stream, &json) != PLIVO_OK)
        return 1;
    wrong = strstr(json, want) == NULL;
    plivo_string_free(json);
    return wrong;
}

static int calls(int n, int count)
{
    int i, wrong = 0;
    for (i = 0; i < count; i++)
        wrong += one_call(n, i);
    return wrong;
}

/* The child's exit status; -1 (after killing it) when not done by `deadline_ms`. */
static int reap(pid_t pid, double deadline_ms)
{
    int status;
    for (;;) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (now_ms() > deadline_ms) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        usleep(5000);
    }
}

static void *caller(void *arg)
{
    int n = (int)(long)arg, i = 0;
    long wrong = 0;
    while (!stop_threads)
        wrong += one_call(n, i++);
    return (void *)wrong;
}

static void parent_and_children(void)
{
    pid_t kids[4];
    int n, status, wrong;
    double deadline;

    CHECK(one_call(0, 1) == 0, "the parent's first call (leaves a pooled connection)");
    for (n = 1; n <= 4; n++) {
        kids[n - 1] = fork();
        if (kids[n - 1] == 0)
            _exit(calls(n, 200) == 0 ? 0 : 1);
    }
    wrong = calls(0, 200);
    CHECK(wrong == 0, "the parent got %d answers that were not its own", wrong);
    deadline = now_ms() + 60000;
    for (n = 1; n <= 4; n++) {
        status = reap(kids[n - 1], deadline);
        CHECK(status == 0, "child %d: exit status %d (-1: hung)", n, status);
    }
}

static void fork_during_calls(void)
{
    pthread_t threads[8];
    int round, t, status;
    long wrong, total;
    pid_t kid;

#ifdef ALLOCATOR_NOT_FORK_SAFE
    printf("skip: fork during calls (this build's ASan allocator is not fork-safe)\n");
    return;
#endif
    for (round = 0; round < 10; round++) {
        stop_threads = 0;
        for (t = 0; t < 8; t++)
            pthread_create(&threads[t], NULL, caller, (void *)(long)t);
        usleep(20000 + 7000 * round);
        kid = fork();
        if (kid == 0)
            _exit(calls(round, 50) == 0 ? 0 : 1);
        status = reap(kid, now_ms() + 5000);
        stop_threads = 1;
        total = 0;
        for (t = 0; t < 8; t++) {
            pthread_join(threads[t], (void **)&wrong);
            total += wrong;
        }
        CHECK(status == 0, "round %d: child exit status %d (-1: not done in 5 s)", round, status);
        CHECK(total == 0, "round %d: parent threads got %ld wrong answers", round, total);
    }
}

static void no_content_with_a_body(void)
{
    int i, wrong = 0;
    char call[64];
    for (i = 0; i < 100; i++) {
        snprintf(call, sizeof call, "fault-%s-h%d", i % 2 ? "204chunked" : "204body", i);
        EXPECT_CODE(plivo_stop_stream(client, call, "s1"), PLIVO_OK, NULL);
        wrong += one_call(1, i);
    }
    CHECK(wrong == 0, "%d reads after a 204 with a body got another answer", wrong);
}

static const check_fn tests[] = {
    no_content_with_a_body,
    parent_and_children,
    fork_during_calls,
    NULL,
};

int main(void)
{
    PlivoOptions *o = plivo_options_new();
    plivo_options_set_max_retries(o, 0);
    client = plivo_client_new_with_options(NULL, NULL, o);
    plivo_options_free(o);
    return run_with_client(&client, tests);
}
