"""Helpers shared by the side-by-side benchmark runners (run_runtime.py, run_echo.py,
run_http.py)."""

import os
import re
import shutil
import signal
import socket
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out")
READY_TIMEOUT = 10.0  # s for a server to accept its first connection
STOP_GRACE = 2.0      # s between SIGTERM and SIGKILL


def capture(argv):
    """Output of a short informational command, or "" if it fails."""
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def versions(args):
    py = capture([args.python, "-c", "import sys, uvloop; print(sys.version.split()[0], "
                  "'uvloop', uvloop.__version__)"]) \
        or capture([args.python, "-c", "import sys; print(sys.version.split()[0])"])
    parts = [f"Python {py}"] if py else []
    lock = os.path.join(OUT, "tokio-src", "Cargo.lock")
    if os.path.exists(lock):
        m = re.search(r'name = "tokio"\nversion = "([^"]+)"', open(lock).read())
        if m:
            parts.append(f"tokio {m.group(1)}")
    go = capture(["go", "version"]).split()
    if len(go) >= 3:
        parts.append(go[2])
    return ", ".join(parts)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def pinning(args, notes):
    """taskset prefixes (client, server); may move the cores to ones we are allowed on."""
    if shutil.which("taskset") is None:
        notes.append("taskset not found: runs are NOT pinned")
        return [], []
    allowed = sorted(os.sched_getaffinity(0))
    for role in ("client_cpu", "server_cpu"):
        cpu = getattr(args, role)
        if cpu not in allowed:
            other = args.server_cpu if role == "client_cpu" else args.client_cpu
            spare = [c for c in allowed if c != other] or allowed
            setattr(args, role, spare[0] if role == "client_cpu" else spare[-1])
            notes.append(f"CPU {cpu} not available for the {role.split('_')[0]}; "
                         f"pinned to {getattr(args, role)} instead")
    if args.client_cpu == args.server_cpu:
        notes.append("client and server share one core: the numbers are not comparable "
                     "with a two-core run")
    return (["taskset", "-c", str(args.client_cpu)], ["taskset", "-c", str(args.server_cpu)])


def free_port():
    """A port the kernel says is free on 127.0.0.1 (bound to port 0, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def table_head(first, columns):
    """Prints a Markdown table's header and rule: `first` left-aligned, `columns` right."""
    print(f"| {first} | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))


def cpu_split(pid):
    """(utime, stime) of a live process, in seconds, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tick, int(fields[12]) / tick
    except (OSError, IndexError, ValueError):
        return None


def cpu_seconds(pid):
    """utime + stime of a live process, in seconds, or None."""
    split = cpu_split(pid)
    return None if split is None else split[0] + split[1]


def tail(path, lines=12):
    try:
        with open(path, errors="replace") as f:
            return "\n".join(f.read().strip().splitlines()[-lines:])
    except OSError:
        return ""


def wait_ready(proc, port):
    """None once the server accepts a connection, else the reason it did not."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return f"server exited with status {proc.returncode} before accepting"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return None
        except OSError:
            time.sleep(0.02)
    return f"server did not accept a connection within {READY_TIMEOUT:g} s"


def stop(proc):
    """SIGTERM, then SIGKILL after STOP_GRACE s. Returns a complaint or None."""
    if proc.poll() is not None:
        return f"server had exited (status {proc.returncode}) before SIGTERM"
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return f"server still running {STOP_GRACE:g} s after SIGTERM; killed"
    if proc.returncode not in (0, -signal.SIGTERM):
        return f"server exited with status {proc.returncode} after SIGTERM"
    return None


def print_notes(notes, errors):
    """The notes, then each error (a stderr tail) in a code block, under a table."""
    if notes:
        print()
    for note in notes:
        print(f"Note: {note}  ")
    if errors:
        print("\nErrors (stderr tail):")
        for e in errors:
            print("\n```\n" + e + "\n```")
