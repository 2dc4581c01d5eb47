/* The limit: a minimal hand-written HTTP/1.1 client on one raw keep-alive socket.
 *
 *   bench_raw --port P --template FILE --account-path /v1/Account/ID/ --call C --stream S
 *             --calls N [--warmup W] [--no-lat] [--rss-at a,b] [--server-pid PID] [--cold]
 *
 * FILE holds the request libplivo sends (captured by capture.py), with "@PATH@" for the
 * request target and "@HOST@" for the Host value: the same header lines in the same
 * order, Authorization included (the file is private to the run, never printed). Each
 * call formats the request target from the ids (as any client must), writes the request
 * with one send(), reads until the end of the response head, checks for "204", skips a
 * Content-Length body if any, and keeps the connection. No chunked bodies, no pipelining.
 * --cold: one call, then print CLOCK_MONOTONIC ns and exit (cold start measurement). */
#include "bench_common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static char *g_pre, *g_post; /* request bytes before / after the request target */
static size_t g_pre_len, g_post_len;
static const char *g_acct;
static struct run_options g_run;
static int g_fd = -1;
static char g_rbuf[16384];
static size_t g_rlen; /* bytes buffered and not yet consumed */

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = malloc(65536);
    *len = fread(buf, 1, 65535, f);
    buf[*len] = 0;
    fclose(f);
    return buf;
}

/* Returns s with the first occurrence of key replaced by val (s is freed). */
static char *subst(char *s, const char *key, const char *val) {
    char *p = strstr(s, key);
    if (!p) return s;
    size_t klen = strlen(key), vlen = strlen(val), slen = strlen(s);
    char *out = malloc(slen - klen + vlen + 1);
    memcpy(out, s, (size_t)(p - s));
    memcpy(out + (p - s), val, vlen);
    strcpy(out + (p - s) + vlen, p + klen);
    free(s);
    return out;
}

static int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One DELETE; returns the HTTP status, or -1 on an I/O or parse failure. */
__attribute__((noinline)) static int stop_stream(void) {
    char req[4096];
    size_t n = 0;
    memcpy(req, g_pre, g_pre_len);
    n += g_pre_len;
    int k = snprintf(req + n, sizeof req - n, "%sCall/%s/Stream/%s/", g_acct, g_run.call, g_run.stream);
    if (k < 0 || (size_t)k >= sizeof req - n - g_post_len) return -1;
    n += (size_t)k;
    memcpy(req + n, g_post, g_post_len);
    n += g_post_len;
    for (size_t off = 0; off < n;) {
        ssize_t w = send(g_fd, req + off, n - off, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && errno == EINTR) continue;
            return -1;
        }
        off += (size_t)w;
    }
    /* read the head */
    char *end;
    for (;;) {
        g_rbuf[g_rlen] = 0;
        if ((end = strstr(g_rbuf, "\r\n\r\n"))) break;
        if (g_rlen >= sizeof g_rbuf - 1) return -1;
        ssize_t r = recv(g_fd, g_rbuf + g_rlen, sizeof g_rbuf - 1 - g_rlen, 0);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) continue;
            return -1;
        }
        g_rlen += (size_t)r;
    }
    if (g_rlen < 12 || memcmp(g_rbuf, "HTTP/1.1 ", 9) != 0) return -1;
    int status = atoi(g_rbuf + 9);
    size_t head = (size_t)(end + 4 - g_rbuf);
    size_t body = 0;
    for (char *p = strstr(g_rbuf, "\r\n"); p && p < end; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, "content-length:", 15) == 0) body = strtoul(p + 17, NULL, 10);
        else if (strncasecmp(p + 2, "transfer-encoding:", 18) == 0) return -1;
    }
    if (status == 204 || status == 304) body = 0;
    /* consume head + body; keep whatever follows (nothing, without pipelining) */
    size_t need = head + body;
    while (g_rlen < need) {
        if (need > sizeof g_rbuf - 1) return -1;
        ssize_t r = recv(g_fd, g_rbuf + g_rlen, sizeof g_rbuf - 1 - g_rlen, 0);
        if (r <= 0) return -1;
        g_rlen += (size_t)r;
    }
    memmove(g_rbuf, g_rbuf + need, g_rlen - need);
    g_rlen -= need;
    return status;
}

int main(int argc, char **argv) {
    const char *tmpl = NULL;
    long port = 0;
    int cold = 0;
    const struct own_option own[] = {
        {"--port", NULL, &port, NULL},
        {"--template", &tmpl, NULL, NULL},
        {"--account-path", &g_acct, NULL, NULL},
        {"--cold", NULL, NULL, &cold},
        {NULL, NULL, NULL, NULL},
    };
    if (parse_options(argc, argv, "bench_raw", &g_run, own) != 0) return 2;
    long calls = g_run.calls, warmup = g_run.warmup, server_pid = g_run.server_pid,
         check_kib[8];
    const long *check_at = g_run.check_at;
    int lat_on = g_run.lat, ncheck = g_run.ncheck;
    if (!port || !tmpl || !g_acct || !g_run.call || !g_run.stream || calls < 0) {
        fprintf(stderr, "usage: bench_raw --port P --template FILE --account-path P --call C "
                        "--stream S --calls N [--warmup W] [--no-lat] [--rss-at a,b] "
                        "[--server-pid PID] [--cold]\n");
        return 2;
    }
    long rss0 = rss_kib();
    size_t tlen;
    char *t = slurp(tmpl, &tlen);
    if (!t) { fprintf(stderr, "bench_raw: cannot read the template\n"); return 1; }
    char host[64];
    snprintf(host, sizeof host, "127.0.0.1:%ld", port);
    t = subst(t, "@HOST@", host);
    char *at = strstr(t, "@PATH@");
    if (!at) { fprintf(stderr, "bench_raw: template has no @PATH@\n"); return 1; }
    *at = 0;
    g_pre = t;
    g_pre_len = strlen(t);
    g_post = at + 6;
    g_post_len = strlen(g_post);

    g_fd = connect_to((int)port);
    if (g_fd < 0) { fprintf(stderr, "bench_raw: connect: %s\n", strerror(errno)); return 1; }
    if (cold) {
        int st = stop_stream();
        printf("%llu\n", (unsigned long long)now_ns());
        return st == 204 ? 0 : 1;
    }
    uint32_t *lat = NULL;
    if (lat_on && calls > 0) {
        lat = malloc(sizeof *lat * (size_t)calls);
        memset(lat, 0, sizeof *lat * (size_t)calls);
    }
    long errors = 0, first_error = 0, done = 0;
    int ci = 0;
    for (long i = 0; i < warmup; i++) {
        int st = stop_stream();
        if (st != 204 && !errors++) first_error = st;
        done++;
        while (ci < ncheck && done == check_at[ci]) check_kib[ci++] = rss_kib();
        if (st < 0) break;
    }
    double su, ss, eu, es;
    double srv0 = proc_cpu_s(server_pid);
    unsigned long long mb0, mt0, mb1, mt1;
    machine_ticks(&mb0, &mt0);
    cpu_self(&su, &ss);
    uint64_t t0 = now_ns();
    for (long i = 0; i < calls && !(errors && first_error < 0); i++) {
        uint64_t c0 = lat ? now_ns() : 0;
        int st = stop_stream();
        if (lat) {
            uint64_t d = now_ns() - c0;
            lat[i] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
        }
        if (st != 204 && !errors++) first_error = st;
        done++;
        while (ci < ncheck && done == check_at[ci]) check_kib[ci++] = rss_kib();
    }
    uint64_t t1 = now_ns();
    cpu_self(&eu, &es);
    machine_ticks(&mb1, &mt1);
    double srv1 = proc_cpu_s(server_pid);
    struct result r = {
        .system = "raw-c", .calls = calls, .warmup = warmup, .threads = 1,
        .errors = errors, .first_error_code = first_error, .wall_s = (t1 - t0) / 1e9,
        .cpu_user_s = eu - su, .cpu_sys_s = es - ss,
        .server_cpu_s = (srv0 >= 0 && srv1 >= 0) ? srv1 - srv0 : -1,
        .machine_busy = mt1 > mt0 ? (double)(mb1 - mb0) / (double)(mt1 - mt0) : -1,
        .lat = lat, .nlat = lat ? (size_t)calls : 0,
        .rss_start_kib = rss0, .rss_end_kib = rss_kib(), .ncheck = ci,
    };
    for (int i = 0; i < ci; i++) {
        r.check_at[i] = check_at[i];
        r.check_kib[i] = check_kib[i];
    }
    if (errors) fprintf(stderr, "bench_raw: %ld errors, first status %ld\n", errors, first_error);
    print_result(&r);
    close(g_fd);
    return errors ? 1 : 0;
}
