"""What the benchmark scripts share: configs written from tables, seed
articles as JSON Lines, free ports, line counts and CPU time from /proc.

Imported by the scripts beside it (`python3 scripts/NAME.py` puts this
directory on the module path)."""

import json
import os
import socket
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def table(name, **fields):
    """A TOML table: JSON's strings, numbers, booleans and lists are TOML's."""
    return f"[{name}]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in fields.items())


def write_config(path, *tables):
    """Writes `tables` (from `table`) as a config at `path`; returns `path`."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(tables))
    return path


def enrich_into_jsonl(source, out, dead, **sink):
    """`enrich` reading `source`, into a JSON Lines sink at `out` (`sink`:
    more of its fields), dead letters to `dead`."""
    return [
        table("transforms.enrich", type="enrich", inputs=[source]),
        table("sinks.out", type="jsonl", inputs=["enrich"], path=out, **sink),
        table("dead_letter", type="jsonl", path=dead),
    ]


def seed_lines(n, id_format):
    """`n` JSON Lines articles: the seed articles of fixtures/articles in
    turn, with ids `id_format.format(i)`."""
    seeds_dir = os.path.join(REPO, "fixtures/articles")
    seeds = []
    for name in sorted(os.listdir(seeds_dir)):
        with open(os.path.join(seeds_dir, name), encoding="utf-8") as f:
            seeds.append(f.read())
    return [json.dumps({"id": id_format.format(i), "body": seeds[i % len(seeds)]}) for i in range(n)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def lines_in(*paths):
    """Lines in the files at `paths` together (a missing file holds none)."""
    total = 0
    for path in paths:
        try:
            with open(path, "rb") as f:
                total += f.read().count(b"\n")
        except FileNotFoundError:
            pass
    return total


def cpu_seconds(pid):
    """User and system CPU time process `pid` has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
