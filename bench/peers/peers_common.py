"""Helpers shared by the side-by-side benchmark runners (run_runtime.py, run_echo.py)."""

import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out")


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
