//! bench/peers/tokio — the tokio current_thread peer of corio's runtime benchmarks.
//!
//! Usage: runtime_bench WORKLOAD [--quick]
//!
//! Prints one line, `WORKLOAD ns_per_op=<float> n=<int>` (idle_task: `bytes_per_task=`).
//! Time is taken with Instant around the measured loop only. --quick uses N/10. The
//! workload runs as a spawned task, like asyncio.run's main task. Each workload's shape is
//! described in bench/peers/README.md; keep the two in step.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Notify};
use tokio::task::{spawn, yield_now, JoinHandle};

const BATCH: usize = 1000; // spawn_join: tasks spawned, then joined; timer_cancel: timers per turn
const FANOUT: usize = 6; // async_tree: children per node
const DEPTH: u32 = 6; // async_tree: levels below the root; 6^6 = 46656 leaves

/// (name, N) — the compiled peers' sizes; Python uses smaller ones (README.md).
const SIZES: [(&str, usize); 8] = [
    ("spawn_join", 1_000_000),
    ("yield", 10_000_000),
    ("queue_pingpong", 2_000_000),
    ("event_wakeup", 2_000_000),
    ("timer_cancel", 10_000_000),
    ("async_tree_none", 30),
    ("async_tree_yield", 30),
    ("idle_task", 100_000),
];

/// What a workload returns: (total ns or bytes, number of ops it is divided by).
type Outcome = (f64, usize);

fn rss_bytes() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("VmRSS line");
    let kb: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024.0
}

fn elapsed_ns(start: Instant) -> f64 {
    start.elapsed().as_nanos() as f64
}

async fn spawn_join(n: usize) -> Outcome {
    let start = Instant::now();
    let mut handles = Vec::with_capacity(BATCH);
    for _ in 0..n / BATCH {
        for _ in 0..BATCH {
            handles.push(spawn(async {}));
        }
        for h in handles.drain(..) {
            h.await.unwrap();
        }
    }
    (elapsed_ns(start), n)
}

async fn yield_loop(n: usize) -> Outcome {
    let start = Instant::now();
    for _ in 0..n {
        yield_now().await;
    }
    (elapsed_ns(start), n)
}

async fn queue_pingpong(n: usize) -> Outcome {
    let (ping_tx, mut ping_rx) = mpsc::unbounded_channel::<usize>();
    let (pong_tx, mut pong_rx) = mpsc::unbounded_channel::<usize>();
    let start = Instant::now();
    let echoer = spawn(async move {
        while let Some(v) = ping_rx.recv().await {
            pong_tx.send(v).unwrap();
        }
    });
    for i in 0..n {
        ping_tx.send(i).unwrap();
        pong_rx.recv().await.unwrap();
    }
    let elapsed = elapsed_ns(start);
    drop(ping_tx);
    echoer.await.unwrap();
    (elapsed, n)
}

/// Two Notify objects in ping-pong. notify_one() with nobody waiting stores a permit, so
/// notify_one + notified().await is set + wait + clear of an asyncio.Event.
async fn event_wakeup(n: usize) -> Outcome {
    let ping = Arc::new(Notify::new());
    let pong = Arc::new(Notify::new());
    let start = Instant::now();
    let responder = {
        let (ping, pong) = (ping.clone(), pong.clone());
        spawn(async move {
            for _ in 0..n {
                ping.notified().await;
                pong.notify_one();
            }
        })
    };
    for _ in 0..n {
        ping.notify_one();
        pong.notified().await;
    }
    let elapsed = elapsed_ns(start);
    responder.await.unwrap();
    (elapsed, 2 * n) // two wake-ups per round trip
}

/// Polls a future exactly once and completes. A Sleep registers with the timer wheel on its
/// first poll, so polling it once and dropping it is one timer insert plus one cancel.
struct PollOnce<'a, F>(Pin<&'a mut F>);

impl<F: Future> Future for PollOnce<'_, F> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let _ = self.0.as_mut().poll(cx);
        Poll::Ready(())
    }
}

async fn timer_cancel(n: usize) -> Outcome {
    // Unconstrained: with tokio's coop budget spent, Sleep::poll would return Pending
    // without registering, and the loop would measure nothing.
    tokio::task::unconstrained(async move {
        let start = Instant::now();
        for _ in 0..n / BATCH {
            for _ in 0..BATCH {
                let sleep = tokio::time::sleep(Duration::from_secs(10));
                tokio::pin!(sleep);
                PollOnce(sleep.as_mut()).await;
            }
            yield_now().await; // a loop turn, as in the other peers
        }
        (elapsed_ns(start), n)
    })
    .await
}

/// One node of the async_tree: spawns FANOUT children and joins them in order.
fn tree_node(depth: u32, leaf_yields: bool) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        if depth == 0 {
            if leaf_yields {
                yield_now().await;
            }
            return;
        }
        let children: Vec<JoinHandle<()>> = (0..FANOUT)
            .map(|_| spawn(tree_node(depth - 1, leaf_yields)))
            .collect();
        for child in children {
            child.await.unwrap();
        }
    })
}

async fn async_tree(n: usize, leaf_yields: bool) -> Outcome {
    let start = Instant::now();
    for _ in 0..n {
        tree_node(DEPTH, leaf_yields).await;
    }
    (elapsed_ns(start), n)
}

async fn idle_task(n: usize) -> Outcome {
    let event = Arc::new(Notify::new());
    let parked = Arc::new(AtomicUsize::new(0));
    let before = rss_bytes();
    let tasks: Vec<JoinHandle<()>> = (0..n)
        .map(|_| {
            let (event, parked) = (event.clone(), parked.clone());
            spawn(async move {
                parked.fetch_add(1, Ordering::Relaxed);
                event.notified().await;
            })
        })
        .collect();
    while parked.load(Ordering::Relaxed) < n {
        yield_now().await;
    }
    let after = rss_bytes();
    event.notify_waiters();
    for t in tasks {
        t.await.unwrap();
    }
    (after - before, n)
}

async fn run(name: &'static str, n: usize) -> Outcome {
    match name {
        "spawn_join" => spawn_join(n).await,
        "yield" => yield_loop(n).await,
        "queue_pingpong" => queue_pingpong(n).await,
        "event_wakeup" => event_wakeup(n).await,
        "timer_cancel" => timer_cancel(n).await,
        "async_tree_none" => async_tree(n, false).await,
        "async_tree_yield" => async_tree(n, true).await,
        "idle_task" => idle_task(n).await,
        _ => unreachable!(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let names: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let size = SIZES
        .iter()
        .find(|(w, _)| names.len() == 1 && *w == names[0].as_str());
    let unknown_flag = args.iter().any(|a| a.starts_with("--") && a != "--quick");
    let (name, full_n) = match size {
        Some(&(name, n)) if !unknown_flag => (name, n),
        _ => {
            let all: Vec<&str> = SIZES.iter().map(|(w, _)| *w).collect();
            eprintln!("usage: runtime_bench {{{}}} [--quick]", all.join(","));
            std::process::exit(2);
        }
    };
    let n = if quick { (full_n / 10).max(1) } else { full_n };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let (total, ops) = rt.block_on(async move { spawn(run(name, n)).await.unwrap() });
    let unit = if name == "idle_task" {
        "bytes_per_task"
    } else {
        "ns_per_op"
    };
    println!("{} {}={:.2} n={}", name, unit, total / ops as f64, n);
}
