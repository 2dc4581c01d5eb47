"""Stop many streams of a call at once with plivo_ffi.AsyncClient.

    PLIVO_AUTH_ID=... PLIVO_AUTH_TOKEN=... [PLIVO_BASE_URL=...] \
        python async_stop.py CALL_UUID STREAM_UUID [STREAM_UUID...]

Every stop runs concurrently (at most --max-in-flight exchanges at once; the rest wait
for a slot), on one event loop, without a thread per call. A stream that was already
stopped counts as done. Prints one summary line; exits 1 if any stop failed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import List

import plivo_ffi


async def stop_all(call_uuid: str, streams: List[str], max_in_flight: int) -> int:
    stopped = already = 0
    failed: List[str] = []

    async with plivo_ffi.AsyncClient(max_in_flight=max_in_flight) as client:

        async def stop(stream_uuid: str) -> None:
            nonlocal stopped, already
            try:
                await client.stop_stream(call_uuid, stream_uuid)
                stopped += 1
            except plivo_ffi.NoActiveStreamError:
                already += 1
            except plivo_ffi.PlivoError as exc:
                failed.append(f"{stream_uuid}: {exc.code_name}: {exc}")

        start = time.monotonic()
        await asyncio.gather(*(stop(s) for s in streams))
        elapsed = time.monotonic() - start
        stats = client.stats()

    print(f"stopped={stopped} already_stopped={already} failed={len(failed)} "
          f"requests={stats['requests']} elapsed_s={elapsed:.3f}")
    for line in failed:
        print(line, file=sys.stderr)
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("call_uuid")
    parser.add_argument("stream_uuids", nargs="+")
    parser.add_argument("--max-in-flight", type=int, default=64)
    args = parser.parse_args()
    return asyncio.run(stop_all(args.call_uuid, args.stream_uuids, args.max_in_flight))


if __name__ == "__main__":
    sys.exit(main())
