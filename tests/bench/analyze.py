"""Turns one benchmark run (tests/bench/run.sh) into results.md, results.json, chart.png
and summary.md. Every ratio is computed from this run's own measurements.

    python analyze.py OUT_DIR      (reads runs.jsonl, cold.jsonl, meta.json, callgrind/)
"""
import json
import os
import statistics as st
import sys

SYSTEMS = ["raw-c", "libplivo-c", "libplivo-go", "libplivo-python", "sdk-python"]
LABEL = {
    "raw-c": "raw socket (C, the limit)",
    "libplivo-c": "libplivo from C",
    "libplivo-go": "libplivo from Go",
    "libplivo-python": "libplivo from Python (plivo_ffi)",
    "sdk-python": "official Python SDK",
}
PLACEMENTS = ["unpinned", "same-cpu", "cross-cpu"]
PLACEMENT_LABEL = {
    "unpinned": "unpinned",
    "same-cpu": "same CPU (client 0, server 0)",
    "cross-cpu": "different CPUs (client 0, server 1)",
}


def med(xs):
    return st.median(xs) if xs else float("nan")


def spread(xs, fmt="{:.0f}"):
    return f"{fmt.format(min(xs))}–{fmt.format(max(xs))}" if xs else "–"


def result_p10(colds, s):
    xs = sorted(colds.get(s, {}).get("to_mark_ms", []))
    return xs[len(xs) // 10] if xs else float("nan")


def load_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main(out):
    meta = json.load(open(os.path.join(out, "meta.json")))
    runs = load_jsonl(os.path.join(out, "runs.jsonl"))
    cold = load_jsonl(os.path.join(out, "cold.jsonl"))
    main_runs = [r for r in runs if r["kind"] == "main"]
    placements = [p for p in PLACEMENTS if any(r["placement"] == p for r in main_runs)]
    ok = lambda r: r.get("exit") == 0 and r.get("errors") == 0  # noqa: E731

    # ---- main table ---------------------------------------------------------------------
    cells = {}
    for p in placements:
        for s in SYSTEMS:
            rs = [r for r in main_runs if r["placement"] == p and r["system"] == s]
            good = [r for r in rs if ok(r)]
            c = {
                "runs": len(rs), "failed_runs": len(rs) - len(good),
                "calls_per_s": [r["calls_per_s"] for r in good],
                "p50_us": [r["p50_us"] for r in good], "p99_us": [r["p99_us"] for r in good],
                "cpu_us_per_call": [r["cpu_us_per_call"] for r in good],
                "cpu_user_us_per_call": [r["cpu_user_s"] * 1e6 / r["calls"] for r in good],
                "cpu_sys_us_per_call": [r["cpu_sys_s"] * 1e6 / r["calls"] for r in good],
                "server_cpu_us_per_call": [r["server_cpu_s"] * 1e6 / r["calls"]
                                           for r in good if r.get("server_cpu_s", -1) >= 0],
                "connections": sorted({r["connections"] for r in rs}),
            }
            # paired ratios against the raw client of the same rep and placement
            for key, name in (("calls_per_s", "tput_x_raw"), ("cpu_us_per_call", "cpu_x_raw")):
                c[name] = []
                for r in good:
                    raw = [q for q in main_runs if q["system"] == "raw-c" and q["placement"] == p
                           and q["rep"] == r["rep"] and ok(q)]
                    if raw and raw[0][key] > 0:
                        c[name].append(r[key] / raw[0][key])
            cells[(p, s)] = c

    # ---- threads --------------------------------------------------------------------------
    nproc = meta["nproc"]
    threads = {}
    for r in (r for r in runs if r["kind"] == "threads"):
        t = threads.setdefault(r["threads"], {"calls_per_s": [], "errors": 0, "failed": 0,
                                               "p50_us": [], "p99_us": [], "cpu_util": [],
                                               "machine_busy": [],
                                               "connections": set()})
        t["errors"] += max(r.get("errors", 0), 0)
        t["failed"] += 0 if ok(r) else 1
        t["connections"].add(r["connections"])
        if r.get("wall_s"):
            t["calls_per_s"].append(r["calls_per_s"])
            t["p50_us"].append(r["p50_us"])
            t["p99_us"].append(r["p99_us"])
            srv = max(r.get("server_cpu_s", 0), 0)
            t["cpu_util"].append((r["cpu_user_s"] + r["cpu_sys_s"] + srv) / (r["wall_s"] * nproc))
            if r.get("machine_busy", -1) >= 0:
                t["machine_busy"].append(r["machine_busy"])

    # ---- memory, callgrind, cold ------------------------------------------------------------
    mem = {r["system"]: r for r in runs if r["kind"] == "memory"}
    rss_calls = meta["rss_calls"]

    def ir(sys_, n):
        try:
            return int(open(os.path.join(out, "callgrind", f"{sys_}.{n}.ir")).read().strip())
        except (OSError, ValueError):
            return None

    cg = {}
    for s in ("libplivo-c", "raw-c"):
        a, b = ir(s, 0), ir(s, meta["callgrind_calls"])
        if a is not None and b is not None:
            cg[s] = {"ir_0": a, "ir_n": b, "ir_per_call": (b - a) / meta["callgrind_calls"]}
    def strace_counts(sys_, n):
        """{syscall: calls} from `strace -c` output, or None."""
        try:
            lines = open(os.path.join(out, "callgrind", f"{sys_}.{n}.strace")).read().splitlines()
        except OSError:
            return None
        counts = {}
        for line in lines:
            f = line.split()
            if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
                # % time, seconds, usecs/call, calls, [errors], syscall
                counts[f[-1]] = int(f[3])
        return counts

    syscalls = {}
    for s in ("libplivo-c", "raw-c"):
        a, b = strace_counts(s, 0), strace_counts(s, meta["callgrind_calls"])
        if a is not None and b is not None:
            per = {k: (b.get(k, 0) - a.get(k, 0)) / meta["callgrind_calls"] for k in set(a) | set(b)}
            per = {k: v for k, v in sorted(per.items(), key=lambda kv: (-kv[1], kv[0])) if v >= 0.01}
            syscalls[s] = {"per_call": per, "total_per_call": sum(per.values())}
    colds = {}
    for c in cold:
        d = colds.setdefault(c["system"], {"to_mark_ms": [], "to_exit_ms": [], "failures": 0,
                                           "stamps_ms": [], "cpu_ms": []})
        d["cpu_ms"] += c.get("cpu_ms", [])
        d["failures"] += c["failures"]
        d["stamps_ms"] += [s for s in c.get("stamps_ms", []) if s and min(s) >= 0]
        d["to_mark_ms"] += [x for x in c["to_mark_ms"] if x >= 0]
        d["to_exit_ms"] += c["to_exit_ms"]

    phases = None
    st3 = [s for s in colds.get("libplivo-c", {}).get("stamps_ms", []) if len(s) == 3]
    if st3:
        phases = {"exec_to_dlopen_done_ms": med([s[0] for s in st3]),
                  "plivo_client_new_ms": med([s[1] - s[0] for s in st3]),
                  "first_stop_ms": med([s[2] - s[1] for s in st3])}

    # ---- targets ----------------------------------------------------------------------------
    targets = []

    def target(name, passed, detail):
        targets.append({"target": name, "result": "PASS" if passed else "MISS", "detail": detail})

    tp = {p: med(cells[(p, "libplivo-c")]["tput_x_raw"]) for p in placements}
    tpm = {p: med(cells[(p, "libplivo-c")]["calls_per_s"]) / med(cells[(p, "raw-c")]["calls_per_s"])
           for p in placements}
    target("throughput ≥ 0.9× raw in every placement",
           all(tp[p] >= 0.9 for p in placements),
           ", ".join(f"{p} {tp[p]:.2f}×" for p in placements)
           + " (paired); ratio of medians: " + ", ".join(f"{p} {tpm[p]:.2f}×" for p in placements))
    cr = {p: med(cells[(p, "libplivo-c")]["cpu_x_raw"]) for p in placements}
    target("client CPU per call ≤ 2× raw's (every placement)",
           all(cr[p] <= 2 for p in placements),
           ", ".join(f"{p} {cr[p]:.2f}×" for p in placements)
           + (f"; instructions (callgrind) {cg['libplivo-c']['ir_per_call'] / cg['raw-c']['ir_per_call']:.1f}×"
              if "libplivo-c" in cg and "raw-c" in cg and cg["raw-c"]["ir_per_call"] > 0 else ""))
    cs = {p: med(cells[(p, "libplivo-c")]["cpu_us_per_call"]) / med(cells[(p, "sdk-python")]["cpu_us_per_call"])
          for p in placements}
    target("client CPU per call ≤ 1/10 of the SDK's (every placement)",
           all(cs[p] <= 0.1 for p in placements),
           ", ".join(f"{p} 1/{1 / cs[p]:.0f}" for p in placements))
    cm = med(colds.get("libplivo-c", {}).get("to_mark_ms", []))
    target("cold start to first completed stop < 2 ms",
           cm < 2 and colds.get("libplivo-c", {}).get("failures", 1) == 0,
           f"median {cm:.2f} ms (exec → dlopen → client → first stop)"
           + (f"; of which exec+dlopen {phases['exec_to_dlopen_done_ms']:.2f}, client_new "
              f"{phases['plivo_client_new_ms']:.2f}, first stop {phases['first_stop_ms']:.2f} ms; "
              f"p10 {result_p10(colds, 'libplivo-c'):.2f} ms; raw client (exec → connect → first answer) "
              f"median {med(colds.get('raw-c', {}).get('to_mark_ms', [])):.2f} ms; process CPU time to exit "
              f"libplivo {med(colds.get('libplivo-c', {}).get('cpu_ms', [])):.2f} ms, raw "
              f"{med(colds.get('raw-c', {}).get('cpu_ms', [])):.2f} ms"
              if phases else ""))
    m = mem.get("libplivo-c", {})
    r1k, rN = m.get("rss_at", {}).get("1000"), m.get("rss_at", {}).get(str(rss_calls))
    target(f"RSS after {rss_calls // 1000}k calls within 1 MiB of RSS after 1k",
           r1k is not None and rN is not None and abs(rN - r1k) <= 1024 and ok(m),
           f"{r1k} KiB → {rN} KiB ({(rN or 0) - (r1k or 0):+d} KiB)")
    target("steady RSS < 8 MiB", rN is not None and rN < 8192, f"{rN} KiB after {rss_calls} calls")
    ts = sorted(threads)
    tm = {t: med(threads[t]["calls_per_s"]) for t in ts}
    errs = sum(threads[t]["errors"] + threads[t]["failed"] for t in ts)
    util = {t: med(threads[t]["cpu_util"]) for t in ts}
    busy = {t: med(threads[t]["machine_busy"]) if threads[t]["machine_busy"] else util[t] for t in ts}
    # "grows until the CPUs saturate": each step up is ≥ 5 % faster while the machine's
    # CPUs are not yet saturated (< 90 % busy, /proc/stat, neighbours' load included, at
    # the smaller count), and no count afterwards falls below 80 % of the best before it.
    grow_ok, why = True, []
    for a, b in zip(ts, ts[1:]):
        if busy[a] < 0.9 and tm[b] < 1.05 * tm[a]:
            grow_ok = False
            why.append(f"{a}→{b} threads did not grow while the CPUs were {busy[a]:.0%} busy")
        best_before = max(tm[t] for t in ts if t <= a)
        if tm[b] < 0.8 * best_before:
            grow_ok = False
            why.append(f"{b} threads fell below 80 % of the best before")
    if ts and busy[ts[0]] >= 0.9:
        why.append(f"growth not measurable in this run: the CPUs were already {busy[ts[0]]:.0%} busy "
                   f"at 1 thread (other load on the machine); only 'no errors' and 'no collapse' were judged")
    target("N threads on one client: no errors, throughput grows until the CPUs saturate",
           errs == 0 and grow_ok and len(ts) > 1,
           ", ".join(f"{t}: {tm[t]:.0f}/s (CPUs {busy[t]:.0%} busy)" for t in ts)
           + f"; errors {errs}" + ("; " + "; ".join(why) if why else ""))

    # ---- results.json -------------------------------------------------------------------------
    summary_cells = {f"{p}/{s}": {k: (med(v) if isinstance(v, list) and k not in ("connections",) else v)
                                  for k, v in c.items()} for (p, s), c in cells.items()}
    result = {
        "meta": meta, "targets": targets, "main": summary_cells,
        "threads": {str(t): {"calls_per_s": tm[t], "cpu_util": util[t], "machine_busy": busy[t],
                             "p50_us": med(threads[t]["p50_us"]), "p99_us": med(threads[t]["p99_us"]),
                             "errors": threads[t]["errors"], "failed_runs": threads[t]["failed"]}
                    for t in ts},
        "memory": {s: {"rss_at": r.get("rss_at"), "rss_start_kib": r.get("rss_start_kib"),
                       "errors": r.get("errors")} for s, r in mem.items()},
        "callgrind": cg, "syscalls": syscalls,
        "cold_start": {s: {"median_to_first_stop_ms": med(d["to_mark_ms"]),
                           "median_to_exit_ms": med(d["to_exit_ms"]),
                           "median_cpu_ms": med(d["cpu_ms"]),
                           "p10_to_first_stop_ms": (sorted(d["to_mark_ms"])[len(d["to_mark_ms"]) // 10]
                                                    if d["to_mark_ms"] else None),
                           "reps": len(d["to_exit_ms"]), "failures": d["failures"]}
                       for s, d in colds.items()},
        "cold_start_phases_libplivo_c": phases,
        "runs": runs, "cold_runs": cold,
    }
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(result, f, indent=1)

    # ---- results.md -----------------------------------------------------------------------------
    L = []
    w = L.append
    w(f"# libplivo benchmark — {meta['date']}")
    w("")
    w(f"Machine: {meta['nproc']} CPUs, {meta['cpu_model']}, Linux {meta['kernel']}; commit "
      f"`{meta['commit']}`; libplivo {meta['libplivo_version']} (release), official SDK "
      f"plivo {meta['sdk_version']} (requests {meta['requests_version']}, Python {meta['python']}), "
      f"{meta['go']}, gcc {meta['gcc']}, {meta['rustc']}. Load average at the start / end: "
      f"{' '.join(meta.get('loadavg_start', []))} / {' '.join(meta['loadavg_end'])}{' — QUICK RUN (smoke test, not for publishing)' if meta['quick'] else ''}.")
    w("")
    w(f"Server: {meta['server']}, on 127.0.0.1. Every measured call is a stop of call "
      f"`{meta['call_uuid']}` (answered 204 without server state; each client first stopped a real "
      f"seeded stream). Per system and placement: {meta['reps']} repetitions × {meta['calls']} calls "
      f"after {meta['warmup']} warm-up calls, on one client / one kept-alive connection; "
      f"systems shuffled and placements rotated within each repetition. Figures are medians over "
      f"the repetitions with min–max; ratios are paired with the raw client's run of the same "
      f"repetition and placement. CPU = user+system time of the client process (getrusage) per call; "
      f"the user / sys split is tick-sampled by the kernel, so approximate.")
    w("")
    hdr = [h[0] for h in meta["request_headers"]["headers"]]
    mb = [r["machine_busy"] for r in main_runs if r.get("machine_busy", -1) >= 0]
    if mb:
        w(f"Machine busy during the C drivers' measured loops (all CPUs, /proc/stat, other users' "
          f"processes included): median {med(mb):.0%}, min {min(mb):.0%}, max {max(mb):.0%}. A single "
          f"client–server ping-pong keeps about one CPU busy, i.e. {1 / nproc:.0%} of this machine; more "
          f"means other load, which also pushes \"unpinned\" client and server onto the same CPU.")
        w("")
    w("Request headers (libplivo's, captured on the wire; the raw client sends the same bytes): "
      + ", ".join(f"`{h}`" for h in hdr) + ".")
    w("")
    w("## Throughput, latency and client CPU per call")
    w("")
    w("| placement | system | calls/s (min–max) | × raw | p50 µs | p99 µs | client CPU µs/call (min–max) | user / sys | CPU × raw | server CPU µs/call | conns/run |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p in placements:
        for s in SYSTEMS:
            c = cells[(p, s)]
            if not c["calls_per_s"]:
                w(f"| {PLACEMENT_LABEL[p]} | {LABEL[s]} | failed ({c['failed_runs']}/{c['runs']} runs) | | | | | | | | |")
                continue
            fail = f" ⚠ {c['failed_runs']} failed runs" if c["failed_runs"] else ""
            w(f"| {PLACEMENT_LABEL[p]} | {LABEL[s]} | {med(c['calls_per_s']):,.0f} ({spread(c['calls_per_s'])}){fail} "
              f"| {med(c['tput_x_raw']):.2f} | {med(c['p50_us']):.1f} | {med(c['p99_us']):.1f} "
              f"| {med(c['cpu_us_per_call']):.1f} ({spread(c['cpu_us_per_call'], '{:.1f}')}) "
              f"| {med(c['cpu_user_us_per_call']):.1f} / {med(c['cpu_sys_us_per_call']):.1f} "
              f"| {med(c['cpu_x_raw']):.2f} | {med(c['server_cpu_us_per_call']):.1f} "
              f"| {','.join(map(str, c['connections']))} |")
    w("")
    w("## Threads sharing one libplivo client (from C, unpinned)")
    w("")
    w(f"{meta['thread_calls']} calls in all per run, split between the threads; {meta['reps']} repetitions. "
      f"Client+server CPU = their CPU time / (wall time × {nproc} CPUs); machine busy = all "
      f"CPUs' busy share from /proc/stat during the run (other processes on this shared machine included).")
    w("")
    w("| threads | calls/s (min–max) | p50 µs | p99 µs | client+server CPU | machine busy | errors | connections |")
    w("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for t in ts:
        d = threads[t]
        w(f"| {t} | {tm[t]:,.0f} ({spread(d['calls_per_s'])}) | {med(d['p50_us']):.1f} | "
          f"{med(d['p99_us']):.1f} | {util[t]:.0%} | {busy[t]:.0%} | {d['errors']} | "
          f"{','.join(map(str, sorted(d['connections'])))} |")
    w("")
    w("## Cold start (parent: clock_gettime around fork/exec; child: the moment its first stop completed)")
    w("")
    w("| system | runs | median to first completed stop | p10 | median to exit | child CPU time (median) |")
    w("|---|---:|---:|---:|---:|---:|")
    for s in ("libplivo-c", "raw-c", "libplivo-python", "sdk-python"):
        if s in colds:
            d = result["cold_start"][s]
            w(f"| {LABEL[s]}{' (dlopen)' if s == 'libplivo-c' else ''} | {d['reps']} | "
              f"{d['median_to_first_stop_ms']:.2f} ms | {d['p10_to_first_stop_ms']:.2f} ms | "
              f"{d['median_to_exit_ms']:.2f} ms | {d['median_cpu_ms']:.2f} ms |")
    if phases:
        w("")
        w(f"libplivo cold start, medians by phase: exec + ld.so + `dlopen()` {phases['exec_to_dlopen_done_ms']:.2f} ms, "
          f"`plivo_client_new()` {phases['plivo_client_new_ms']:.2f} ms, first `plivo_stop_stream()` "
          f"(connect + request + 204) {phases['first_stop_ms']:.2f} ms.")
    w("")
    w("## Memory and size")
    w("")
    w("| system | RSS at start | after 1k calls | after %sk calls |" % (rss_calls // 1000))
    w("|---|---:|---:|---:|")
    for s in ("libplivo-c", "raw-c"):
        if s in mem:
            r = mem[s]
            w(f"| {LABEL[s]} | {r.get('rss_start_kib')} KiB | {r.get('rss_at', {}).get('1000')} KiB | "
              f"{r.get('rss_at', {}).get(str(rss_calls))} KiB |")
    w("")
    w(f"Library: `libplivo.so` {meta['so_bytes'] / 1048576:.2f} MiB ({meta['so_stripped_bytes'] / 1048576:.2f} MiB "
      f"stripped), `libplivo.a` {meta['a_bytes'] / 1048576:.1f} MiB.")
    w("")
    if cg:
        w(f"## Instructions per call (callgrind, user space only: ({meta['callgrind_calls']} calls) − (0 calls), "
          f"both after 1 warm-up call)")
        w("")
        w("| system | instructions/call | × raw |")
        w("|---|---:|---:|")
        for s in ("libplivo-c", "raw-c"):
            if s in cg:
                x = cg[s]["ir_per_call"] / cg["raw-c"]["ir_per_call"] if "raw-c" in cg else float("nan")
                w(f"| {LABEL[s]} | {cg[s]['ir_per_call']:,.0f} | {x:.1f} |")
        w("")
        w("Profiles of the calls alone (`--toggle-collect`): `callgrind/*.self.txt`, `callgrind/*.inclusive.txt`.")
        w("")
    if syscalls:
        w(f"## System calls per call (strace -c: ({meta['callgrind_calls']} calls) − (0 calls))")
        w("")
        w("| system | syscalls/call | breakdown |")
        w("|---|---:|---|")
        for s in ("libplivo-c", "raw-c"):
            if s in syscalls:
                d = syscalls[s]
                w(f"| {LABEL[s]} | {d['total_per_call']:.2f} | "
                  + ", ".join(f"{k} {v:.2f}" for k, v in d["per_call"].items()) + " |")
        w("")
    w("## Targets (each from this run)")
    w("")
    w("| target | result | measured |")
    w("|---|---|---|")
    for t in targets:
        w(f"| {t['target']} | **{t['result']}** | {t['detail']} |")
    w("")
    w("![throughput and CPU per call](chart.png)")
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(L) + "\n")

    # ---- summary.md (for the README) ------------------------------------------------------------
    S = []
    s_ = S.append
    s_(f"Measured {meta['date']} on {meta['nproc']} CPUs ({meta['cpu_model']}), commit `{meta['commit']}`, "
       f"with `tests/bench/run.sh` against the bundled server on 127.0.0.1 "
       f"({meta['reps']} × {meta['calls']} calls per system and placement; medians):")
    s_("")
    cpu_p = "same-cpu" if "same-cpu" in placements else placements[0]
    s_("| calls/s | " + " | ".join(PLACEMENT_LABEL[p] for p in placements)
       + f" | p50 latency, {PLACEMENT_LABEL[cpu_p]} | client CPU per call, {PLACEMENT_LABEL[cpu_p]} |")
    s_("|---|" + "---:|" * (len(placements) + 2))
    for s in SYSTEMS:
        row = [f"{med(cells[(p, s)]['calls_per_s']):,.0f}" for p in placements]
        s_(f"| {LABEL[s]} | " + " | ".join(row) + f" | {med(cells[(cpu_p, s)]['p50_us']):.1f} µs"
           f" | {med(cells[(cpu_p, s)]['cpu_us_per_call']):.1f} µs |")
    s_("")
    s_("One client, one kept-alive connection, sequential calls. On this VM a loopback round trip "
       "between two CPUs costs about 3× one on the same CPU, and \"unpinned\" is bimodal (the "
       "scheduler sometimes puts client and server on one CPU): the pinned columns are the "
       "stable ones; spreads are in `results.md`.")
    s_("")
    cs_ = result["cold_start"].get("libplivo-c", {})
    s_(f"Cold start (exec → first completed stop, via dlopen): {cs_.get('median_to_first_stop_ms', float('nan')):.2f} ms. "
       f"RSS after {rss_calls // 1000}k calls: {rN} KiB. `libplivo.so`: {meta['so_bytes'] / 1048576:.1f} MiB "
       f"({meta['so_stripped_bytes'] / 1048576:.1f} MiB stripped).")
    s_("")
    s_("Targets: " + "; ".join(f"{t['target']}: **{t['result']}**" for t in targets) + ".")
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(S) + "\n")

    # ---- chart.png --------------------------------------------------------------------------------
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("analyze.py: matplotlib missing, no chart", file=sys.stderr)
        return
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.2), gridspec_kw={"width_ratios": [3, 3, 2]})
    colors = {"raw-c": "#7f7f7f", "libplivo-c": "#1f77b4", "libplivo-go": "#2ca02c",
              "libplivo-python": "#9467bd", "sdk-python": "#d62728"}
    width = 0.8 / len(SYSTEMS)
    for ax, key, title, log in ((axes[0], "calls_per_s", "Throughput (calls/s, one connection)", False),
                                (axes[1], "cpu_us_per_call", "Client CPU per call (µs, log scale)", True)):
        for i, s in enumerate(SYSTEMS):
            xs, ys, lo, hi = [], [], [], []
            for j, p in enumerate(placements):
                v = cells[(p, s)][key]
                if not v:
                    continue
                xs.append(j + (i - (len(SYSTEMS) - 1) / 2) * width)
                ys.append(med(v))
                lo.append(med(v) - min(v))
                hi.append(max(v) - med(v))
            ax.bar(xs, ys, width, yerr=[lo, hi], capsize=2, label=LABEL[s], color=colors[s])
        ax.set_xticks(range(len(placements)))
        ax.set_xticklabels([PLACEMENT_LABEL[p].replace(" (", "\n(") for p in placements], fontsize=8)
        ax.set_title(title, fontsize=10)
        if log:
            ax.set_yscale("log")
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize=8)
    ax = axes[2]
    ax.plot(ts, [tm[t] for t in ts], "o-", color=colors["libplivo-c"])
    for t in ts:
        ax.annotate(f"CPUs {busy[t]:.0%} busy", (t, tm[t]), textcoords="offset points", xytext=(0, 6),
                    ha="center", fontsize=8)
    ax.set_xscale("log", base=2)
    ax.set_xticks(ts)
    ax.set_xticklabels([str(t) for t in ts])
    ax.set_ylim(bottom=0, top=max(tm.values()) * 1.2 if tm else 1)
    ax.set_xlabel("threads sharing one libplivo client (C, unpinned)")
    ax.set_title("Threads: calls/s", fontsize=10)
    ax.grid(alpha=0.3)
    fig.suptitle(f"libplivo benchmark {meta['date']} — {meta['nproc']} CPUs, commit {meta['commit']}"
                 + (" (QUICK)" if meta["quick"] else ""), fontsize=11)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "chart.png"), dpi=110)


if __name__ == "__main__":
    main(sys.argv[1])
