/* Cold start of libplivo: process start, dlopen() of the library, plivo_client_new()
 * and the first completed plivo_stop_stream(). Prints three CLOCK_MONOTONIC ns stamps on
 * one line: after dlopen(), after plivo_client_new(), after that first stop returned
 * PLIVO_OK; the parent (spawn_timer) subtracts its fork time.
 *
 *   cold_plivo /path/to/libplivo.so CALL STREAM   (PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN,
 *                                                  PLIVO_BASE_URL from the environment)
 * Not linked against libplivo: the library is loaded with dlopen(RTLD_NOW). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

typedef void *(*client_new_fn)(const char *, const char *);
typedef int (*stop_fn)(const void *, const char *, const char *);
typedef void (*free_fn)(void *);

static unsigned long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: cold_plivo LIBRARY CALL STREAM\n");
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    unsigned long long t_dlopen = now_ns();
    if (!lib) {
        fprintf(stderr, "cold_plivo: %s\n", dlerror());
        return 1;
    }
    client_new_fn client_new = (client_new_fn)dlsym(lib, "plivo_client_new");
    stop_fn stop = (stop_fn)dlsym(lib, "plivo_stop_stream");
    free_fn client_free = (free_fn)dlsym(lib, "plivo_client_free");
    if (!client_new || !stop || !client_free) return 1;
    void *client = client_new(NULL, NULL);
    unsigned long long t_client = now_ns();
    if (!client) return 1;
    int code = stop(client, argv[2], argv[3]);
    unsigned long long t_stop = now_ns();
    printf("%llu %llu %llu\n", t_dlopen, t_client, t_stop);
    client_free(client);
    return code == 0 ? 0 : 1;
}
