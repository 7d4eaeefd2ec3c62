#!/usr/bin/env python3
"""bench/peers/python/http_client.py — the aiohttp and httpx peers of the HTTP client benchmark.

Usage: http_client.py aiohttp|httpx --url URL [--requests N] [--conns C]

C tasks share one client and take requests from a shared counter until N GETs (default
200000) are done, over C keep-alive connections (default 50): aiohttp.ClientSession on
uvloop with TCPConnector(limit=C), or httpx.AsyncClient on the default asyncio loop with
Limits(max_connections=C, max_keepalive_connections=C). Every body is read whole and every
status must be 200. Prints `http_client requests=N conns=C wall_s=<float> cpu_s=<float>`
(cpu_s: getrusage RUSAGE_SELF, user + system, over the requests only); exits 1 when a
request fails. See bench/peers/README.md, "HTTP client".
"""
import argparse
import asyncio
import resource
import sys
import time


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(args, get):
    remaining = args.requests

    async def worker():
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            status = await get(args.url)
            if status != 200:
                raise RuntimeError(f"GET {args.url} answered {status}")

    cpu, wall = cpu_seconds(), time.monotonic()
    await asyncio.gather(*(worker() for _ in range(args.conns)))
    return time.monotonic() - wall, cpu_seconds() - cpu


async def with_aiohttp(args):
    import aiohttp
    connector = aiohttp.TCPConnector(limit=args.conns, limit_per_host=args.conns)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def get(url):
            async with session.get(url) as response:
                await response.read()
                return response.status
        return await run(args, get)


async def with_httpx(args):
    import httpx
    limits = httpx.Limits(max_connections=args.conns, max_keepalive_connections=args.conns)
    async with httpx.AsyncClient(limits=limits) as client:
        async def get(url):
            return (await client.get(url)).status_code
        return await run(args, get)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("library", choices=["aiohttp", "httpx"])
    p.add_argument("--url", required=True)
    p.add_argument("--requests", type=int, default=200000)
    p.add_argument("--conns", type=int, default=50)
    args = p.parse_args()
    if args.requests < 1 or args.conns < 1:
        p.error("--requests and --conns must be positive")
    if args.library == "aiohttp":
        import uvloop
        uvloop.install()
        wall, cpu = asyncio.run(with_aiohttp(args))
    else:
        wall, cpu = asyncio.run(with_httpx(args))
    print(f"http_client requests={args.requests} conns={args.conns} wall_s={wall:.6f} "
          f"cpu_s={cpu:.6f}")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 — one line on stderr, exit 1
        print(f"http_client.py: {e!r}", file=sys.stderr)
        sys.exit(1)
