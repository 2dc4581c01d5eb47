"""Python side of the non-blocking benchmark: N stops against the latency server,
through plivo_ffi.AsyncClient (one queue) and through the blocking Client under
asyncio.to_thread (how asyncio users wrap blocking SDKs today). One JSON line each.

    python bench_async.py async|to_thread CALL N INFLIGHT
"""
import asyncio
import json
import resource
import sys
import time

import plivo_ffi


async def main(mode: str, call: str, n: int, inflight: int) -> dict:
    streams = [f"s{i}" for i in range(n)]
    t0, c0 = time.monotonic(), time.process_time()
    if mode == "async":
        async with plivo_ffi.AsyncClient(max_in_flight=inflight, timeout=30) as client:
            await asyncio.gather(*(client.stop_stream(call, s) for s in streams))
    else:
        client = plivo_ffi.Client(timeout=30)
        loop = asyncio.get_running_loop()
        from concurrent.futures import ThreadPoolExecutor

        loop.set_default_executor(ThreadPoolExecutor(max_workers=inflight))
        await asyncio.gather(*(asyncio.to_thread(client.stop_stream, call, s) for s in streams))
        client.close()
    wall, cpu = time.monotonic() - t0, time.process_time() - c0
    return {
        "mode": f"python-{mode}",
        "param": inflight,
        "stops": n,
        "wall_s": round(wall, 3),
        "stops_per_s": round(n / wall, 1),
        "cpu_us_per_stop": round(cpu * 1e6 / n, 1),
        "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


if __name__ == "__main__":
    mode, call, n, inflight = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    print(json.dumps(asyncio.run(main(mode, call, n, inflight))))
