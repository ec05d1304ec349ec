#!/usr/bin/env python3
"""Sends exactly N keep-alive GETs on one connection, for instruction counts.

First --warmup requests (the proxy's upstream connection is pooled by then),
then --before runs (e.g. `callgrind_control -z PID`), then --requests
requests, then --after (e.g. `callgrind_control -d PID`). Every answer must be
200 with a body of --length bytes, else exit 1: a count over failed requests
would measure the wrong path.
"""
import argparse
import http.client
import shlex
import subprocess
import sys


def send(conn, path, length, count, headers):
    for _ in range(count):
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200 or len(body) != length:
            sys.exit(f"fixed_requests: {path}: status {response.status}, {len(body)} bytes")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--length", type=int, required=True, help="expected body size")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--before", default="", help="command run after the warm-up")
    parser.add_argument("--after", default="", help="command run after the counted requests")
    parser.add_argument("--header", action="append", default=[], metavar="NAME:VALUE",
                        help="a header sent with every request (repeatable)")
    args = parser.parse_args()
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {name.strip(): value.strip() for name, value in headers.items()}

    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
    send(conn, args.path, args.length, args.warmup, headers)
    if args.before:
        subprocess.run(shlex.split(args.before), check=True, stdout=subprocess.DEVNULL)
    send(conn, args.path, args.length, args.requests, headers)
    if args.after:
        subprocess.run(shlex.split(args.after), check=True, stdout=subprocess.DEVNULL)
    conn.close()


if __name__ == "__main__":
    main()
