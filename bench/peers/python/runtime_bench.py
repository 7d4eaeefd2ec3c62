#!/usr/bin/env python3
"""bench/peers/python/runtime_bench.py — asyncio and uvloop peers of corio's runtime benchmarks.

Usage: runtime_bench.py WORKLOAD [--uvloop] [--quick]

Prints one line, `WORKLOAD ns_per_op=<float> n=<int>` (idle_task: `bytes_per_task=`).
Time is taken with perf_counter_ns() around the measured loop only. --quick uses N/10.
Each workload's shape is described in bench/peers/README.md; keep the two in step.
"""
import asyncio
import sys
import time

BATCH = 1000  # spawn_join: tasks spawned before joining; timer_cancel: timers per loop turn
FANOUT = 6    # async_tree: children per node
DEPTH = 6     # async_tree: levels below the root; 6**6 = 46656 leaves

# Python sizes; the compiled peers use larger ones (README.md). The result is per op.
SIZES = {
    "spawn_join": 1_000_000,
    "yield": 1_000_000,
    "queue_pingpong": 200_000,
    "event_wakeup": 200_000,
    "timer_cancel": 1_000_000,
    "async_tree_none": 3,
    "async_tree_yield": 3,
    "idle_task": 100_000,
}


def rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def noop():
    pass


async def spawn_join(n):
    start = time.perf_counter_ns()
    for _ in range(n // BATCH):
        tasks = [asyncio.create_task(noop()) for _ in range(BATCH)]
        for t in tasks:
            await t
    return time.perf_counter_ns() - start, n


async def yield_(n):
    start = time.perf_counter_ns()
    for _ in range(n):
        await asyncio.sleep(0)
    return time.perf_counter_ns() - start, n


async def queue_pingpong(n):
    ping, pong = asyncio.Queue(), asyncio.Queue()

    async def echo():
        for _ in range(n):
            pong.put_nowait(await ping.get())

    start = time.perf_counter_ns()
    echoer = asyncio.create_task(echo())
    for i in range(n):
        ping.put_nowait(i)
        await pong.get()
    elapsed = time.perf_counter_ns() - start
    await echoer
    return elapsed, n


async def event_wakeup(n):
    ping, pong = asyncio.Event(), asyncio.Event()

    async def responder():
        for _ in range(n):
            await ping.wait()
            ping.clear()
            pong.set()

    start = time.perf_counter_ns()
    peer = asyncio.create_task(responder())
    for _ in range(n):
        ping.set()
        await pong.wait()
        pong.clear()
    elapsed = time.perf_counter_ns() - start
    await peer
    return elapsed, 2 * n  # two wake-ups per round trip


def on_timer():
    pass


async def timer_cancel(n):
    loop = asyncio.get_running_loop()
    start = time.perf_counter_ns()
    for _ in range(n // BATCH):
        for _ in range(BATCH):
            loop.call_later(10.0, on_timer).cancel()
        await asyncio.sleep(0)  # a loop turn, so the loop may purge cancelled timers
    return time.perf_counter_ns() - start, n


async def tree_node(depth, leaf_yields):
    if depth == 0:
        if leaf_yields:
            await asyncio.sleep(0)
        return
    await asyncio.gather(*[tree_node(depth - 1, leaf_yields) for _ in range(FANOUT)])


def async_tree(leaf_yields):
    async def run(n):
        start = time.perf_counter_ns()
        for _ in range(n):
            await tree_node(DEPTH, leaf_yields)
        return time.perf_counter_ns() - start, n

    return run


async def idle_task(n):
    event = asyncio.Event()
    parked = 0

    async def idle():
        nonlocal parked
        parked += 1
        await event.wait()

    before = rss_bytes()
    tasks = [asyncio.create_task(idle()) for _ in range(n)]
    while parked < n:
        await asyncio.sleep(0)
    after = rss_bytes()
    event.set()
    for t in tasks:
        await t
    return after - before, n


WORKLOADS = {
    "spawn_join": spawn_join,
    "yield": yield_,
    "queue_pingpong": queue_pingpong,
    "event_wakeup": event_wakeup,
    "timer_cancel": timer_cancel,
    "async_tree_none": async_tree(False),
    "async_tree_yield": async_tree(True),
    "idle_task": idle_task,
}


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    flags = {a for a in argv if a.startswith("--")}
    if len(args) != 1 or args[0] not in WORKLOADS or flags - {"--uvloop", "--quick"}:
        print(f"usage: runtime_bench.py {{{','.join(WORKLOADS)}}} [--uvloop] [--quick]",
              file=sys.stderr)
        return 2
    name = args[0]
    n = max(1, SIZES[name] // 10) if "--quick" in flags else SIZES[name]
    if "--uvloop" in flags:
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    total, ops = asyncio.run(WORKLOADS[name](n))
    unit = "bytes_per_task" if name == "idle_task" else "ns_per_op"
    print(f"{name} {unit}={total / ops:.2f} n={n}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
