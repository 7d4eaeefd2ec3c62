#!/usr/bin/env python3
"""bench/peers/python/http_server.py — the aiohttp + uvloop peer of the HTTP server benchmark.

Usage: http_server.py --port PORT

aiohttp.web on uvloop: GET /json answers {"message":"Hello, World!"} (web.json_response,
encoded per request) on 127.0.0.1:PORT; access log off. Prints "ready" once listening;
SIGTERM ends the process (the default disposition). See bench/peers/README.md, "HTTP server".
"""
import argparse
import asyncio

import uvloop
from aiohttp import web


async def hello(request):
    return web.json_response({"message": "Hello, World!"})


async def serve(port):
    app = web.Application()
    app.router.add_get("/json", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args()
    uvloop.install()
    asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
