/* LD_PRELOAD shim for tests: getaddrinfo() sleeps 1 s, then answers as usual. A slow
 * DNS server, without any network: tests only look up "localhost" (/etc/hosts). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <unistd.h>

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    int (*real)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
    *(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo");
    sleep(1);
    return real(node, service, hints, res);
}
