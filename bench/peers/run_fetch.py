#!/usr/bin/env python3
"""corio-fetch against a Python httpx+asyncio script doing the same job (issue 6).

Starts nginx on core 0 (a tiny fixed response), writes N URLs, runs
`corio-fetch -c 100 --no-body` and bench/peers/python/fetch_httpx.py -c 100 on core 1,
then corio-fetch on M URLs for peak RSS (wait4 rusage), and prints a markdown table.

    python3 bench/peers/run_fetch.py --fetch build/release/apps/fetch/corio-fetch
    options: --urls 100000 --python-urls 20000 --rss-urls 1000000 --runs 1
"""

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from peers_common import cpu_model

HERE = os.path.dirname(os.path.abspath(__file__))

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port};
    location / {{ return 200 '{{"ok":true}}'; }}
  }}
}}
"""


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_timed(argv):
    """Runs argv; returns (seconds, peak RSS in KiB, exit status)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.stderr.read()
    return seconds, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fetch", required=True, help="the corio-fetch binary")
    parser.add_argument("--python", default="/usr/bin/python3")
    parser.add_argument("--urls", type=int, default=100000)
    parser.add_argument("--python-urls", type=int, default=20000)
    parser.add_argument("--rss-urls", type=int, default=1000000)
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="corio_fetch_bench_")
    port = free_port()
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(dir=work, port=port))
    nginx = subprocess.Popen(["taskset", "-c", "0", "nginx", "-c", conf, "-p", work],
                             stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        def url_file(n):
            path = os.path.join(work, f"urls{n}.txt")
            with open(path, "w") as f:
                for i in range(n):
                    f.write(f"http://127.0.0.1:{port}/{i}\n")
            return path

        pin = ["taskset", "-c", "1"]
        c = str(args.concurrency)
        rows = []
        small = url_file(args.urls)
        s, rss, code = run_timed(pin + [args.fetch, "-c", c, "--no-body", "-q", "-i", small,
                                        "-o", os.path.join(work, "out.jsonl")])
        corio_rate = args.urls / s
        rows.append(("corio-fetch", args.urls, s, corio_rate, rss, code))
        py_in = url_file(args.python_urls)
        s, rss, code = run_timed(pin + [args.python, os.path.join(HERE, "python", "fetch_httpx.py"),
                                        "-c", c, "-i", py_in, "-o", os.path.join(work, "py.jsonl")])
        py_rate = args.python_urls / s
        rows.append(("Python httpx+asyncio", args.python_urls, s, py_rate, rss, code))
        big = url_file(args.rss_urls)
        s, rss, code = run_timed(pin + [args.fetch, "-c", c, "--no-body", "-q", "-i", big,
                                        "-o", "/dev/null"])
        rows.append(("corio-fetch (RSS run)", args.rss_urls, s, args.rss_urls / s, rss, code))

        print(f"{time.strftime('%Y-%m-%d')}, {cpu_model()}, {os.cpu_count()} cores, "
              f"{platform.platform()}; nginx on core 0, the client on core 1, -c {c}\n")
        print("| program | URLs | seconds | URLs/s | peak RSS | exit |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, n, s, rate, rss, code in rows:
            print(f"| {name} | {n:,} | {s:.2f} | {rate:,.0f} | {rss / 1024:.1f} MB | {code} |")
        print(f"\ncorio-fetch / Python: {corio_rate / py_rate:.1f}x URLs/s")
    finally:
        nginx.terminate()
        nginx.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
