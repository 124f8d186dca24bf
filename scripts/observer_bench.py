#!/usr/bin/env python3
"""Throughput of a flooded pipeline with and without stalled observers.

Runs `newsflow run` (default target/release/newsflow): an `http` source
through `enrich` into a JSON Lines sink, with `[api]`. Each run floods it
with N seed articles (4 client threads pushing JSON Lines batches, retrying
on 503) and times the flood until the sink has written them all. Three
variants, run interleaved (the machine may be shared and loaded):

  no-api    no `[api]` table: nothing is observed, no taps are kept
  api       `[api]` set, nobody watching
  stalled   `[api]` set, and a stuck browser (the page, its stats stream and
            its two taps, opened and never read) plus `newsflow tap` whose
            standard output nobody reads, all attached before the flood

It prints each run and the median articles/s of each variant, and the
change of `stalled` against `api` (what attached observers cost).

    cargo build --release
    python3 scripts/observer_bench.py --articles 2000 --repeats 5
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "bench"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(work, api, push, with_api):
    api_table = f'[api]\naddress = "{api}"\ntoken = "{TOKEN}"\n' if with_api else ""
    return f"""
{api_table}
[sources.push]
type = "http"
address = "{push}"
max_articles = 1000

[transforms.enrich]
type = "enrich"
inputs = ["push"]

[sinks.out]
type = "jsonl"
inputs = ["enrich"]
path = "{work}/out.jsonl"

[dead_letter]
type = "jsonl"
path = "{work}/dead.jsonl"
"""


def wait_for_port(address, seconds=60):
    host, port = address.rsplit(":", 1)
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection((host, int(port)), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {address}")


def stalled_socket(api, path):
    """A GET whose answer is never read."""
    host, port = api.rsplit(":", 1)
    s = socket.create_connection((host, int(port)))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: {api}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode())
    return s


def post(push, body):
    request = urllib.request.Request(
        f"http://{push}/articles", data=body, headers={"Content-Type": "application/x-ndjson"})
    while True:
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
                return
        except urllib.error.HTTPError as e:
            if e.code != 503:
                raise
            time.sleep(0.02)


def lines_in(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def one_run(binary, variant, batches, total, work):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    api, push = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    path = os.path.join(work, "pipeline.toml")
    with open(path, "w") as f:
        f.write(config(work, api, push, variant != "no-api"))
    daemon = subprocess.Popen([binary, "run", "--config", path], stderr=subprocess.DEVNULL)
    observers, tap = [], None
    try:
        wait_for_port(push)
        if variant == "stalled":
            wait_for_port(api)
            for p in ["/", "/api/events", "/api/tap?stage=sinks.out&recent=true",
                      "/api/tap?stage=dead_letter&recent=true"]:
                observers.append(stalled_socket(api, p))
            tap = subprocess.Popen([binary, "tap", "--api", api, "--token", TOKEN, "transforms.enrich"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        out = os.path.join(work, "out.jsonl")
        queue = list(batches)
        lock = threading.Lock()

        def client():
            while True:
                with lock:
                    if not queue:
                        return
                    batch = queue.pop()
                post(push, batch)

        started = time.monotonic()
        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        while lines_in(out) < total:
            time.sleep(0.01)
        elapsed = time.monotonic() - started
        return total / elapsed
    finally:
        daemon.terminate()
        daemon.wait()
        if tap:
            tap.kill()
            tap.wait()
        for s in observers:
            s.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=os.path.join(REPO, "target/release/newsflow"))
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--variants", default="no-api,api,stalled")
    args = parser.parse_args()
    seeds_dir = os.path.join(REPO, "fixtures/articles")
    seeds = [open(os.path.join(seeds_dir, n), encoding="utf-8").read() for n in sorted(os.listdir(seeds_dir))]
    lines = [json.dumps({"id": f"a{i:06}", "body": seeds[i % len(seeds)]}) for i in range(args.articles)]
    batches = ["\n".join(lines[i:i + args.batch]).encode() for i in range(0, len(lines), args.batch)]
    variants = args.variants.split(",")
    rates = {v: [] for v in variants}
    work = tempfile.mkdtemp(prefix="observer-bench-")
    try:
        for repeat in range(args.repeats):
            # The order turns each repeat, so no variant always runs first
            # (after a quiet spell) or right after another's teardown.
            shift = repeat % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                rate = one_run(args.binary, variant, batches, args.articles, os.path.join(work, "run"))
                rates[variant].append(rate)
                print(f"repeat {repeat + 1} {variant:8} {rate:8.1f} articles/s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{args.articles} articles per run, {args.repeats} runs per variant (medians):")
    medians = {v: statistics.median(r) for v, r in rates.items()}
    for v, m in medians.items():
        print(f"  {v:8} {m:8.1f} articles/s")
    # Runs of one repeat ran back to back, under about the same load: the
    # median of their per-repeat changes is less noisy than the change of
    # the medians.
    for label, base, other in [("stalled observers vs none", "api", "stalled"),
                               ("[api] (taps kept) vs no [api]", "no-api", "api")]:
        if base in medians and other in medians:
            of_medians = (medians[other] - medians[base]) / medians[base] * 100
            paired = statistics.median(
                (o - b) / b * 100 for b, o in zip(rates[base], rates[other]))
            print(f"{label}: {of_medians:+.1f}% (change of the medians), "
                  f"{paired:+.1f}% (median of the per-repeat changes)")


if __name__ == "__main__":
    main()
