"""corio-fetch's job in Python: httpx.AsyncClient + asyncio, N workers (-c), URLs from a
file, one JSON line per URL (url, status, headers, elapsed_ms, bytes, error) to a file.
The peer of corio-fetch in bench/peers/run_fetch.py. Run with /usr/bin/python3 (Debian's
python3-httpx)."""

import argparse
import asyncio
import json
import time

import httpx


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-i", "--input", required=True)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("-c", "--concurrency", type=int, default=100)
    args = parser.parse_args()

    queue = asyncio.Queue(maxsize=args.concurrency)
    limits = httpx.Limits(max_connections=args.concurrency,
                          max_keepalive_connections=args.concurrency)
    with open(args.output, "w") as out:
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            async def worker():
                while True:
                    url = await queue.get()
                    if url is None:
                        return
                    start = time.perf_counter()
                    line = {"url": url}
                    try:
                        r = await client.get(url)
                        line.update(status=r.status_code, headers=dict(r.headers),
                                    bytes=len(r.content), error=None)
                    except httpx.HTTPError as e:
                        line.update(status=None, error={"class": type(e).__name__,
                                                        "message": str(e)})
                    line["elapsed_ms"] = (time.perf_counter() - start) * 1000
                    out.write(json.dumps(line) + "\n")

            workers = [asyncio.create_task(worker()) for _ in range(args.concurrency)]
            with open(args.input) as f:
                for text in f:
                    text = text.strip()
                    if text and not text.startswith("#"):
                        await queue.put(text)
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)


asyncio.run(main())
