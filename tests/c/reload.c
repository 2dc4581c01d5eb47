/* Module reload, as PBXes do it ("module reload"): dlopen libplivo.so (argv[1]),
 * create a client, stop (a complete exchange: an unknown call, answered 404), free,
 * dlclose; 20 times, against the bundled server (PLIVO_BASE_URL and the credentials
 * from the environment). Not linked against libplivo, so each dlopen is a real load.
 * Every round must work, and descriptors must not grow. Prints `N passed, M failed`. */
#define _DEFAULT_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

/* Not linked against libplivo: the harness must not call into it. */
#define CHECK_WITHOUT_LIBRARY
#include "check.h"

typedef struct PlivoClient PlivoClient;
typedef void *(*new_fn)(const char *, const char *);
typedef void (*free_fn)(void *);
typedef int (*stop_fn)(const void *, const char *, const char *);

int main(int argc, char **argv)
{
    int round, before = -1;
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH/libplivo.so\n", argv[0]);
        return 2;
    }
    for (round = 0; round < 20; round++) {
        void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
        new_fn make;
        free_fn release;
        stop_fn stop;
        void *c;
        CHECK(lib != NULL, "dlopen %s: %s", argv[1], dlerror());
        if (lib == NULL)
            break;
        *(void **)&make = dlsym(lib, "plivo_client_new");
        *(void **)&release = dlsym(lib, "plivo_client_free");
        *(void **)&stop = dlsym(lib, "plivo_stop_stream");
        CHECK(make && release && stop, "symbols in round %d", round);
        if (!(make && release && stop))
            break;
        c = make(NULL, NULL);
        CHECK(c != NULL, "client in round %d", round);
        CHECK(c != NULL && stop(c, "reload-nocall", "s") == 5 /* PLIVO_ERR_NOT_FOUND */,
              "stop in round %d", round);
        release(c);
        CHECK(dlclose(lib) == 0, "dlclose in round %d: %s", round, dlerror());
        if (round == 1)
            before = open_descriptors();
    }
    CHECK(open_descriptors() <= before, "descriptors grew over reloads: %d -> %d", before,
          open_descriptors());
    return check_summary();
}
