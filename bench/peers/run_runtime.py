#!/usr/bin/env python3
"""bench/peers/run_runtime.py — corio's runtime benchmarks side by side with its peers.

Usage: run_runtime.py [--corio PATH] [--quick] [--runs 3] [--timeout 60] [--cpu 1]
                      [--workloads a,b,...] [--python PATH]

Every (workload, peer) pair runs as a fresh process pinned to one core (taskset -c CPU),
--runs times, interleaved across peers; the table shows medians. Each program prints one
line, `WORKLOAD ns_per_op=<float> n=<int>` (idle_task: `bytes_per_task=`). Prints one
markdown table on stdout. A peer that is not there shows "n/a"; a run that fails or times
out shows "err", with its stderr tail below the table. Build the peers first with
bench/peers/build. See bench/peers/README.md for what each workload measures.
"""
import argparse
import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys

from peers_common import HERE, OUT, capture, cpu_model, print_notes, table_head, versions
WORKLOADS = ["spawn_join", "yield", "queue_pingpong", "event_wakeup", "timer_cancel",
             "async_tree_none", "async_tree_yield", "idle_task"]
PEERS = ["corio", "asyncio", "uvloop", "tokio", "go"]
OTHERS = PEERS[1:]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corio", help="corio_runtime_bench program (n/a when absent)")
    p.add_argument("--quick", action="store_true", help="N/10 in every program: smoke runs")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per run")
    p.add_argument("--cpu", type=int, default=1, help="core to pin every run to")
    p.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated subset")
    default_python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    p.add_argument("--python", default=default_python, help="interpreter with uvloop")
    args = p.parse_args()
    if args.runs < 1:
        p.error("--runs must be at least 1")
    args.workloads = args.workloads.split(",")
    unknown = set(args.workloads) - set(WORKLOADS)
    if unknown:
        p.error(f"unknown workloads {sorted(unknown)}; known: {','.join(WORKLOADS)}")
    return args


def peer_commands(args, notes):
    """peer -> argv prefix (the workload name follows), or None when the peer is absent."""
    script = os.path.join(HERE, "python", "runtime_bench.py")
    cmds = {
        "corio": [os.path.abspath(args.corio)] if args.corio else None,
        "asyncio": [args.python, script],
        "uvloop": [args.python, script, "--uvloop"],
        "tokio": [os.path.join(OUT, "tokio_runtime_bench")],
        "go": [os.path.join(OUT, "go_runtime_bench")],
    }
    for peer in ("corio", "tokio", "go"):
        if cmds[peer] and not os.access(cmds[peer][0], os.X_OK):
            notes.append(f"{peer}: {cmds[peer][0]} not found"
                         + ("" if peer == "corio" else "; run bench/peers/build"))
            cmds[peer] = None
    if args.corio is None:
        notes.append("corio: no --corio PATH given")
    if not capture([args.python, "-c", "import uvloop; print('ok')"]):
        notes.append(f"uvloop: {args.python} cannot import uvloop")
        cmds["uvloop"] = None
    return cmds


def run_once(argv, workload, args, pin):
    """One fresh process. Returns (value, None) or (None, error text)."""
    cmd = pin + argv + [workload] + (["--quick"] if args.quick else [])
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired as e:
        tail = e.stderr or b""  # partial output; bytes even in text mode
        if isinstance(tail, bytes):
            tail = tail.decode(errors="replace")
        return None, f"timed out after {args.timeout:g} s\n{tail}"
    except OSError as e:
        return None, str(e)
    unit = "bytes_per_task" if workload == "idle_task" else "ns_per_op"
    m = re.search(rf"^{workload} {unit}=([0-9.eE+-]+)", r.stdout, re.M)
    if r.returncode != 0 or not m:
        return None, f"exit status {r.returncode}\n{r.stderr}{r.stdout}"
    return float(m.group(1)), None


def fmt(v):
    return f"{v:,.0f}" if v >= 1000 else f"{v:.1f}"


def pinning(args, notes):
    """The taskset prefix for every run; may move args.cpu to a core we are allowed on."""
    if shutil.which("taskset") is None:
        notes.append("taskset not found: runs are NOT pinned")
        return []
    allowed = os.sched_getaffinity(0)
    if args.cpu not in allowed:
        notes.append(f"CPU {args.cpu} not available; pinned to {max(allowed)} instead")
        args.cpu = max(allowed)
    return ["taskset", "-c", str(args.cpu)]


def measure(args, cmds, pin, errors):
    """(workload, peer) -> median value (float), "n/a" or "err"."""
    cells = {}
    for workload in args.workloads:
        if sys.stderr.isatty():
            print(f"run_runtime: {workload}", file=sys.stderr)
        samples = {peer: [] for peer in PEERS}
        for _ in range(args.runs):
            for peer in PEERS:
                if cmds[peer] is None or (workload, peer) in cells:
                    continue
                value, err = run_once(cmds[peer], workload, args, pin)
                if err is None:
                    samples[peer].append(value)
                else:
                    cells[workload, peer] = "err"
                    tail = "\n".join(err.strip().splitlines()[-12:])
                    errors.append(f"{workload} / {peer}: {tail}")
        for peer in PEERS:
            if cmds[peer] is None:
                cells[workload, peer] = "n/a"
            elif (workload, peer) not in cells:
                cells[workload, peer] = statistics.median(samples[peer])
    return cells


def print_report(args, cells, notes, errors):
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    nproc = len(os.sched_getaffinity(0))
    print(f"Runtime benchmarks, {now}; nproc {nproc}; CPU: {cpu_model()}")
    mode = " (--quick: N/10, smoke run)." if args.quick else "."
    print(f"Peers: {versions(args)}. Each cell: median of {args.runs} fresh run(s), "
          f"pinned with `taskset -c {args.cpu}`{mode}")
    print("Units: ns per op (async_tree: ns per whole tree); idle_task: bytes per parked task. "
          "corio/X below 1 means corio is faster (or smaller).")
    print()
    table_head("workload", PEERS + [f"corio/{p}" for p in OTHERS])
    for workload in args.workloads:
        row = [cells[workload, p] for p in PEERS]
        corio = row[0]
        ratios = [f"{corio / v:.2f}" if isinstance(corio, float) and isinstance(v, float) and v
                  else "-" for v in row[1:]]
        shown = [fmt(v) if isinstance(v, float) else v for v in row]
        print(f"| {workload} | " + " | ".join(shown + ratios) + " |")
    print_notes(notes, errors)


def main():
    args = parse_args()
    notes, errors = [], []
    cmds = peer_commands(args, notes)
    pin = pinning(args, notes)
    cells = measure(args, cmds, pin, errors)
    print_report(args, cells, notes, errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
