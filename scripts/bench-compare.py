#!/usr/bin/env python3
"""Compares two builds of `herald bench` on this machine, in alternating rounds.

Usage:
  scripts/bench-compare.py --before OLD/herald --after NEW/herald [--rounds 10] [--out DIR] -- BENCH ARGS...

Each round runs the old build, then the new one (the order alternates each round, so that drift of the
machine falls on both alike), each with `--json`. The table gives, per scenario, the median events per
second of each build, the ratio of the medians, and the median and range of the per-round ratios. Every
run's printed output is kept in DIR (default: a temporary directory) for the latency rows.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def run(binary, arguments, json_path, log_path):
    with open(log_path, "w") as log:
        subprocess.run([binary, "bench", *arguments, "--json", json_path], stdout=log, stderr=subprocess.STDOUT, check=True, timeout=3600)
    with open(json_path) as file:
        report = json.load(file)
    return {result["scenario"]: result["eventsPerSecond"] for result in report["results"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--out")
    parser.add_argument("bench", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    arguments = options.bench[1:] if options.bench[:1] == ["--"] else options.bench
    out = options.out or tempfile.mkdtemp(prefix="herald-bench-")
    os.makedirs(out, exist_ok=True)
    before, after = {}, {}
    for round_number in range(options.rounds):
        order = [("before", options.before, before), ("after", options.after, after)]
        if round_number % 2:
            order.reverse()
        for name, binary, results in order:
            stem = os.path.join(out, f"{name}-{round_number}")
            for scenario, rate in run(binary, arguments, stem + ".json", stem + ".txt").items():
                results.setdefault(scenario, []).append(rate)
        print(f"round {round_number + 1} of {options.rounds} done", file=sys.stderr, flush=True)
    print(f"{options.rounds} alternating rounds; runs kept in {out}\n")
    print("| scenario | before events/s (median) | after | after/before | per-round ratio: median (min–max) |")
    print("|---|---:|---:|---:|---|")
    for scenario in before:
        if scenario not in after:
            continue
        old, new = before[scenario], after[scenario]
        ratios = [n / o for o, n in zip(old, new) if o > 0]
        print(
            f"| {scenario} | {statistics.median(old):,.0f} | {statistics.median(new):,.0f} | "
            f"{statistics.median(new) / statistics.median(old):.2f} | "
            f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f}) |"
        )


if __name__ == "__main__":
    main()
