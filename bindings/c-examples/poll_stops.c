/*
 * poll_stops: stop N audio streams of one call from a poll() loop on a libplivo
 * completion queue, never blocking on the network.
 *
 *   PLIVO_AUTH_ID=... PLIVO_AUTH_TOKEN=... [PLIVO_BASE_URL=...] poll_stops CALL_UUID N [MAX_IN_FLIGHT]
 *
 * Stops streams s0 ... s<N-1> of CALL_UUID. Up to MAX_IN_FLIGHT (default 64) requests
 * are in flight; when the queue answers PLIVO_ERR_BUSY, the loop waits for results
 * before submitting more. Checks that exactly one result comes back per accepted
 * submit (tags are the stream numbers), prints a summary, and exits 0 when every
 * stop succeeded, 1 otherwise.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plivo.h"

int main(int argc, char **argv)
{
    PlivoClient *client;
    PlivoQueue *queue;
    unsigned long n, max_in_flight = 64, next = 0, submitted = 0, results = 0;
    unsigned long ok = 0, failed = 0, busy = 0, dup = 0, bad_tag = 0;
    unsigned long long elapsed_sum = 0, elapsed_max = 0;
    unsigned char *seen;
    struct pollfd pfd;
    int rc = 1;

    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s CALL_UUID N [MAX_IN_FLIGHT]\n", argv[0]);
        return 1;
    }
    n = strtoul(argv[2], NULL, 10);
    if (argc == 4)
        max_in_flight = strtoul(argv[3], NULL, 10);
    if (n == 0 || n > 1000000 || max_in_flight == 0 || max_in_flight > 1024) {
        fprintf(stderr, "poll_stops: N must be 1..1000000, MAX_IN_FLIGHT 1..1024\n");
        return 1;
    }
    seen = calloc(n, 1);
    if (seen == NULL)
        return 1;

    client = plivo_client_new(NULL, NULL); /* PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN / PLIVO_BASE_URL */
    if (client == NULL) {
        fprintf(stderr, "client: %s: %s\n", plivo_code_name(plivo_last_error_code()), plivo_last_error());
        free(seen);
        return 1;
    }
    queue = plivo_queue_new(client, (uint32_t)max_in_flight);
    plivo_client_free(client); /* the queue keeps it alive */
    if (queue == NULL) {
        fprintf(stderr, "queue: %s: %s\n", plivo_code_name(plivo_last_error_code()), plivo_last_error());
        free(seen);
        return 1;
    }
    pfd.fd = plivo_queue_fd(queue);
    pfd.events = POLLIN;

    while (results < submitted || next < n) {
        PlivoResult *r;
        /* Submit until done or the queue is full. */
        while (next < n) {
            char stream[32];
            PlivoCode code;
            snprintf(stream, sizeof stream, "s%lu", next);
            code = plivo_queue_stop_stream(queue, argv[1], stream, (uint64_t)next);
            if (code == PLIVO_ERR_BUSY) {
                busy++;
                break;
            }
            if (code != PLIVO_OK) {
                fprintf(stderr, "submit %s: %s: %s\n", stream, plivo_code_name(code), plivo_last_error());
                goto out;
            }
            next++;
            submitted++;
        }
        /* Wait for the descriptor, then drain every ready result. */
        if (poll(&pfd, 1, 5000) < 0) {
            if (errno == EINTR)
                continue;
            perror("poll");
            goto out;
        }
        if (!(pfd.revents & POLLIN)) {
            if (results < submitted) {
                fprintf(stderr, "poll_stops: no result within 5 s (%lu pending)\n",
                        (unsigned long)plivo_queue_pending(queue));
                goto out;
            }
            continue;
        }
        while ((r = plivo_queue_next(queue)) != NULL) {
            uint64_t tag = plivo_result_tag(r);
            unsigned long long us = plivo_result_elapsed_us(r);
            results++;
            if (tag >= n)
                bad_tag++;
            else if (seen[tag]++)
                dup++;
            if (plivo_result_code(r) == PLIVO_OK) {
                ok++;
            } else {
                const char *m = plivo_result_message(r);
                failed++;
                if (failed <= 5)
                    fprintf(stderr, "stop s%llu: %s: %s\n", (unsigned long long)tag,
                            plivo_code_name(plivo_result_code(r)), m ? m : "");
            }
            elapsed_sum += us;
            if (us > elapsed_max)
                elapsed_max = us;
            plivo_result_free(r);
        }
    }
    printf("poll_stops: %lu submitted, %lu results (%lu ok, %lu failed), %lu BUSY answers, "
           "%lu duplicate, %lu unknown tags; elapsed avg %llu us, max %llu us; pending %u\n",
           submitted, results, ok, failed, busy, dup, bad_tag,
           results ? elapsed_sum / results : 0ULL, elapsed_max, (unsigned)plivo_queue_pending(queue));
    rc = (submitted == n && results == n && ok == n && dup == 0 && bad_tag == 0 &&
          plivo_queue_pending(queue) == 0) ? 0 : 1;
out:
    plivo_queue_free(queue);
    free(seen);
    return rc;
}
