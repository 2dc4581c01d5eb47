/*
 * stop_stream: stop one audio stream of a live call with libplivo. An example (C needs
 * no binding: it uses include/plivo.h as it is); demo.sh beside it runs it twice.
 *
 *   PLIVO_AUTH_ID=... PLIVO_AUTH_TOKEN=... [PLIVO_BASE_URL=...] stop_stream CALL_UUID STREAM_UUID
 *
 * Prints what happened and exits with the PlivoCode (0 on success), so scripts can
 * tell "already stopped" (2, PLIVO_ERR_NO_ACTIVE_STREAM) from real failures.
 */
#include <stdio.h>

#include "plivo.h"

static void print_failure(const char *what)
{
    const char *message = plivo_last_error();
    const char *api_id = plivo_last_api_id();

    /* The message names the operation and, for HTTP errors, the status and the
     * server's error text. */
    fprintf(stderr, "%s: %s: %s", what, plivo_code_name(plivo_last_error_code()),
            message ? message : "(no message)");
    if (api_id)
        fprintf(stderr, " [api_id %s]", api_id);
    fputc('\n', stderr);
}

int main(int argc, char **argv)
{
    PlivoClient *client;
    PlivoCode code;

    if (argc != 3) {
        fprintf(stderr,
                "usage: %s CALL_UUID STREAM_UUID\n"
                "credentials come from PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN; "
                "PLIVO_BASE_URL overrides the API address\n",
                argv[0]);
        return PLIVO_ERR_INVALID_ARGUMENT;
    }

    /* NULL credentials: read from PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN. */
    client = plivo_client_new(NULL, NULL);
    if (client == NULL) {
        print_failure("cannot create client");
        return plivo_last_error_code();
    }

    code = plivo_stop_stream(client, argv[1], argv[2]);
    if (code == PLIVO_OK)
        printf("stopped stream %s of call %s (HTTP %d)\n", argv[2], argv[1],
               plivo_last_http_status());
    else
        print_failure("stop failed");

    plivo_client_free(client);
    return code;
}
