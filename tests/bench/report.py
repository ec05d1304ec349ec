#!/usr/bin/env python3
"""The benchmark's arithmetic: parses wrk's output and turns a run's result
files into the Markdown report. Standard library only.

  report.py parse-wrk FILE   -> requests seconds rps p50_us p99_us non2xx socket_errors
  report.py table DIR        -> the Markdown report of DIR's result files:
    load.tsv      proxy body conns rep requests seconds rps p50_us p99_us cpu_us
                  (cpu_us: the proxy's utime+stime over the wrk run, all its processes)
    memory.tsv    proxy rss_idle_kib rss_peak_kib
    callgrind.tsv proxy body ir requests   (Ir between callgrind_control -z and -d)
    startup.json  hyperfine --export-json of start-to-ready
    stall.tsv     KEY VALUE lines from refresh_stall.py
    users.tsv     as load.tsv, `proxy` naming the identity litmus-proxy sent the
                  request with: client_credentials or user (Litmus-User)
    users_callgrind.tsv  as callgrind.tsv, for those two identities
Each load figure is the median over the repetitions; every figure is also
given as its ratio to nginx's in the same row group ("×1.00" for nginx).
"""
import json
import os
import re
import statistics
import sys

PROXIES = ["nginx", "haproxy", "litmus-proxy"]
REFERENCE = "nginx"

_TIME_UNITS = {"us": 1.0, "ms": 1e3, "s": 1e6, "m": 60e6, "h": 3600e6}


def _microseconds(text):
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _TIME_UNITS[match.group(2)]


def parse_wrk(text):
    """The figures of one `wrk --latency` run."""
    def find(pattern):
        match = re.search(pattern, text, re.MULTILINE)
        if not match:
            raise ValueError(f"wrk output has no match for {pattern!r}")
        return match
    done = find(r"^\s*(\d+) requests in ([0-9.]+\w+),")
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "requests": int(done.group(1)),
        "seconds": _microseconds(done.group(2)) / 1e6,
        "rps": float(find(r"^Requests/sec:\s+([0-9.]+)").group(1)),
        "p50_us": _microseconds(find(r"^\s+50%\s+(\S+)").group(1)),
        "p99_us": _microseconds(find(r"^\s+99%\s+(\S+)").group(1)),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
    }


def _read_tsv(path):
    """Rows of a TSV file with a header line, as dicts; [] if it does not exist."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        lines = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    return [dict(zip(lines[0], row)) for row in lines[1:]]


def load_summary(rows):
    """{(body, conns, proxy): medians of rps, p50_us, p99_us, cpu_us_per_request}."""
    runs = {}
    for row in rows:
        key = (int(row["body"]), int(row["conns"]), row["proxy"])
        runs.setdefault(key, []).append({
            "rps": float(row["rps"]),
            "p50_us": float(row["p50_us"]),
            "p99_us": float(row["p99_us"]),
            "cpu_us_per_request": float(row["cpu_us"]) / int(row["requests"]),
        })
    return {key: {metric: statistics.median(run[metric] for run in rs) for metric in rs[0]}
            for key, rs in runs.items()}


def body_label(size):
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} B"


def number(value, decimals=0):
    if value is None:
        return "—"
    return f"{value:,.{decimals}f}"


def with_ratio(value, reference, decimals=0):
    """'1,234 ×0.93': the value and its ratio to the reference (nginx's)."""
    if value is None:
        return "—"
    if not reference:
        return number(value, decimals)
    return f"{number(value, decimals)} ×{value / reference:.2f}"


def _ordered(names):
    """Proxies in the report's order (nginx first), the users path's
    identities with client_credentials first, anything else after."""
    known = PROXIES + [USERS_REFERENCE]
    return [p for p in known if p in names] + sorted(p for p in names if p not in known)


def load_table(summary):
    lines = ["| body | conns | proxy | req/s | p50 µs | p99 µs | CPU µs/req |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for body, conns in sorted({(b, c) for b, c, _ in summary}):
        reference = summary.get((body, conns, REFERENCE), {})
        for proxy in _ordered({p for b, c, p in summary if (b, c) == (body, conns)}):
            figures = summary[(body, conns, proxy)]
            cells = [with_ratio(figures["rps"], reference.get("rps")),
                     with_ratio(figures["p50_us"], reference.get("p50_us")),
                     with_ratio(figures["p99_us"], reference.get("p99_us")),
                     with_ratio(figures["cpu_us_per_request"],
                                reference.get("cpu_us_per_request"), 1)]
            lines.append(f"| {body_label(body)} | {conns} | {proxy} | " + " | ".join(cells) + " |")
    return lines


USERS_REFERENCE = "client_credentials"


def users_table(summary):
    """The users path against the client-credentials path of the same
    litmus-proxy: medians, and what the user's token adds (difference)."""
    lines = ["| body | conns | token | req/s | p50 µs | p99 µs | CPU µs/req | added p50 µs | added CPU µs/req |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for body, conns in sorted({(b, c) for b, c, _ in summary}):
        reference = summary.get((body, conns, USERS_REFERENCE))
        for identity in _ordered({i for b, c, i in summary if (b, c) == (body, conns)}):
            figures = summary[(body, conns, identity)]
            added = (lambda metric, decimals: f"{figures[metric] - reference[metric]:+,.{decimals}f}"
                     if reference else "—")
            cells = [number(figures["rps"]), number(figures["p50_us"]), number(figures["p99_us"]),
                     number(figures["cpu_us_per_request"], 1), added("p50_us", 0),
                     added("cpu_us_per_request", 1)]
            lines.append(f"| {body_label(body)} | {conns} | {identity} | " + " | ".join(cells) + " |")
    return lines


def process_table(memory_rows, callgrind_rows):
    """RSS idle/peak (MiB) and instructions per request per body size, per proxy."""
    memory = {row["proxy"]: row for row in memory_rows}
    instructions = {(row["proxy"], int(row["body"])): int(row["ir"]) / int(row["requests"])
                    for row in callgrind_rows}
    bodies = sorted({body for _, body in instructions})
    header = "| proxy | RSS idle MiB | RSS peak MiB |" + "".join(
        f" Ir/req {body_label(b)} |" for b in bodies)
    lines = [header, "|---|" + "---:|" * (2 + len(bodies))]

    def mib(proxy, field):
        row = memory.get(proxy)
        return int(row[field]) / 1024 if row else None
    for proxy in _ordered(set(memory) | {p for p, _ in instructions}):
        cells = [with_ratio(mib(proxy, "rss_idle_kib"), mib(REFERENCE, "rss_idle_kib"), 1),
                 with_ratio(mib(proxy, "rss_peak_kib"), mib(REFERENCE, "rss_peak_kib"), 1)]
        cells += [with_ratio(instructions.get((proxy, b)), instructions.get((REFERENCE, b)))
                  for b in bodies]
        lines.append(f"| {proxy} | " + " | ".join(cells) + " |")
    return lines


def startup_line(path):
    with open(path) as f:
        result = json.load(f)["results"][0]
    ms = lambda seconds: f"{seconds * 1e3:.1f} ms"
    return (f"Start to ready (litmus-proxy, process start until /readyz is 200, "
            f"hyperfine, {len(result['times'])} runs): mean {ms(result['mean'])} "
            f"± {ms(result['stddev'])}, median {ms(result['median'])}, min {ms(result['min'])}.")


def stall_table(path):
    with open(path) as f:
        r = dict(line.rstrip("\n").split("\t") for line in f if line.strip())
    near, rest = float(r["near_p999_us"]), float(r["rest_p999_us"])
    return [
        f"Token refresh (2 s tokens, {r['connections']} connections, {float(r['seconds']):.0f} s, "
        f"±{float(r['window_ms']):.0f} ms around each of {r['refreshes']} refreshes): "
        f"{r['requests']} requests, **{r['failed']} failed**.",
        "",
        "| requests | count | p50 µs | p99.9 µs (× the rest's) | max µs |",
        "|---|---:|---:|---:|---:|",
        f"| near a refresh | {r['near_requests']} | {number(float(r['near_p50_us']))} | "
        f"{number(near)} ×{near / rest:.2f} | {number(float(r['near_max_us']))} |",
        f"| the rest | {int(r['requests']) - int(r['near_requests'])} | "
        f"{number(float(r['rest_p50_us']))} | {number(rest)} | {number(float(r['rest_max_us']))} |",
    ]


def report(directory):
    lines = []
    summary = load_summary(_read_tsv(os.path.join(directory, "load.tsv")))
    if summary:
        lines += ["Load (wrk, median of the repetitions; ×: ratio to nginx in the same body/conns group):",
                  ""] + load_table(summary) + [""]
    memory = _read_tsv(os.path.join(directory, "memory.tsv"))
    callgrind = _read_tsv(os.path.join(directory, "callgrind.tsv"))
    if memory or callgrind:
        lines += ["Per process (RSS: all the proxy's processes; Ir: callgrind, keep-alive, after warm-up):",
                  ""] + process_table(memory, callgrind) + [""]
    if os.path.exists(os.path.join(directory, "startup.json")):
        lines += [startup_line(os.path.join(directory, "startup.json")), ""]
    if os.path.exists(os.path.join(directory, "stall.tsv")):
        lines += stall_table(os.path.join(directory, "stall.tsv")) + [""]
    users = load_summary(_read_tsv(os.path.join(directory, "users.tsv")))
    if users:
        lines += ["Users path (litmus-proxy, wrk, median of the runs; `user`: the request names an "
                  "authorized user with Litmus-User; added: `user` minus `client_credentials`):",
                  ""] + users_table(users) + [""]
    users_ir = {row["proxy"]: int(row["ir"]) / int(row["requests"])
                for row in _read_tsv(os.path.join(directory, "users_callgrind.tsv"))}
    if USERS_REFERENCE in users_ir and "user" in users_ir:
        lines += [f"Instructions per 200 B request (callgrind): client_credentials "
                  f"{number(users_ir[USERS_REFERENCE])}, user {number(users_ir['user'])} "
                  f"({users_ir['user'] - users_ir[USERS_REFERENCE]:+,.0f}).", ""]
    return "\n".join(lines)


def main(argv):
    if len(argv) == 3 and argv[1] == "parse-wrk":
        with open(argv[2]) as f:
            r = parse_wrk(f.read())
        print(r["requests"], f"{r['seconds']:.3f}", f"{r['rps']:.1f}", f"{r['p50_us']:.1f}",
              f"{r['p99_us']:.1f}", r["non2xx"], r["socket_errors"])
    elif len(argv) == 3 and argv[1] == "table":
        print(report(argv[2]), end="")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
