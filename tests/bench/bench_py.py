"""Python drivers: the official Plivo SDK (`plivo` from PyPI) and libplivo's ctypes
binding (`plivo_ffi`), measured exactly like the C drivers.

    python bench_py.py sdk|ffi --base-url URL --call C --stream S --calls N
                       [--warmup W] [--server-pid PID] [--cold]

Credentials come from PLIVO_AUTH_ID / PLIVO_AUTH_TOKEN (never printed). Prints one JSON
line with the same fields as bench_common.h. --cold: import, create the client, one stop,
print CLOCK_MONOTONIC ns (the parent, spawn_timer, measures from its fork).
"""
import argparse
import json
import os
import resource
import sys
import time


def make_sdk(base_url):
    # The SDK builds every URL from module constants of plivo.rest.client (voice
    # requests, streams included, use API_VOICE_BASE_URI and its two fallbacks; others
    # PLIVO_API_BASE_URI): point all of them at the local server before the client
    # exists. base_url is http://127.0.0.1:PORT/v1/ ; the SDK appends /{auth_id}/...
    import plivo
    import plivo.rest.client as rc

    root = base_url.rstrip("/")            # http://127.0.0.1:PORT/v1
    host = root[: -len("/v1")]
    account = root + "/Account"
    rc.PLIVO_API = rc.API_VOICE = rc.API_VOICE_FALLBACK_1 = rc.API_VOICE_FALLBACK_2 = host
    rc.PLIVO_API_BASE_URI = rc.API_VOICE_BASE_URI = account
    rc.API_VOICE_BASE_URI_FALLBACK_1 = rc.API_VOICE_BASE_URI_FALLBACK_2 = account
    client = plivo.RestClient()  # credentials from the environment, as libplivo's
    delete = client.calls.delete_specific_stream

    def stop(call, stream):
        delete(call, stream)       # raises on any non-2xx answer

    return stop


def make_ffi(base_url):
    import plivo_ffi

    client = plivo_ffi.Client(base_url=base_url)
    return client.stop_stream      # raises plivo_ffi.PlivoError on failure


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def proc_cpu_s(pid):
    if not pid:
        return -1.0
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return -1.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("system", choices=["sdk", "ffi"])
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--call", required=True)
    ap.add_argument("--stream", required=True)
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--server-pid", type=int, default=0)
    ap.add_argument("--cold", action="store_true")
    a = ap.parse_args()
    rss0 = rss_kib()
    stop = (make_sdk if a.system == "sdk" else make_ffi)(a.base_url)
    call, stream = a.call, a.stream
    if a.cold:
        stop(call, stream)
        print(time.clock_gettime_ns(time.CLOCK_MONOTONIC), flush=True)
        return 0
    errors, first_error = 0, None
    for _ in range(a.warmup):
        try:
            stop(call, stream)
        except Exception as e:  # noqa: BLE001 - counted, reported by type
            errors += 1
            first_error = first_error or type(e).__name__
    lat = [0] * a.calls
    clock = time.perf_counter_ns
    srv0 = proc_cpu_s(a.server_pid)
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = clock()
    for i in range(a.calls):
        c0 = clock()
        try:
            stop(call, stream)
        except Exception as e:  # noqa: BLE001
            errors += 1
            first_error = first_error or type(e).__name__
        lat[i] = clock() - c0
    t1 = clock()
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    srv1 = proc_cpu_s(a.server_pid)
    wall = (t1 - t0) / 1e9
    lat.sort()
    n = len(lat)

    def pct(p):
        return lat[min(n - 1, int(p * (n - 1) + 0.5))] / 1000.0 if n else 0.0

    user, sys_ = ru1.ru_utime - ru0.ru_utime, ru1.ru_stime - ru0.ru_stime
    print(json.dumps({
        "system": "sdk-python" if a.system == "sdk" else "libplivo-python",
        "calls": a.calls, "warmup": a.warmup, "threads": 1, "errors": errors,
        "first_error_code": first_error or 0, "wall_s": wall,
        "calls_per_s": a.calls / wall if wall else 0.0,
        "p50_us": pct(0.50), "p99_us": pct(0.99),
        "mean_us": (sum(lat) / n / 1000.0) if n else 0.0,
        "cpu_user_s": user, "cpu_sys_s": sys_,
        "cpu_us_per_call": (user + sys_) * 1e6 / a.calls if a.calls else 0.0,
        "server_cpu_s": (srv1 - srv0) if srv0 >= 0 and srv1 >= 0 else -1,
        "rss_start_kib": rss0, "rss_end_kib": rss_kib(), "rss_at": {},
    }), flush=True)
    if errors:
        print(f"bench_py: {errors} errors, first {first_error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
