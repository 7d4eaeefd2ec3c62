#!/usr/bin/env python3
"""bench/peers/run_echo.py — the TCP echo benchmark: corio's server against asyncio, uvloop,
tokio and Go, all driven by the same Go load generator.

Usage: run_echo.py [--corio-server PATH] [--quick] [--runs 3] [--duration 3] [--warmup 0.5]
                   [--sizes 64,16384] [--servers a,b,...] [--conns 100] [--client-procs 1]
                   [--client-cpu 0] [--server-cpu 1] [--python PATH]

For each message size and server: the server starts pinned to one core (taskset -c
SERVER_CPU) on a free 127.0.0.1 port, the runner waits until it accepts connections, then
bench/peers/out/go_echo_client (pinned to CLIENT_CPU) opens --conns connections that each
ping-pong one message at a time for --warmup + --duration seconds and prints
`echo size=SIZE conns=C msgs_per_sec=<float> mb_per_sec=<float>`; the server then gets
SIGTERM (SIGKILL after 2 s). --runs fresh runs per cell, interleaved across servers; the
table shows medians in messages per second. A server that is not there shows "n/a"; a run
that fails shows "err", with stderr tails below the table. --quick: 1 s, one run. Build the
peers first with bench/peers/build. See bench/peers/README.md, "TCP echo".
"""
import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

from peers_common import (HERE, OUT, capture, cpu_model, cpu_split, free_port, pinning, stop,
                          print_notes, table_head, tail, versions, wait_ready)

SERVERS = ["corio-epoll", "corio-io_uring", "asyncio", "uvloop", "tokio", "go"]
HEADINGS = {"corio-epoll": "corio epoll", "corio-io_uring": "corio io_uring"}
CORIO = SERVERS[:2]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corio-server", help="corio_echo_server program (n/a when absent)")
    p.add_argument("--quick", action="store_true", help="1 s measured, one run: a smoke run")
    p.add_argument("--runs", type=int, help="runs per cell (default 3; 1 with --quick)")
    p.add_argument("--duration", type=float, help="measured seconds (default 3; 1 with --quick)")
    p.add_argument("--warmup", type=float, default=0.5, help="seconds before measuring")
    p.add_argument("--sizes", default="64,16384", help="message sizes in bytes")
    p.add_argument("--servers", default=",".join(SERVERS), help="comma-separated subset")
    p.add_argument("--conns", type=int, default=100, help="client connections")
    p.add_argument("--client-procs", type=int, default=1, help="the client's GOMAXPROCS")
    p.add_argument("--client-cpu", type=int, default=0, help="core the client is pinned to")
    p.add_argument("--server-cpu", type=int, default=1, help="core every server is pinned to")
    default_python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    p.add_argument("--python", default=default_python, help="interpreter with uvloop")
    args = p.parse_args()
    args.runs = args.runs or (1 if args.quick else 3)
    args.duration = args.duration or (1.0 if args.quick else 3.0)
    if args.runs < 1 or args.duration <= 0 or args.warmup < 0 or args.conns < 1:
        p.error("--runs, --duration and --conns must be positive, --warmup not negative")
    try:
        args.sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        p.error("--sizes takes comma-separated integers")
    if min(args.sizes) < 8:
        p.error("message sizes must be at least 8 bytes (the client's sequence number)")
    args.servers = args.servers.split(",")
    unknown = set(args.servers) - set(SERVERS)
    if unknown:
        p.error(f"unknown servers {sorted(unknown)}; known: {','.join(SERVERS)}")
    args.servers = [s for s in SERVERS if s in args.servers]
    return args


def server_commands(args, notes):
    """server -> (argv prefix, extra environment), or None when the server is absent."""
    script = os.path.join(HERE, "python", "echo_server.py")
    corio = [os.path.abspath(args.corio_server)] if args.corio_server else None
    cmds = {
        "corio-epoll": (corio, {"CORIO_BACKEND": "epoll"}),
        "corio-io_uring": (corio, {"CORIO_BACKEND": "io_uring"}),
        "asyncio": ([args.python, script], {}),
        "uvloop": ([args.python, script, "--uvloop"], {}),
        "tokio": ([os.path.join(OUT, "tokio_echo_server")], {}),
        "go": ([os.path.join(OUT, "go_echo_server")], {}),
    }
    if args.corio_server is None:
        notes.append("corio: no --corio-server PATH given")
    for server in ("corio-epoll", "tokio", "go"):
        argv = cmds[server][0]
        if argv and not os.access(argv[0], os.X_OK):
            notes.append(f"{server.split('-')[0]}: {argv[0]} not found"
                         + ("" if server.startswith("corio") else "; run bench/peers/build"))
            cmds[server] = (None, {})
            if server == "corio-epoll":
                cmds["corio-io_uring"] = (None, {})
    if not capture([args.python, "-c", "import uvloop; print('ok')"]):
        notes.append(f"uvloop: {args.python} cannot import uvloop")
        cmds["uvloop"] = (None, {})
    return {s: (cmds[s] if cmds[s][0] else None) for s in args.servers}


def run_client(args, pin, port, size):
    """Runs the load generator. Returns (msgs_per_sec, client cpu %, None) or
    (None, None, error text)."""
    argv = pin + [os.path.join(OUT, "go_echo_client"), "-port", str(port), "-size", str(size),
                  "-conns", str(args.conns), "-duration", f"{args.duration}s",
                  "-warmup", f"{args.warmup}s", "-procs", str(args.client_procs)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        try:
            proc = subprocess.Popen(argv, stdout=out, stderr=err)
        except OSError as e:
            return None, None, str(e)
        limit = start + args.warmup + args.duration + 30
        usage = None
        while usage is None:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                usage = (os.waitstatus_to_exitcode(status), rusage)
            elif time.monotonic() > limit:
                proc.kill()
                proc.wait()
                return None, None, "client timed out"
            else:
                time.sleep(0.05)
        proc.returncode = usage[0]
        wall = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    m = re.search(r"^echo size=\d+ conns=\d+ msgs_per_sec=([0-9.eE+-]+)", stdout, re.M)
    if usage[0] != 0 or not m:
        return None, None, f"client exit status {usage[0]}\n{stderr}{stdout}"
    busy = (usage[1].ru_utime + usage[1].ru_stime) / wall * 100
    return float(m.group(1)), busy, None


def run_once(args, cmd, pins, size):
    """One fresh server and one client run: (msgs_per_sec, server cpu %, server user-space
    cpu %, client cpu %, error text or None, complaint about the server or None)."""
    argv, env = cmd
    port = free_port()
    with tempfile.NamedTemporaryFile(prefix="echo-server-", suffix=".err") as err:
        proc = subprocess.Popen(pins[1] + argv + [str(port)], stdout=subprocess.DEVNULL,
                                stderr=err, env={**os.environ, **env})
        try:
            problem = wait_ready(proc, port)
            if problem:
                return None, None, None, None, f"{problem}\n{tail(err.name)}", None
            before, start = cpu_split(proc.pid), time.monotonic()
            value, client_busy, error = run_client(args, pins[0], port, size)
            after, wall = cpu_split(proc.pid), time.monotonic() - start
        finally:
            complaint = stop(proc)
        server_busy = user_busy = None
        if None not in (before, after):
            server_busy = (sum(after) - sum(before)) / wall * 100
            user_busy = (after[0] - before[0]) / wall * 100
        if error is None and complaint is None and os.path.getsize(err.name):
            complaint = "server wrote to stderr"
        if complaint:
            complaint += "\n" + tail(err.name)
        if error is not None:
            error += "\nserver stderr:\n" + tail(err.name)
    return value, server_busy, user_busy, client_busy, error, complaint


def measure(args, cmds, pins, errors, notes):
    """(size, server) -> {"value": median msgs/s or "n/a"/"err", and when measured the
    medians of "us" (server CPU µs per message), "user_us" (its user-space part), "server"
    and "client" (CPU use %)}."""
    cells = {}
    for size in args.sizes:
        samples = {s: [] for s in args.servers}
        for run in range(args.runs):
            for server in args.servers:
                if cmds[server] is None or (size, server) in cells:
                    continue
                if sys.stderr.isatty():
                    print(f"run_echo: {size} B, {server}, run {run + 1}", file=sys.stderr)
                value, sbusy, ubusy, cbusy, err, complaint = run_once(args, cmds[server], pins,
                                                                      size)
                if complaint:
                    notes.append(f"{size} B / {server}, run {run + 1}: "
                                 + complaint.strip().replace("\n", " | "))
                if err is None:
                    us = None if sbusy is None else sbusy / 100 / value * 1e6
                    user_us = None if ubusy is None else ubusy / 100 / value * 1e6
                    samples[server].append({"value": value, "us": us, "user_us": user_us,
                                            "server": sbusy, "client": cbusy})
                else:
                    cells[size, server] = {"value": "err"}
                    errors.append(f"{size} B / {server}: "
                                  + "\n".join(err.strip().splitlines()[-14:]))
        for server in args.servers:
            if cmds[server] is None:
                cells[size, server] = {"value": "n/a"}
            elif (size, server) not in cells:
                cells[size, server] = {
                    key: statistics.median(vs) if vs else None
                    for key in ("value", "us", "user_us", "server", "client")
                    for vs in [[sample[key] for sample in samples[server]
                                if sample[key] is not None]]}
    return cells


def label(size):
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} B"


def ratio(corio, peer):
    return f"{corio / peer:.2f}" if isinstance(peer, float) and peer else "-"


def corio_ratios(values, peers, pick):
    """corio/peer for each peer, from the corio backend `pick` (max or min) chooses among
    `values` (server -> float or a marker), naming that backend."""
    corio = [(values[s], s.split("-")[1]) for s in CORIO
             if s in values and isinstance(values[s], float)]
    chosen = pick(corio) if corio else None
    return [f"{ratio(chosen[0], values[p])} ({chosen[1]})" if chosen else "-" for p in peers]


def print_report(args, cells, notes, errors, load_before):
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    nproc = len(os.sched_getaffinity(0))
    print(f"TCP echo, {now}; nproc {nproc}; CPU: {cpu_model()}; 1-min load average "
          f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after (other work on the "
          "machine steals from both cores)")
    mode = " (--quick)" if args.quick else ""
    print(f"Servers: corio, {versions(args)}. Client: bench/peers/go-echo-client, {args.conns} "
          f"connections, one message in flight each, GOMAXPROCS={args.client_procs}, pinned to "
          f"core {args.client_cpu}; every server pinned to core {args.server_cpu}. "
          f"{args.warmup:g} s warm-up + {args.duration:g} s measured; each cell the median of "
          f"{args.runs} fresh run(s){mode}.")
    print("Cells: messages (round trips) per second, higher is better. corio/X uses the "
          "faster corio backend of the row (named in brackets); above 1 means corio is faster.")
    print()
    heads = [HEADINGS.get(s, s) for s in args.servers]
    peers = [p for p in ("tokio", "uvloop") if p in args.servers]
    table_head("message", heads + [f"corio/{p}" for p in peers])
    for size in args.sizes:
        values = {s: cells[size, s]["value"] for s in args.servers}
        shown = [f"{v:,.0f}" if isinstance(v, float) else v for v in values.values()]
        print(f"| {label(size)} | " + " | ".join(shown + corio_ratios(values, peers, max)) + " |")
    print()
    print("Server CPU time per message in µs (lower is better: independent of the client's "
          "speed), then CPU use during the client run as server / client % of one core. A "
          "client near 100 % sets the pace; then compare servers by µs per message:")
    print()
    table_head("message", heads)
    for size in args.sizes:
        row = []
        for s in args.servers:
            cell = cells[size, s]
            if not isinstance(cell["value"], float):
                row.append("-")
            elif cell["us"] is None:
                row.append(f"? (? / {cell['client']:.0f} %)")
            else:
                row.append(f"{cell['us']:.2f} ({cell['server']:.0f} / {cell['client']:.0f} %)")
        print(f"| {label(size)} | " + " | ".join(row) + " |")
    print()
    print("Server user-space CPU per message in µs: the part of the time above spent outside "
          "the kernel, the part a runtime's own design decides. corio/X uses the corio backend "
          "of the row with the least; below 1 means corio spends less:")
    print()
    table_head("message", heads + [f"corio/{p}" for p in peers])
    for size in args.sizes:
        users = {s: cells[size, s].get("user_us") for s in args.servers}
        shown = [f"{u:.2f}" if isinstance(u, float) else "-" for u in users.values()]
        print(f"| {label(size)} | " + " | ".join(shown + corio_ratios(users, peers, min)) + " |")
    print_notes(notes, errors)


def main():
    args = parse_args()
    notes, errors = [], []
    cmds = server_commands(args, notes)
    if not os.access(os.path.join(OUT, "go_echo_client"), os.X_OK):
        print("run_echo: bench/peers/out/go_echo_client not found; run bench/peers/build",
              file=sys.stderr)
        return 1
    pins = pinning(args, notes)
    load_before = os.getloadavg()[0]
    cells = measure(args, cmds, pins, errors, notes)
    print_report(args, cells, notes, errors, load_before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
