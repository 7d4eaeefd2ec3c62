#!/usr/bin/env python3
"""bench/peers/run_http.py — the HTTP benchmarks: corio's client against wrk, Go net/http,
libcurl, aiohttp and httpx; corio's server against nginx, Go net/http, aiohttp and tokio.

Usage: run_http.py [--corio-client PATH] [--corio-server PATH] [--sections client,server]
                   [--quick] [--runs 3] [--requests 200000] [--conns 50] [--duration 5]
                   [--clients a,b,...] [--servers a,b,...] [--client-cpu 0] [--server-cpu 1]
                   [--python PATH] [--tls] [--pipeline N] [--load wrk|corio]

Client section: one nginx (one process, `return 200` of a JSON body) pinned to SERVER_CPU;
every client, pinned to CLIENT_CPU, sends GETs over --conns keep-alive connections and
reports its own CPU time and wall time over the requests (wrk: for --duration seconds, its
CPU from wait4). Server section: every server in turn, fresh, pinned to SERVER_CPU, loaded
by `wrk -t1 -c50 -d<duration>s --latency` pinned to CLIENT_CPU (with --load corio: by
corio's client on io_uring, which times every request and has CPU to spare where wrk's core
is full, so the server sets the pace). --tls runs both sections
over HTTPS with a certificate made for the run: every client trusts it through
SSL_CERT_FILE (wrk does not check it); in the server section only corio, nginx and Go
serve HTTPS (the others are n/a). --runs runs per cell,
interleaved across peers; medians. Build the peers first with bench/peers/build. See
bench/peers/README.md, "HTTP client" and "HTTP server".
"""
import argparse
import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from peers_common import (HERE, OUT, capture, cpu_model, cpu_split, free_port, pinning,
                          print_notes, stop, tail, versions, wait_ready)

CLIENTS = ["corio", "corio-io_uring", "wrk", "go", "curl", "aiohttp", "httpx"]
SERVERS = ["corio", "corio-io_uring", "corio-json", "nginx", "go", "aiohttp", "tokio"]
# The rows the goal lines take corio's figure from ("corio" is pinned to epoll, the other to
# io_uring, the default backend where the kernel has it).
# corio-json encodes its body per request, like Go's and aiohttp's servers: shown, not chosen.
CORIO = ("corio", "corio-io_uring")
HEADINGS = {"corio": "corio (epoll)", "corio-io_uring": "corio (io_uring)",
            "corio-json": "corio (epoll, nlohmann per request)", "go": "Go net/http",
            "curl": "libcurl multi", "aiohttp": "aiohttp+uvloop", "tokio": "tokio (hyper)",
            "nginx": "nginx"}
IO_URING = ["env", "CORIO_BACKEND=io_uring"]
EPOLL = ["env", "CORIO_BACKEND=epoll"]
# Requests per client run: the Python clients are 10-100x slower per request and get fewer
# (cells are per request, so the count does not enter them).
PYTHON_REQUESTS = {"aiohttp": 20000, "httpx": 4000}
HELLO = '{"message":"Hello, World!"}'
RUN_LIMIT = 120.0  # s for one client run
# Server peers without an HTTPS option: n/a under --tls (corio-json only changes the body).
TLS_LESS_SERVERS = ("corio-json", "aiohttp", "tokio")


def drop_missing_programs(cmds, names, notes):
    """Sets cmds[name] to None (with a note) for each built program that is not there."""
    for name in names:
        # Past an `env NAME=value` prefix, if any.
        program = cmds[name] and cmds[name][2 if cmds[name][0] == "env" else 0]
        if program and not os.access(program, os.X_OK):
            notes.append(f"{name}: {program} not found"
                         + ("" if name.startswith("corio") else "; run bench/peers/build"))
            cmds[name] = None


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corio-client", help="corio_http_client program (n/a when absent)")
    p.add_argument("--corio-server", help="corio_http_server program (n/a when absent)")
    p.add_argument("--sections", default="client,server", help="client, server or both")
    p.add_argument("--quick", action="store_true", help="N/10, 1 s, one run: a smoke run")
    p.add_argument("--runs", type=int, help="runs per cell (default 3; 1 with --quick)")
    p.add_argument("--requests", type=int, help="requests per compiled client (default 200000)")
    p.add_argument("--conns", type=int, default=50, help="keep-alive connections")
    p.add_argument("--duration", type=float, help="wrk seconds (default 5 server, 3 client)")
    p.add_argument("--clients", default=",".join(CLIENTS), help="comma-separated subset")
    p.add_argument("--servers", default=",".join(SERVERS), help="comma-separated subset")
    p.add_argument("--client-cpu", type=int, default=0, help="core every client is pinned to")
    p.add_argument("--server-cpu", type=int, default=1, help="core every server is pinned to")
    default_python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    p.add_argument("--python", default=default_python, help="interpreter with uvloop, aiohttp, "
                   "httpx")
    p.add_argument("--tls", action="store_true", help="HTTPS in both sections")
    p.add_argument("--pipeline", type=int, default=1, help="server section: requests each wrk "
                   "connection sends at once, as TechEmpower's plaintext test does with 16 "
                   "(a wrk Lua script); 1: one at a time")
    p.add_argument("--load", choices=["wrk", "corio"], default="wrk", help="server section's "
                   "load generator: wrk, or --corio-client on io_uring (--requests GETs, timed "
                   "one by one), which needs less CPU per request than wrk and so still has "
                   "room when wrk's core is full")
    args = p.parse_args()
    args.runs = args.runs or (1 if args.quick else 3)
    args.requests = args.requests or (20000 if args.quick else 200000)
    args.scale = args.requests / 200000
    if (args.runs < 1 or args.requests < 1 or args.conns < 1 or (args.duration or 1) <= 0
            or args.pipeline < 1):
        p.error("--runs, --requests, --conns, --duration and --pipeline must be positive")
    if args.load == "corio" and (not args.corio_client or args.pipeline > 1):
        p.error("--load corio needs --corio-client and takes no --pipeline")
    for name, known in (("sections", ["client", "server"]), ("clients", CLIENTS),
                        ("servers", SERVERS)):
        chosen = getattr(args, name).split(",")
        unknown = set(chosen) - set(known)
        if unknown:
            p.error(f"unknown {name} {sorted(unknown)}; known: {','.join(known)}")
        setattr(args, name, [k for k in known if k in chosen])
    return args


def make_certificate(directory):
    """A self-signed P-256 certificate for 127.0.0.1 in `directory`: (cert path, key path)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days",
                    "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def nginx_config(directory, port, tls=None):
    """Writes nginx.conf for one process answering every request with the JSON body; tls:
    (certificate, key) to listen with."""
    for sub in ("logs", "tmp"):
        os.makedirs(os.path.join(directory, sub), exist_ok=True)
    listen = f"127.0.0.1:{port}"
    if tls:
        listen += f" ssl; ssl_certificate {tls[0]}; ssl_certificate_key {tls[1]}"
    path = os.path.join(directory, "nginx.conf")
    with open(path, "w") as f:
        f.write(f"""daemon off;
master_process off;
worker_processes 1;
error_log {directory}/logs/error.log warn;
pid {directory}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path {directory}/tmp;
  server {{
    listen {listen};
    location / {{ default_type application/json; return 200 '{HELLO}'; }}
  }}
}}
""")
    return ["nginx", "-p", directory, "-c", path, "-e", f"{directory}/logs/error.log"]


def start_server(argv, pin, port):
    """Starts a server; (process, stderr file, None) or (None, None, error text)."""
    err = tempfile.NamedTemporaryFile(prefix="http-server-", suffix=".err")
    proc = subprocess.Popen(pin + argv, stdout=subprocess.DEVNULL, stderr=err)
    problem = wait_ready(proc, port)
    if problem:
        stop(proc)
        text = f"{problem}\n{tail(err.name)}"
        err.close()
        return None, None, text
    return proc, err, None


def run_timed(argv, limit):
    """Runs a program to its end; (exit code, stdout, stderr, rusage) or raises TimeoutError."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
        deadline = time.monotonic() + limit
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise TimeoutError(f"{argv[0]} did not finish within {limit:g} s")
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (proc.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), rusage)


# --- client section ------------------------------------------------------------------------

def client_commands(args, notes):
    """client -> argv prefix (the runner appends --url, --requests, --conns), or None."""
    script = os.path.join(HERE, "python", "http_client.py")
    cmds = {
        "corio": EPOLL + [os.path.abspath(args.corio_client)] if args.corio_client else None,
        "corio-io_uring": IO_URING + [os.path.abspath(args.corio_client)]
        if args.corio_client else None,
        "wrk": ["wrk"] if shutil.which("wrk") else None,
        "go": [os.path.join(OUT, "go_http_client")],
        "curl": [os.path.join(OUT, "curl_http_client")],
        "aiohttp": [args.python, script, "aiohttp"],
        "httpx": [args.python, script, "httpx"],
    }
    if cmds["corio"] is None:
        notes.append("corio client: no --corio-client PATH given")
    if cmds["wrk"] is None:
        notes.append("wrk not found (Debian package wrk)")
    drop_missing_programs(cmds, ("corio", "corio-io_uring", "go", "curl"), notes)
    for client, module in (("aiohttp", "uvloop, aiohttp"), ("httpx", "httpx")):
        if not capture([args.python, "-c", f"import {module}; print('ok')"]):
            notes.append(f"{client}: {args.python} cannot import {module}")
            cmds[client] = None
    return {c: cmds[c] for c in args.clients}


def client_once(args, client, argv, pin, url):
    """One client run: ({"rps", "us"}, None) or (None, error text)."""
    if client == "wrk":
        duration = args.duration or (1.0 if args.quick else 3.0)
        full = pin + argv + ["-t1", f"-c{args.conns}", f"-d{duration:g}s", url]
    else:
        requests = (max(1, round(PYTHON_REQUESTS[client] * args.scale))
                    if client in PYTHON_REQUESTS else args.requests)
        full = pin + argv + ["--url", url, "--requests", str(requests), "--conns",
                             str(args.conns)]
    try:
        code, out, err, rusage = run_timed(full, RUN_LIMIT)
    except TimeoutError as e:
        return None, str(e)
    if client == "wrk":
        m = re.search(r"(\d+) requests in ([0-9.]+)s", out)
        if code != 0 or not m or "Non-2xx" in out or "Socket errors" in out:
            return None, f"wrk exit status {code}\n{err}{out}"
        requests, wall = int(m.group(1)), float(m.group(2))
        cpu = rusage.ru_utime + rusage.ru_stime
    else:
        m = re.search(r"^http_client requests=(\d+) conns=\d+ wall_s=([0-9.eE+-]+) "
                      r"cpu_s=([0-9.eE+-]+)", out, re.M)
        if code != 0 or not m:
            return None, f"exit status {code}\n{err}{out}"
        requests, wall, cpu = int(m.group(1)), float(m.group(2)), float(m.group(3))
    # User time from wait4 covers the whole process (start-up too: under 2% for any client).
    return {"rps": requests / wall, "us": cpu / requests * 1e6,
            "user_us": rusage.ru_utime / requests * 1e6, "busy": cpu / wall * 100}, None


def measure_clients(args, pins, notes, errors):
    cmds = client_commands(args, notes)
    cells = {c: "n/a" for c in args.clients}
    with tempfile.TemporaryDirectory(prefix="run-http-nginx-") as directory:
        port = free_port()
        tls = make_certificate(directory) if args.tls else None
        if tls:
            os.environ["SSL_CERT_FILE"] = tls[0]  # every client started from here trusts it
        nginx, nginx_err, problem = start_server(nginx_config(directory, port, tls), pins[1],
                                                 port)
        if problem:
            errors.append(f"client section: nginx: {problem}")
            return cells, {}
        url = f"{'https' if tls else 'http'}://127.0.0.1:{port}/json"
        samples = {c: [] for c in args.clients}
        failed = set()
        try:
            for run in range(args.runs):
                for client in args.clients:
                    if cmds[client] is None or client in failed:
                        continue
                    if sys.stderr.isatty():
                        print(f"run_http: client {client}, run {run + 1}", file=sys.stderr)
                    sample, error = client_once(args, client, cmds[client], pins[0], url)
                    if error:
                        failed.add(client)
                        cells[client] = "err"
                        errors.append(f"client {client}: "
                                      + "\n".join(error.strip().splitlines()[-14:]))
                        continue
                    samples[client].append(sample)
        finally:
            complaint = stop(nginx)
            if complaint:
                notes.append(f"client section nginx: {complaint} | {tail(nginx_err.name)}")
            nginx_err.close()
    for client in args.clients:
        if samples[client] and client not in failed:
            cells[client] = {k: statistics.median(s[k] for s in samples[client])
                             for k in ("rps", "us", "user_us", "busy")}
    rounds = {c: samples[c] for c in args.clients if samples[c] and c not in failed}
    return cells, rounds


def print_client_pairs(rounds):
    """corio / wrk and corio / Go CPU per request taken within each round (every client ran
    once per round, in turn, against the same nginx), so that a slow minute of the shared VM
    weighs on both sides of a ratio."""
    peers = [p for p in ("wrk", "go") if len(rounds.get(p, ())) >= 2]
    corios = [c for c in CORIO if c in rounds]
    if not peers or not corios:
        return
    print()
    print(f"Paired by round ({len(rounds[peers[0]])} rounds; in each, every client ran once, in "
          "turn): corio's CPU per request / the peer's within a round, median (lowest–highest).")
    print()
    print("| corio | " + " | ".join(f"vs {HEADINGS.get(p, p)}" for p in peers) + " |")
    print("|---|" + "---:|" * len(peers))
    for name in corios:
        cells = []
        for peer in peers:
            ratios = [a["us"] / b["us"] for a, b in zip(rounds[name], rounds[peer])]
            cells.append(f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})")
        print(f"| {HEADINGS[name]} | " + " | ".join(cells) + " |")


def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "-"


def best_corio(cells, key, pick):
    """(value, name) of the corio backend whose `key` is best by `pick` (min or max)."""
    measured = [(cells[c][key], c) for c in CORIO
                if isinstance(cells.get(c), dict) and cells[c][key] is not None]
    return pick(measured) if measured else (None, None)


def print_clients(args, cells):
    print("| client | requests/s | CPU µs per request | user-space µs per request | "
          "client CPU % | CPU vs corio |")
    print("|---|---:|---:|---:|---:|---:|")
    corio_us, corio_name = best_corio(cells, "us", min)
    for client in args.clients:
        cell = cells[client]
        name = HEADINGS.get(client, client)
        if client in PYTHON_REQUESTS:
            name += f" ({max(1, round(PYTHON_REQUESTS[client] * args.scale)):,} requests)"
        if not isinstance(cell, dict):
            print(f"| {name} | {cell} | {cell} | {cell} | - | - |")
            continue
        print(f"| {name} | {cell['rps']:,.0f} | {cell['us']:.2f} | {cell['user_us']:.2f} | "
              f"{cell['busy']:.0f} | {ratio(cell['us'], corio_us)} |")
    print()
    corio_user, user_name = best_corio(cells, "user_us", min)
    for peer, goal in (("wrk", 1.5), ("go", 1 / 3)):
        cell = cells.get(peer)
        if corio_us and isinstance(cell, dict):
            r = corio_us / cell["us"]
            verdict = ("" if args.tls else
                       f" (goal at most {goal:.2f}: {'met' if r <= goal else 'not yet'})")
            print(f"{HEADINGS[corio_name]} CPU per request / {HEADINGS.get(peer, peer)}'s: "
                  f"{r:.2f}{verdict}  ")
            r = corio_user / cell["user_us"]
            print(f"{HEADINGS[user_name]} user-space CPU per request / "
                  f"{HEADINGS.get(peer, peer)}'s: {r:.2f}  ")


# --- server section ------------------------------------------------------------------------

def server_commands(args, notes):
    """server -> argv (without the port for nginx: its config holds it), or None."""
    cmds = {
        "corio": EPOLL + [os.path.abspath(args.corio_server)] if args.corio_server else None,
        "corio-io_uring": IO_URING + [os.path.abspath(args.corio_server)]
        if args.corio_server else None,
        "corio-json": EPOLL + [os.path.abspath(args.corio_server), "--encode-json"]
        if args.corio_server else None,
        "nginx": ["nginx"] if shutil.which("nginx") else None,
        "go": [os.path.join(OUT, "go_http_server")],
        "aiohttp": [args.python, os.path.join(HERE, "python", "http_server.py")],
        "tokio": [os.path.join(OUT, "tokio_http_server")],
    }
    if cmds["corio"] is None:
        notes.append("corio server: no --corio-server PATH given")
    if cmds["nginx"] is None:
        notes.append("nginx not found (Debian package nginx-light)")
    drop_missing_programs(cmds, ("corio", "corio-io_uring", "corio-json", "go", "tokio"), notes)
    if not capture([args.python, "-c", "import uvloop, aiohttp; print('ok')"]):
        notes.append(f"aiohttp: {args.python} cannot import uvloop, aiohttp")
        cmds["aiohttp"] = None
    return {s: cmds[s] for s in args.servers}


def latency_ms(text):
    value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def pipeline_script(directory, depth):
    """A wrk Lua script that makes every request `depth` GETs of /json sent at once (wrk
    counts each response); its path."""
    path = os.path.join(directory, "pipeline.lua")
    with open(path, "w") as f:
        f.write(f"""init = function(args)
  local requests = {{}}
  for i = 1, {depth} do requests[i] = wrk.format(nil, "/json") end
  burst = table.concat(requests)
end
request = function() return burst end
""")
    return path


def server_once(args, server, cmd, pins, directory, tls, script):
    """One fresh server under wrk: ({"rps", "p99", "us"}, None) or (None, error text).
    tls: (certificate, key) to serve HTTPS with, or None; script: wrk's Lua script, or None."""
    port = free_port()
    if server == "nginx":
        argv = nginx_config(os.path.join(directory, f"nginx-{port}"), port, tls)
    else:
        argv = cmd + ["--port", str(port)]
        if tls:
            argv += ["--cert", tls[0], "--key", tls[1]] if server == "go" else ["--tls", *tls]
    proc, err, problem = start_server(argv, pins[1], port)
    if problem:
        return None, problem
    try:
        before = cpu_split(proc.pid)
        started = time.monotonic()
        url = f"{'https' if tls else 'http'}://127.0.0.1:{port}/json"
        load = (wrk_load(args, pins, url, script) if args.load == "wrk"
                else corio_load(args, pins, url))
        after = cpu_split(proc.pid)
        wall = time.monotonic() - started
        if "error" in load:
            return None, f"{load['error']}\nserver stderr:\n{tail(err.name)}"
        requests = load["requests"]
        us = user_us = busy = None
        if None not in (before, after):
            us = (sum(after) - sum(before)) / requests * 1e6
            user_us = (after[0] - before[0]) / requests * 1e6
            busy = (sum(after) - sum(before)) / wall * 100
        return {"rps": load["rps"], "p99": load["p99"], "us": us, "user_us": user_us,
                "busy": busy, "load_busy": load["busy"]}, None
    finally:
        complaint = stop(proc)
        if complaint and server != "nginx":
            return None, f"{complaint}\n{tail(err.name)}"
        err.close()


def wrk_load(args, pins, url, script):
    """wrk against `url`: {"requests", "rps", "p99", "busy"} or {"error"}. busy: how busy
    wrk's core was; near 100 for every server means wrk, not the server, set the pace."""
    duration = args.duration or (1.0 if args.quick else 5.0)
    try:
        code, out, wrk_err, usage = run_timed(
            pins[0] + ["wrk", "-t1", f"-c{args.conns}", f"-d{duration:g}s", "--latency"]
            + (["-s", script] if script else []) + [url], duration + 30)
    except TimeoutError as e:
        return {"error": str(e)}
    rps = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    total = re.search(r"(\d+) requests in ([0-9.]+)s", out)
    if code != 0 or not (rps and p99 and total) or "Non-2xx" in out:
        return {"error": f"wrk exit status {code}\n{wrk_err}{out}"}
    # Under a pipelining script wrk's latency is one sample per burst, and often none (its
    # 99th percentile then reads 0): not a per-request figure, so not reported.
    return {"requests": int(total.group(1)), "rps": float(rps.group(1)),
            "p99": latency_ms(p99.group(1)) if args.pipeline == 1 else None,
            "busy": (usage.ru_utime + usage.ru_stime) / float(total.group(2)) * 100}


def corio_load(args, pins, url):
    """corio's client (io_uring) sending --requests GETs to `url` over --conns connections,
    timing each: {"requests", "rps", "p99", "busy"} or {"error"}."""
    try:
        code, out, err, _ = run_timed(
            pins[0] + IO_URING + [os.path.abspath(args.corio_client), "--url", url, "--requests",
                                  str(args.requests), "--conns", str(args.conns), "--latency"],
            RUN_LIMIT)
    except TimeoutError as e:
        return {"error": str(e)}
    m = re.search(r"^http_client requests=(\d+) conns=\d+ wall_s=([0-9.eE+-]+) "
                  r"cpu_s=([0-9.eE+-]+) p50_ms=[0-9.]+ p99_ms=([0-9.]+)", out, re.M)
    if code != 0 or not m:
        return {"error": f"corio_http_client exit status {code}\n{err}{out}"}
    requests, wall, cpu = int(m.group(1)), float(m.group(2)), float(m.group(3))
    return {"requests": requests, "rps": requests / wall, "p99": float(m.group(4)),
            "busy": cpu / wall * 100}


def measure_servers(args, pins, notes, errors):
    cells = {s: "n/a" for s in args.servers}
    with tempfile.TemporaryDirectory(prefix="run-http-servers-") as directory:
        cmds = server_commands(args, notes)
        tls = make_certificate(directory) if args.tls else None
        script = pipeline_script(directory, args.pipeline) if args.pipeline > 1 else None
        for server in TLS_LESS_SERVERS if tls else ():
            if cmds.get(server):
                notes.append(f"{server}: no HTTPS in this benchmark's peer (n/a with --tls)")
                cmds[server] = None
        samples = {s: [] for s in args.servers}
        failed = set()
        for run in range(args.runs):
            for server in args.servers:
                if cmds[server] is None or server in failed:
                    continue
                if sys.stderr.isatty():
                    print(f"run_http: server {server}, run {run + 1}", file=sys.stderr)
                sample, error = server_once(args, server, cmds[server], pins, directory, tls,
                                            script)
                if error:
                    failed.add(server)
                    cells[server] = "err"
                    errors.append(f"server {server}: " + "\n".join(error.strip().splitlines()[-14:]))
                else:
                    samples[server].append(sample)
    for server in args.servers:
        if samples[server] and server not in failed:
            cells[server] = {k: statistics.median(s[k] for s in samples[server]
                                                  if s[k] is not None)
                             if any(s[k] is not None for s in samples[server]) else None
                             for k in ("rps", "p99", "us", "user_us", "busy", "load_busy")}
    rounds = {s: samples[s] for s in args.servers if samples[s] and s not in failed}
    return cells, rounds


def print_paired(rounds):
    """corio/nginx ratios taken within each round (every server ran once per round, in turn),
    so that a slow minute of the shared VM weighs on both sides of a ratio."""
    nginx = rounds.get("nginx")
    corios = [s for s in ("corio", "corio-io_uring") if s in rounds]
    if not nginx or len(nginx) < 2 or not corios:
        return
    print()
    print(f"Paired by round ({len(nginx)} rounds; in each, every server ran once, in turn): "
          "corio / nginx within a round, median (lowest–highest); below 1 is better for "
          "latency and CPU, above 1 for requests/s.")
    print()
    print("| corio | requests/s | p99 latency | server CPU per request | user-space CPU per request |")
    print("|---|---:|---:|---:|---:|")
    for name in corios:
        cells = []
        for key in ("rps", "p99", "us", "user_us"):
            ratios = [a[key] / b[key] for a, b in zip(rounds[name], nginx)
                      if a[key] is not None and b[key]]
            cells.append(f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"
                         if ratios else "?")
        print(f"| {HEADINGS[name]} | " + " | ".join(cells) + " |")


def print_servers(args, cells):
    print("| server | requests/s | p99 latency ms | server CPU µs per request | "
          f"user-space µs per request | server CPU % | {args.load} CPU % | corio req/s vs |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    _, corio_name = best_corio(cells, "rps", max)
    corio = cells.get(corio_name)
    for server in args.servers:
        cell = cells[server]
        name = HEADINGS.get(server, server)
        if not isinstance(cell, dict):
            print(f"| {name} | {cell} | {cell} | - | - | - | - | - |")
            continue
        us, user = (f"{cell[k]:.2f}" if cell[k] is not None else "?" for k in ("us", "user_us"))
        busy, load_busy = (f"{cell[k]:.0f}" if cell[k] is not None else "?"
                          for k in ("busy", "load_busy"))
        vs = ratio(corio["rps"], cell["rps"]) if isinstance(corio, dict) else "-"
        p99 = f"{cell['p99']:.2f}" if cell["p99"] is not None else "-"
        print(f"| {name} | {cell['rps']:,.0f} | {p99} | {us} | {user} | {busy} | "
              f"{load_busy} | {vs} |")
    nginx = cells.get("nginx")
    if isinstance(corio, dict) and isinstance(nginx, dict):
        r = corio["rps"] / nginx["rps"]
        print()
        if corio["p99"] is None or nginx["p99"] is None:
            print(f"{HEADINGS[corio_name]} requests/s / nginx's: {r:.2f}  ")
        else:
            met = r >= 1.1 and corio["p99"] < nginx["p99"]
            verdict = ("" if args.tls else
                       f" (goal at least 1.10 with a lower p99: {'met' if met else 'not yet'})")
            print(f"{HEADINGS[corio_name]} requests/s / nginx's: {r:.2f}, p99 "
                  f"{corio['p99']:.2f} ms vs {nginx['p99']:.2f} ms{verdict}  ")
        for key, what in (("us", "CPU"), ("user_us", "user-space CPU")):
            mine, name = best_corio(cells, key, min)
            if mine and nginx[key]:
                print(f"{HEADINGS[name]} {what} per request / nginx's: {mine / nginx[key]:.2f}  ")


def main():
    args = parse_args()
    notes, errors = [], []
    pins = pinning(args, notes)
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    nginx = capture(["nginx", "-v"]) or subprocess.run(
        ["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    wrk = capture(["wrk", "--version"]).split("\n")[0] or "wrk"
    print(f"HTTP benchmarks, {now}; nproc {len(os.sched_getaffinity(0))}; CPU: {cpu_model()}; "
          f"1-min load average {os.getloadavg()[0]:.2f} at the start")
    print(f"Peers: {versions(args)}, {nginx.replace('nginx version: ', '')}, "
          f"{wrk.split(' [')[0]}, libcurl {capture(['curl-config', '--version']).split()[-1]}. "
          f"Clients pinned to core {args.client_cpu}, servers to core {args.server_cpu}; each "
          f"cell the median of {args.runs} run(s){' (--quick)' if args.quick else ''}.")
    if "client" in args.sections:
        cells, client_rounds = measure_clients(args, pins, notes, errors)
        print()
        over = " over HTTPS (the certificate: self-signed ECDSA P-256)" if args.tls else ""
        print(f"Client: GET /json from nginx{over} (one process, `return 200`), {args.conns} "
              f"keep-alive connections, {args.requests:,} requests per compiled client (wrk: "
              f"{args.duration or (1 if args.quick else 3):g} s). CPU µs per request is the "
              "client's user + system time over the requests / requests; lower is better.")
        print()
        print_clients(args, cells)
        print_client_pairs(client_rounds)
    if "server" in args.sections:
        cells, rounds = measure_servers(args, pins, notes, errors)
        print()
        over = " over HTTPS" if args.tls else ""
        piped = (f", {args.pipeline} requests pipelined per connection (a wrk Lua script; "
                 "no latency: wrk takes at most one sample per burst)" if args.pipeline > 1 else "")
        if args.load == "wrk":
            load = (f"`wrk -t1 -c{args.conns} -d{args.duration or (1 if args.quick else 5):g}s "
                    f"--latency` on the other core{piped}")
        else:
            load = (f"corio's client (io_uring) on the other core, {args.requests:,} GETs over "
                    f"{args.conns} keep-alive connections, each timed")
        print(f"Server: hello-JSON{over}, {load}; server CPU µs per request from "
              "/proc/PID/stat over the load's run.")
        print()
        print_servers(args, cells)
        print_paired(rounds)
    print_notes(notes, errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
