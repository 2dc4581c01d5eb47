/* libplivo from C: plivo_stop_stream() in a loop on one client, from 1..N threads.
 *
 *   bench_plivo --base-url URL --auth-id ID --call C --stream S --calls N
 *               [--warmup W] [--threads T] [--no-lat] [--rss-at 1000,100000]
 *               [--server-pid PID]
 *
 * The auth token comes from $PLIVO_AUTH_TOKEN (never printed). Prints one JSON line
 * (see bench_common.h). Exit status 0 only when every call returned PLIVO_OK.
 * Linked against the release libplivo.so (tests/bench/run.sh builds it). */
#include "bench_common.h"

#include <pthread.h>

#include "plivo.h"

static struct run_options g_run;
static const PlivoClient *g_client;
static long g_threads = 1;
static pthread_barrier_t g_ready, g_go;
static uint32_t *g_latencies;
static long g_check_kib[8];

struct worker {
    long index, n, offset, errors, first_error, done;
    int ci;
};

static inline void one_call(struct worker *w, uint32_t *lat_slot) {
    uint64_t t0 = lat_slot ? now_ns() : 0;
    PlivoCode c = plivo_stop_stream(g_client, g_run.call, g_run.stream);
    if (lat_slot) {
        uint64_t d = now_ns() - t0;
        *lat_slot = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
    }
    if (c != PLIVO_OK && !w->errors++) w->first_error = c;
    w->done++;
    /* RSS checkpoints (thread 0 only) count every call, warm-up included. */
    if (w->index == 0)
        while (w->ci < g_run.ncheck && w->done == g_run.check_at[w->ci]) g_check_kib[w->ci++] = rss_kib();
}

static void warm(struct worker *w) {
    for (long i = 0; i < g_run.warmup; i++) one_call(w, NULL);
}

static void timed(struct worker *w) {
    uint32_t *lat = g_latencies ? g_latencies + w->offset : NULL;
    for (long i = 0; i < w->n; i++) one_call(w, lat ? lat + i : NULL);
}

static void *work(void *arg) {
    struct worker *w = arg;
    warm(w);
    pthread_barrier_wait(&g_ready);
    pthread_barrier_wait(&g_go);
    timed(w);
    return NULL;
}

int main(int argc, char **argv) {
    const char *base = NULL, *auth_id = NULL;
    const struct own_option own[] = {
        {"--base-url", &base, NULL, NULL},
        {"--auth-id", &auth_id, NULL, NULL},
        {"--threads", NULL, &g_threads, NULL},
        {NULL, NULL, NULL, NULL},
    };
    if (parse_options(argc, argv, "bench_plivo", &g_run, own) != 0) return 2;
    if (!base || !auth_id || !g_run.call || !g_run.stream || g_threads < 1 || g_run.calls < 0) {
        fprintf(stderr, "usage: bench_plivo --base-url URL --auth-id ID --call C --stream S "
                        "--calls N [--warmup W] [--threads T] [--no-lat] [--rss-at a,b] "
                        "[--server-pid PID]\n");
        return 2;
    }
    if (strcmp(plivo_version(), PLIVO_VERSION) != 0) {
        fprintf(stderr, "bench_plivo: header %s but library %s\n", PLIVO_VERSION, plivo_version());
        return 2;
    }
    long rss0 = rss_kib();
    PlivoOptions *o = plivo_options_new();
    if (!o || plivo_options_set_base_url(o, base) != PLIVO_OK) {
        fprintf(stderr, "bench_plivo: options: %s\n", plivo_last_error());
        return 1;
    }
    PlivoClient *client = plivo_client_new_with_options(auth_id, NULL, o);
    plivo_options_free(o);
    if (!client) {
        fprintf(stderr, "bench_plivo: client: %s\n", plivo_last_error());
        return 1;
    }
    g_client = client;
    if (g_run.lat && g_run.calls > 0) {
        g_latencies = malloc(sizeof(uint32_t) * (size_t)g_run.calls);
        if (!g_latencies) return 1;
        memset(g_latencies, 0, sizeof(uint32_t) * (size_t)g_run.calls); /* touch it now, not during the run */
    }
    pthread_barrier_init(&g_ready, NULL, (unsigned)g_threads + 1);
    pthread_barrier_init(&g_go, NULL, (unsigned)g_threads + 1);
    struct worker *ws = calloc((size_t)g_threads, sizeof *ws);
    pthread_t *ts = calloc((size_t)g_threads, sizeof *ts);
    long off = 0;
    for (long t = 0; t < g_threads; t++) {
        ws[t].index = t;
        ws[t].n = g_run.calls / g_threads + (t < g_run.calls % g_threads ? 1 : 0);
        ws[t].offset = off;
        off += ws[t].n;
        if (g_threads == 1) continue; /* run on the main thread */
        if (pthread_create(&ts[t], NULL, work, &ws[t]) != 0) {
            fprintf(stderr, "bench_plivo: pthread_create failed\n");
            return 1;
        }
    }
    struct result r = {0};
    double su, ss, eu, es, srv0, srv1;
    unsigned long long mb0, mt0, mb1, mt1;
    uint64_t t0, t1;
    if (g_threads == 1) {
        warm(&ws[0]);
        srv0 = proc_cpu_s(g_run.server_pid);
        machine_ticks(&mb0, &mt0);
        cpu_self(&su, &ss);
        t0 = now_ns();
        timed(&ws[0]);
        t1 = now_ns();
        cpu_self(&eu, &es);
        machine_ticks(&mb1, &mt1);
        srv1 = proc_cpu_s(g_run.server_pid);
    } else {
        pthread_barrier_wait(&g_ready);
        srv0 = proc_cpu_s(g_run.server_pid);
        machine_ticks(&mb0, &mt0);
        cpu_self(&su, &ss);
        t0 = now_ns();
        pthread_barrier_wait(&g_go);
        for (long t = 0; t < g_threads; t++) pthread_join(ts[t], NULL);
        t1 = now_ns();
        cpu_self(&eu, &es);
        machine_ticks(&mb1, &mt1);
        srv1 = proc_cpu_s(g_run.server_pid);
    }
    r.system = "libplivo-c";
    r.calls = g_run.calls;
    r.warmup = g_run.warmup;
    r.threads = g_threads;
    for (long t = 0; t < g_threads; t++) {
        if (ws[t].errors && !r.errors) r.first_error_code = ws[t].first_error;
        r.errors += ws[t].errors;
    }
    r.wall_s = (t1 - t0) / 1e9;
    r.cpu_user_s = eu - su;
    r.cpu_sys_s = es - ss;
    r.machine_busy = mt1 > mt0 ? (double)(mb1 - mb0) / (double)(mt1 - mt0) : -1;
    r.server_cpu_s = (srv0 >= 0 && srv1 >= 0) ? srv1 - srv0 : -1;
    r.lat = g_latencies;
    r.nlat = g_latencies ? (size_t)g_run.calls : 0;
    r.rss_start_kib = rss0;
    r.rss_end_kib = rss_kib();
    r.ncheck = ws[0].ci;
    for (int i = 0; i < g_run.ncheck; i++) {
        r.check_at[i] = g_run.check_at[i];
        r.check_kib[i] = g_check_kib[i];
    }
    if (r.errors)
        fprintf(stderr, "bench_plivo: %ld errors, first %s\n", r.errors,
                plivo_code_name((int)r.first_error_code));
    print_result(&r);
    plivo_client_free(client);
    free(g_latencies);
    free(ws);
    free(ts);
    return r.errors ? 1 : 0;
}
