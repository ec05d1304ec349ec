#!/usr/bin/env python3
"""Token-refresh stall benchmark: load on litmus-proxy while its token expires
every two seconds, then the latency of requests near a refresh vs the rest.

--connections keep-alive connections send GETs back to back for --seconds;
each request's wall-clock start and its latency are recorded (wrk cannot
report per-request timestamps). The refresh times are the token endpoint's
answers, from the upstream nginx's log ($msec). A request is "near" a refresh
when [start, start + latency] overlaps [refresh - window, refresh + window].
Failed = an answer other than 200 with the expected body length, or a broken
connection. Writes KEY<TAB>VALUE lines to --out; exits 1 if any request
failed or no refresh happened during the load (nothing would be measured).
"""
import argparse
import asyncio
import bisect
import math
import sys
import time
from array import array


def percentile(sorted_values, fraction):
    """Nearest rank: the smallest value with at least `fraction` of the values at or below it."""
    if not sorted_values:
        return float("nan")
    return sorted_values[max(0, math.ceil(fraction * len(sorted_values)) - 1)]


class Load:
    def __init__(self, args):
        self.args = args
        self.request = f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        self.starts = array("d")
        self.latencies = array("d")
        self.failures = 0
        self.deadline = 0.0

    async def connection(self):
        reader = writer = None
        while time.monotonic() < self.deadline:
            if writer is None:
                try:
                    reader, writer = await asyncio.open_connection("127.0.0.1", self.args.port)
                except OSError:
                    self.failures += 1
                    await asyncio.sleep(0.01)
                    continue
            start = time.time()
            began = time.perf_counter()
            try:
                writer.write(self.request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                ok = head[9:12] == b"200" and length == self.args.length
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                ok = False
                writer.close()
                writer = None
            self.latencies.append(time.perf_counter() - began)
            self.starts.append(start)
            if not ok:
                self.failures += 1
        if writer is not None:
            writer.close()

    async def run(self):
        self.deadline = time.monotonic() + self.args.seconds
        await asyncio.gather(*(self.connection() for _ in range(self.args.connections)))


def refresh_times(path, first, last):
    """Times (s) of the token endpoint's 200 answers between the first and last request."""
    times = []
    with open(path) as log:
        for line in log:
            fields = line.split()
            if len(fields) == 2 and fields[1] == "200" and first <= float(fields[0]) <= last:
                times.append(float(fields[0]))
    return sorted(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--length", type=int, required=True, help="expected body size")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--window-ms", type=float, default=100)
    parser.add_argument("--refresh-log", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    load = Load(args)
    asyncio.run(load.run())
    if not load.starts:
        sys.exit("refresh_stall: no request was sent")

    window = args.window_ms / 1000
    refreshes = refresh_times(args.refresh_log, min(load.starts), max(load.starts))
    near, rest = [], []
    for start, latency in zip(load.starts, load.latencies):
        # The first refresh that ends at or after the request's window starts.
        i = bisect.bisect_left(refreshes, start - window)
        overlaps = i < len(refreshes) and refreshes[i] <= start + latency + window
        (near if overlaps else rest).append(latency * 1e6)
    near.sort()
    rest.sort()
    results = {
        "seconds": args.seconds,
        "connections": args.connections,
        "window_ms": args.window_ms,
        "requests": len(load.starts),
        "failed": load.failures,
        "refreshes": len(refreshes),
        "near_requests": len(near),
        "near_p50_us": percentile(near, 0.5),
        "near_p999_us": percentile(near, 0.999),
        "near_max_us": near[-1] if near else float("nan"),
        "rest_p50_us": percentile(rest, 0.5),
        "rest_p999_us": percentile(rest, 0.999),
        "rest_max_us": rest[-1] if rest else float("nan"),
    }
    with open(args.out, "w") as out:
        for key, value in results.items():
            out.write(f"{key}\t{value:.1f}\n" if isinstance(value, float) else f"{key}\t{value}\n")
    for key, value in results.items():
        print(f"  {key}: {value:.1f}" if isinstance(value, float) else f"  {key}: {value}")
    if load.failures or not refreshes:
        sys.exit(f"refresh_stall: {load.failures} failed requests, {len(refreshes)} refreshes")


if __name__ == "__main__":
    main()
