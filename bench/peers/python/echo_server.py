#!/usr/bin/env python3
"""bench/peers/python/echo_server.py — the asyncio and uvloop servers of the TCP echo benchmark.

Usage: echo_server.py [--uvloop] [--port] PORT

asyncio streams: asyncio.start_server on 127.0.0.1:PORT, one handler per connection that
reads with `await reader.read(65536)` and answers with `writer.write(data); await
writer.drain()`. --uvloop installs uvloop.EventLoopPolicy() first. Prints "ready" once
listening; SIGTERM ends the process (the default disposition). See bench/peers/README.md,
"TCP echo".
"""
import asyncio
import sys


async def echo(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass  # the client went away mid-message
    finally:
        writer.close()


async def serve(port):
    server = await asyncio.start_server(echo, "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def main(argv):
    args = [a for a in argv if a != "--uvloop"]
    if len(args) == 2 and args[0] == "--port":
        args = args[1:]
    if len(args) != 1 or not args[0].isdigit() or int(args[0]) > 65535:
        print("usage: echo_server.py [--uvloop] [--port] PORT", file=sys.stderr)
        return 2
    if "--uvloop" in argv:
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    asyncio.run(serve(int(args[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
