#!/usr/bin/env python3
"""Summaries for compare.sh, from the sekisho-bench JSON reports it saved.

  compare.py --one REPORT.json                 one line for the progress log
  compare.py --paced-rate RESULTS h1 FACTOR     FACTOR x the slower server's median rate
  compare.py --table OUTDIR                     the Markdown table (medians, ratios, targets)

Files in OUTDIR/results: <scenario>.<server>.<pair>.json (the report), .cpu ("before after"
CPU seconds of the server's processes) and, for idle, .rss ("before after connections" KiB).
"""
import glob
import json
import os
import statistics
import sys

SERVERS = ("sekisho", "nginx")

# scenario: (description, metric, comparison, target). Metrics: rate = operations/s,
# p99 = latency p99 in microseconds, throughput = body bytes/s.
SCENARIOS = [
    ("hs-full-13", "full mTLS handshake + GET, TLS 1.3, ECDSA", "rate", ">=", 1.0),
    ("hs-full-12", "full mTLS handshake + GET, TLS 1.2, ECDSA", "rate", ">=", 1.0),
    ("hs-full-13-rsa", "full mTLS handshake + GET, TLS 1.3, RSA", "rate", ">=", 1.0),
    ("hs-resumed-13", "resumed handshake + GET, TLS 1.3", "rate", ">=", 1.0),
    ("hs-resumed-12", "resumed handshake + GET, TLS 1.2", "rate", ">=", 1.0),
    ("hs-resumed-12-nosni", "resumed handshake + GET, TLS 1.2, no SNI", "rate", ">=", 1.0),
    ("h1", "HTTP/1.1 keep-alive GET, 32 connections", "rate", ">=", 0.9),
    ("h1-paced", "p99 latency at equal load (paced)", "p99", "<=", 1.2),
    ("body-download", "1 MiB response bodies, 8 connections", "throughput", ">=", 0.9),
    ("body-upload", "1 MiB request bodies, 8 connections", "throughput", None, None),
]


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def metric(report, name):
    if not report:
        return None
    if name == "rate":
        return report.get("operationsPerSecond")
    if name == "throughput":
        return report.get("bytes", {}).get("bodyBytesPerSecond")
    if name == "p99":
        return (report.get("latencyMicroseconds") or {}).get("p99")
    raise ValueError(name)


def runs(results, scenario, server):
    out = []
    for path in sorted(glob.glob(os.path.join(results, "%s.%s.*.json" % (scenario, server)))):
        report = load(path)
        cpu = None
        cpu_path = path[: -len(".json")] + ".cpu"
        if report and os.path.exists(cpu_path):
            before, after = (float(x) for x in open(cpu_path).read().split())
            settings = report.get("settings", {})
            span = (settings.get("warmupSeconds") or 0) + report.get("elapsedSeconds", 0)
            # Operations over warm-up + measurement, at the measured rate (the server's CPU
            # was sampled around both).
            operations = report.get("operationsPerSecond", 0) * span
            if operations > 0:
                cpu = (after - before) / operations * 1e6
        out.append((report, cpu))
    return out


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, name):
    if value is None:
        return "n/a"
    if name == "throughput":
        return "%.0f MiB/s" % (value / 1048576)
    if name == "p99":
        return "%.2f ms" % (value / 1000) if value >= 1000 else "%.0f µs" % value
    if name == "kib":
        return "%.1f KiB" % value
    if name == "cpu":
        return "%.0f" % value
    return "{:,.0f}/s".format(value)


def one(path):
    r = load(path)
    if not r:
        return "no report"
    lat = r.get("latencyMicroseconds") or {}
    s = "%s ops/s, p99 %s, errors %d" % (
        "{:,.1f}".format(r.get("operationsPerSecond", 0)), fmt(lat.get("p99"), "p99"), r.get("errors", {}).get("total", 0))
    if r.get("bytes", {}).get("bodyBytesPerSecond", 0) > 1048576:
        s += ", %s" % fmt(r["bytes"]["bodyBytesPerSecond"], "throughput")
    return s


def paced_rate(results, scenario, factor):
    medians = [median(metric(r, "rate") for r, _ in runs(results, scenario, s)) for s in SERVERS]
    medians = [m for m in medians if m]
    if not medians:
        return 1000
    return max(100, int(min(medians) * factor))


def verdict(ratio, comparison, target):
    if ratio is None or comparison is None:
        return ""
    ok = ratio >= target if comparison == ">=" else ratio <= target
    return ("holds" if ok else "MISSED") + " (%s %.1f×)" % (comparison.replace(">=", "≥").replace("<=", "≤"), target)


def table(outdir):
    results = os.path.join(outdir, "results")
    lines = []
    machine = os.path.join(outdir, "machine.txt")
    if os.path.exists(machine):
        lines += ["```", open(machine).read().rstrip(), "```", ""]
    lines += [
        "| scenario | metric | sekisho (median) | nginx (median) | sekisho/nginx | target | p99 sekisho / nginx | server CPU µs/op sekisho / nginx | errors sekisho / nginx |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario, description, name, comparison, target in SCENARIOS:
        per = {s: runs(results, scenario, s) for s in SERVERS}
        if not any(per.values()):
            continue
        med = {s: median(metric(r, name) for r, _ in per[s]) for s in SERVERS}
        p99 = {s: median(metric(r, "p99") for r, _ in per[s]) for s in SERVERS}
        cpu = {s: median(c for _, c in per[s]) for s in SERVERS}
        errors = {s: sum((r or {}).get("errors", {}).get("total", 0) for r, _ in per[s]) for s in SERVERS}
        ratio = med["sekisho"] / med["nginx"] if med["sekisho"] and med["nginx"] else None
        lines.append("| %s: %s | %s | %s | %s | %s | %s | %s / %s | %s / %s | %d / %d |" % (
            scenario, description, name, fmt(med["sekisho"], name), fmt(med["nginx"], name),
            "%.2f" % ratio if ratio else "n/a", verdict(ratio, comparison, target),
            fmt(p99["sekisho"], "p99"), fmt(p99["nginx"], "p99"),
            fmt(cpu["sekisho"], "cpu"), fmt(cpu["nginx"], "cpu"), errors["sekisho"], errors["nginx"]))
    idle = {}
    for server in SERVERS:
        values = []
        for path in sorted(glob.glob(os.path.join(results, "idle.%s.*.rss" % server))):
            before, after, count = (float(x) for x in open(path).read().split())
            values.append((after - before) / count)
        idle[server] = median(values)
    if any(v is not None for v in idle.values()):
        ratio = idle["sekisho"] / idle["nginx"] if idle["sekisho"] and idle["nginx"] else None
        lines.append("| idle: RSS per idle mTLS connection | KiB | %s | %s | %s | %s | | | |" % (
            fmt(idle["sekisho"], "kib"), fmt(idle["nginx"], "kib"), "%.2f" % ratio if ratio else "n/a",
            verdict(ratio, "<=", 1.0)))
    lines.append("")
    lines.append("Medians over the pairs; ratio = sekisho / nginx. Server CPU per operation is read from "
                 "/proc around each run (warm-up included) and divided by the operations of that span.")
    return "\n".join(lines)


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--one":
        print(one(args[1]))
    elif len(args) == 4 and args[0] == "--paced-rate":
        print(paced_rate(args[1], args[2], float(args[3])))
    elif len(args) == 2 and args[0] == "--table":
        print(table(args[1]))
    else:
        sys.exit(__doc__)


main()
