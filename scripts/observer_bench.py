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

It prints each run's articles/s and the daemon's CPU time per article
(user + system, from /proc: it hardly depends on what else loads the
machine, unlike the rate), the medians of each variant, and the change of
`stalled` against `api` (what attached observers cost) and of `api`
against `no-api` (what keeping the taps costs).

    cargo build --release
    python3 scripts/observer_bench.py --articles 2000 --repeats 5
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

from benchlib import (REPO, cpu_seconds, enrich_into_jsonl, free_port, lines_in, seed_lines, table,
                      wait_for_port, write_config)

TOKEN = "bench"


def config(path, work, api, push, with_api):
    api_table = [table("api", address=api, token=TOKEN)] if with_api else []
    return write_config(path, *api_table,
                        table("sources.push", type="http", address=push, max_articles=1000),
                        *enrich_into_jsonl("push", f"{work}/out.jsonl", f"{work}/dead.jsonl"))


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


def one_run(binary, variant, batches, total, work):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    api, push = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    path = config(os.path.join(work, "pipeline.toml"), work, api, push, variant != "no-api")
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

        started, cpu_before = time.monotonic(), cpu_seconds(daemon.pid)
        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        while lines_in(out) < total:
            time.sleep(0.01)
        elapsed = time.monotonic() - started
        cpu_ms = (cpu_seconds(daemon.pid) - cpu_before) * 1000 / total
        return total / elapsed, cpu_ms
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
    lines = seed_lines(args.articles, "a{:06}")
    batches = ["\n".join(lines[i:i + args.batch]).encode() for i in range(0, len(lines), args.batch)]
    variants = args.variants.split(",")
    rates = {v: [] for v in variants}
    cpu = {v: [] for v in variants}
    work = tempfile.mkdtemp(prefix="observer-bench-")
    try:
        for repeat in range(args.repeats):
            # The order turns each repeat, so no variant always runs first
            # (after a quiet spell) or right after another's teardown.
            shift = repeat % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                rate, cpu_ms = one_run(args.binary, variant, batches, args.articles,
                                       os.path.join(work, "run"))
                rates[variant].append(rate)
                cpu[variant].append(cpu_ms)
                print(f"repeat {repeat + 1} {variant:8} {rate:8.1f} articles/s "
                      f"{cpu_ms:6.3f} daemon CPU ms/article", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{args.articles} articles per run, {args.repeats} runs per variant (medians):")
    medians = {v: statistics.median(r) for v, r in rates.items()}
    cpu_medians = {v: statistics.median(c) for v, c in cpu.items()}
    for v, m in medians.items():
        print(f"  {v:8} {m:8.1f} articles/s {cpu_medians[v]:6.3f} daemon CPU ms/article")
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
            # CPU per article hardly depends on what else loads the machine.
            cpu_change = (cpu_medians[other] - cpu_medians[base]) / cpu_medians[base] * 100
            print(f"{label}: {cpu_change:+.1f}% daemon CPU per article")


if __name__ == "__main__":
    main()
