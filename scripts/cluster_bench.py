#!/usr/bin/env python3
"""Throughput of the NATS JetStream cluster against a local replay: a benchmark that prints figures.

The same N articles (the seed articles of fixtures/articles, repeated under
new ids) go through the same `enrich` transform into JSON Lines:

- local: `newsflow run` replaying a directory (one .jsonl file) -> enrich ->
  jsonl, timed from start to exit;
- cluster, W workers: an ingest run (examples/cluster/ingest.toml, replaying
  that directory) fills a fresh work-queue stream, then W worker processes
  (nats -> enrich -> jsonl, one file each) share one durable consumer, timed
  from their start until the files hold N articles.

Both timings include process start and model load. Each case runs
--repeats times, interleaved; medians are printed, with the load average,
since the machine is shared. JetStream's overhead per article is the median
one-worker time minus the median local time, over N, in wall time and in the
CPU time of the newsflow processes (steadier on a loaded machine; the
nats-server's own CPU is printed apart, read from /proc, and includes
whatever other clients of the server did meanwhile). Needs NATS with
JetStream on 127.0.0.1:4222 and a release build:

    cargo build --release
    python3 scripts/cluster_bench.py --articles 3000 --repeats 5
"""

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import cpu_seconds, enrich_into_jsonl, lines_in, seed_lines, table, write_config

NATS = ("127.0.0.1", 4222)


def nats_request(subject, payload=b""):
    """One request over the NATS protocol (JetStream's API is plain
    request-reply), without a client library; returns the reply's payload."""
    with socket.create_connection(NATS, timeout=10) as s:
        f = s.makefile("rb")
        f.readline()  # INFO
        inbox = f"_INBOX.bench{os.getpid()}"
        s.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\n')
        s.sendall(f"SUB {inbox} 1\r\nPUB {subject} {inbox} {len(payload)}\r\n".encode() + payload + b"\r\n")
        while True:
            line = f.readline()
            if not line:
                raise RuntimeError(f"no reply to {subject}")
            if line.startswith(b"PING"):
                s.sendall(b"PONG\r\n")
            elif line.startswith(b"MSG"):
                size = int(line.split()[-1])
                return json.loads(f.read(size + 2)[:size] or b"{}")
            elif line.startswith(b"-ERR"):
                raise RuntimeError(line.decode().strip())


def articles_file(path, n):
    with open(path, "w", encoding="utf-8") as out:
        out.writelines(line + "\n" for line in seed_lines(n, "bench-{:06d}"))


def children_cpu():
    """CPU seconds (user + system) of the waited-for child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def server_cpu():
    """CPU seconds of the nats-server process, or None when not found."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[0].endswith("(nats-server"):
                    return cpu_seconds(pid)
        except OSError:
            continue
    return None


def run_local(args, work, inbox, run):
    out = os.path.join(work, f"local-{run}.jsonl")
    cfg = write_config(os.path.join(work, "local.toml"),
                       table("sources.inbox", type="dir", path=inbox),
                       *enrich_into_jsonl("inbox", out, f"{work}/local-dead.jsonl", mode="overwrite"))
    started, cpu = time.monotonic(), children_cpu()
    subprocess.run([args.binary, "run", "--config", cfg], check=True, stderr=subprocess.DEVNULL)
    elapsed, cpu = time.monotonic() - started, children_cpu() - cpu
    assert lines_in(out) == args.articles, f"local run wrote {lines_in(out)} of {args.articles}"
    os.remove(out)
    return elapsed, cpu


def run_cluster(args, work, inbox, workers, run):
    stream, subject = f"BENCH_{os.getpid()}_{run}_{workers}", f"bench.{os.getpid()}.{run}.{workers}"
    env = dict(os.environ,
               NEWSFLOW__SOURCES__INBOX__PATH=inbox, NEWSFLOW__SOURCES__INBOX__WATCH="false",
               NEWSFLOW__SINKS__RAW__STREAM=stream, NEWSFLOW__SINKS__RAW__SUBJECT=subject,
               NEWSFLOW__RUNTIME__STATE_DIR=os.path.join(work, "state"),
               NEWSFLOW__DEAD_LETTER__PATH=os.path.join(work, "ingest-dead.jsonl"))
    started = time.monotonic()
    subprocess.run([args.binary, "run", "--config", "examples/cluster/ingest.toml"], env=env,
                   check=True, stderr=subprocess.DEVNULL)
    ingest = time.monotonic() - started
    outs = [os.path.join(work, f"worker-{run}-{w}.jsonl") for w in range(workers)]
    procs = []
    cpu, server = children_cpu(), server_cpu()
    try:
        started = time.monotonic()
        for out in outs:
            source = table("sources.raw", type="nats", stream=stream, subjects=[subject],
                           retention="work_queue", consumer="bench", batch=args.batch,
                           max_ack_pending=1000)
            cfg = write_config(out + ".toml", source,
                               *enrich_into_jsonl("raw", out, out + ".dead", flush_interval_ms=50))
            procs.append(subprocess.Popen([args.binary, "run", "--config", cfg],
                                          stderr=subprocess.DEVNULL))
        while lines_in(*outs) < args.articles:
            if time.monotonic() - started > 600:
                raise RuntimeError(f"workers wrote {lines_in(*outs)} of {args.articles} in 600 s")
            time.sleep(0.01)
        elapsed = time.monotonic() - started
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
        nats_request(f"$JS.API.STREAM.DELETE.{stream}")
    # Includes each worker's drain after SIGTERM: little, all was written.
    cpu = children_cpu() - cpu
    server = server_cpu() - server if server is not None else float("nan")
    written = lines_in(*outs)
    assert written == args.articles, f"workers wrote {written} of {args.articles}"
    for out in outs:
        os.remove(out)
    return ingest, elapsed, cpu, server


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default="target/release/newsflow")
    ap.add_argument("--articles", type=int, default=3000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--batch", type=int, default=50, help="the workers' pull batch (`batch`)")
    args = ap.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary} is missing: cargo build --release")
    try:
        nats_request("$JS.API.INFO")
    except OSError as e:
        sys.exit(f"NATS with JetStream on {NATS[0]}:{NATS[1]} is unavailable: {e}")

    work = tempfile.mkdtemp(prefix="newsflow-clusterbench-")
    try:
        inbox = os.path.join(work, "inbox")
        os.mkdir(inbox)
        articles_file(os.path.join(inbox, "articles.jsonl"), args.articles)
        print(f"{args.articles} articles, {os.path.getsize(os.path.join(inbox, 'articles.jsonl')) / 1e6:.1f} MB; "
              f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
        local, local_cpu, ingest = [], [], []
        cluster, cluster_cpu, server_cpus = {1: [], 2: []}, {1: [], 2: []}, {1: [], 2: []}
        for run in range(args.repeats):
            elapsed, cpu = run_local(args, work, inbox, run)
            local.append(elapsed)
            local_cpu.append(cpu)
            for workers in cluster:
                published, elapsed, cpu, server = run_cluster(args, work, inbox, workers, run)
                ingest.append(published)
                cluster[workers].append(elapsed)
                cluster_cpu[workers].append(cpu)
                server_cpus[workers].append(server)
            print(f"run {run + 1}: local {local[-1]:.2f} s, "
                  + ", ".join(f"{w} worker(s) {t[-1]:.2f} s" for w, t in cluster.items())
                  + f"; load average {os.getloadavg()[0]:.1f}", flush=True)

        def rate(seconds):
            return args.articles / statistics.median(seconds)

        def per_article(seconds):
            return statistics.median(seconds) / args.articles * 1e6

        print(f"local replay (dir -> enrich -> jsonl): median {statistics.median(local):.2f} s, "
              f"{rate(local):,.0f} articles/s; CPU {per_article(local_cpu):,.0f} µs per article")
        print(f"ingest (dir -> nats, work queue): median {statistics.median(ingest):.2f} s, "
              f"{rate(ingest):,.0f} articles/s")
        for workers, seconds in cluster.items():
            print(f"{workers} worker(s) (nats -> enrich -> jsonl): median {statistics.median(seconds):.2f} s, "
                  f"{rate(seconds):,.0f} articles/s; CPU {per_article(cluster_cpu[workers]):,.0f} µs "
                  f"per article in the workers, {per_article(server_cpus[workers]):,.0f} in nats-server")
        overhead = per_article(cluster[1]) - per_article(local)
        cpu_overhead = per_article(cluster_cpu[1]) - per_article(local_cpu)
        print(f"JetStream overhead, 1 worker against the local replay: {overhead:,.0f} µs wall, "
              f"{cpu_overhead:,.0f} µs CPU per article (plus nats-server's)")
        print(f"load average at end {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
