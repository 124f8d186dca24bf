#!/usr/bin/env python3
"""Peak memory of a pipeline fed large articles: a benchmark that prints figures.

Runs `newsflow run` (default target/release/newsflow) with an `http` source
through a transform (default `figures`) into a JSON Lines sink, pushes N articles of SIZE MB each from 4 client
threads (retrying on 503, as clients should), waits until every article is
written, and prints the process's peak resident memory (VmHWM) and the
throughput. Run it once with the default byte budget and once with
`--budget-mb 4000` (about no budget) to see what `runtime.max_in_flight_bytes`
bounds:

    cargo build --release
    python3 scripts/memory_bench.py --articles 100 --size-mb 8
    python3 scripts/memory_bench.py --articles 100 --size-mb 8 --budget-mb 4000
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from benchlib import free_port


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default="target/release/newsflow")
    ap.add_argument("--articles", type=int, default=100)
    ap.add_argument("--size-mb", type=float, default=8)
    ap.add_argument("--budget-mb", type=int, default=None, help="runtime.max_in_flight_bytes in MiB (default: newsflow's)")
    ap.add_argument("--transform", choices=["none", "figures", "enrich"], default="figures",
                    help="a stage between source and sink; a slower one lets articles pile up")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="newsflow-membench-")
    port = free_port()
    budget = "" if args.budget_mb is None else f"max_in_flight_bytes = {args.budget_mb * 1024 * 1024}"
    transform = "" if args.transform == "none" else (
        f'[transforms.work]\ntype = "{args.transform}"\ninputs = ["push"]\n')
    sink_input = "push" if args.transform == "none" else "work"
    config = os.path.join(work, "pipeline.toml")
    with open(config, "w") as f:
        f.write(f"""
[runtime]
state_dir = "{work}/state"
{budget}

[sources.push]
type = "http"
address = "127.0.0.1:{port}"
max_body_bytes = {int(args.size_mb * 1024 * 1024) + 4096}
max_article_bytes = {int(args.size_mb * 1024 * 1024) + 4096}

{transform}
[sinks.out]
type = "jsonl"
inputs = ["{sink_input}"]
path = "{work}/out.jsonl"

[dead_letter]
type = "jsonl"
path = "{work}/dead.jsonl"
""")
    daemon = subprocess.Popen([args.binary, "run", "--config", config], stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.time() > deadline:
                sys.exit("the daemon did not listen within 30 s")
            time.sleep(0.1)

    words = b"Shares of Acme rose 5% on Monday after 12 people were hurt. "
    size = int(args.size_mb * 1024 * 1024)
    body = (words * (size // len(words) + 1))[:size].decode()
    refused = 0
    lock = threading.Lock()
    todo = list(range(args.articles))

    def client():
        nonlocal refused
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop()
            data = json.dumps({"id": f"big-{i}", "body": body}).encode()
            while True:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/articles", data=data,
                    headers={"Content-Type": "application/json"})
                try:
                    urllib.request.urlopen(request, timeout=120).read()
                    break
                except urllib.error.HTTPError as e:
                    if e.code != 503:
                        raise
                    with lock:
                        refused += 1
                    time.sleep(0.2)

    started = time.time()
    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    peak = 0.0
    out = os.path.join(work, "out.jsonl")
    while True:
        peak = max(peak, peak_rss_mb(daemon.pid))
        lines = 0
        if os.path.exists(out):
            with open(out, "rb") as f:
                lines = sum(1 for _ in f)
        if lines >= args.articles and not any(t.is_alive() for t in threads):
            break
        time.sleep(0.05)
    elapsed = time.time() - started
    peak = max(peak, peak_rss_mb(daemon.pid))
    daemon.terminate()
    daemon.wait()
    # The output is as large as the input: do not leave gigabytes behind.
    shutil.rmtree(work, ignore_errors=True)
    total_mb = args.articles * args.size_mb
    print(f"{args.articles} articles of {args.size_mb:g} MB ({total_mb:g} MB) pushed, "
          f"through {args.transform}, budget {'default' if args.budget_mb is None else str(args.budget_mb) + ' MiB'}: "
          f"peak RSS {peak:.0f} MB, {elapsed:.1f} s ({total_mb / elapsed:.1f} MB/s), "
          f"{refused} pushes answered 503 and retried")


if __name__ == "__main__":
    main()
