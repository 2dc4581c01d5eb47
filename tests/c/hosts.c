/* What long-lived C hosts do to an embedded library, against the bundled server
 * (PLIVO_BASE_URL and the credentials from the environment; argv[1] is the path of
 * libplivo.so for the reload test):
 *
 * - reload: dlopen, use, dlclose, 20 times (modules reloaded by PBX "module reload");
 * - signals: a 1 ms interval timer whose handler is installed without SA_RESTART, so
 *   every blocking system call may fail with EINTR, during 300 calls;
 * - descriptor exhaustion: with every descriptor taken, a call fails cleanly (no crash,
 *   a transport error), and works again once descriptors are free.
 *
 * Stops of an unknown call are used throughout: a complete exchange, answered 404. */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
    (void)sig;
    ticks++;
}

static void signals(void)
{
    struct sigaction sa;
    struct itimerval every_ms = {{0, 1000}, {0, 1000}}, off = {{0, 0}, {0, 0}};
    PlivoClient *c = plivo_client_new(NULL, NULL);
    int i, wrong = 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = 0; /* no SA_RESTART: interrupted calls fail with EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    setitimer(ITIMER_REAL, &every_ms, NULL);
    for (i = 0; i < 300; i++)
        wrong += plivo_stop_stream(c, "hosts-nocall", "s") != PLIVO_ERR_NOT_FOUND;
    setitimer(ITIMER_REAL, &off, NULL);
    CHECK(wrong == 0, "%d of 300 calls failed under a 1 ms timer signal (%d ticks)", wrong,
          (int)ticks);
    CHECK(ticks > 10, "the timer fired (%d ticks)", (int)ticks);
    plivo_client_free(c);
}

static void descriptor_exhaustion(void)
{
    struct rlimit old, low;
    int held[256], n = 0, i;
    PlivoClient *c = plivo_client_new(NULL, NULL);
    PlivoCode code;
    int base = open_descriptors();
    getrlimit(RLIMIT_NOFILE, &old);
    low = old;
    low.rlim_cur = 64;
    setrlimit(RLIMIT_NOFILE, &low);
    while (n < 256 && (held[n] = open("/dev/null", O_RDONLY)) >= 0)
        n++;
    CHECK(n < 256 && errno == EMFILE, "every descriptor taken (%d opened)", n);
    code = plivo_stop_stream(c, "hosts-nocall", "s");
    CHECK(code == PLIVO_ERR_TRANSPORT, "with no descriptor: %s", plivo_code_name(code));
    CHECK(plivo_last_error() != NULL, "a message");
    for (i = 0; i < n; i++)
        close(held[i]);
    setrlimit(RLIMIT_NOFILE, &old);
    code = plivo_stop_stream(c, "hosts-nocall", "s");
    CHECK(code == PLIVO_ERR_NOT_FOUND, "descriptors free again: %s", plivo_code_name(code));
    plivo_client_free(c);
    CHECK(open_descriptors() <= base, "descriptors back to %d: %d", base, open_descriptors());
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    signals();
    descriptor_exhaustion();
    return check_summary();
}
