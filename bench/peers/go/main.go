// bench/peers/go — the Go (GOMAXPROCS=1) peer of corio's runtime benchmarks.
//
// Usage: runtime_bench WORKLOAD [--quick]
//
// Prints one line, `WORKLOAD ns_per_op=<float> n=<int>` (idle_task: `bytes_per_task=`).
// Time is taken with time.Now around the measured loop only. --quick uses N/10. Each
// workload's shape is described in bench/peers/README.md; keep the two in step.
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	batch  = 1000 // spawn_join: goroutines started before joining; timer_cancel: timers per turn
	fanout = 6    // async_tree: children per node
	depth  = 6    // async_tree: levels below the root; 6^6 = 46656 leaves
)

// A workload returns (total ns or bytes, number of ops it is divided by).
type workload struct {
	name string
	n    int // the compiled peers' size; Python uses smaller ones (README.md)
	run  func(n int) (float64, int)
}

var workloads = []workload{
	{"spawn_join", 1_000_000, spawnJoin},
	{"yield", 10_000_000, yieldLoop},
	{"queue_pingpong", 2_000_000, queuePingpong},
	{"event_wakeup", 2_000_000, eventWakeup},
	{"timer_cancel", 10_000_000, timerCancel},
	{"async_tree_none", 30, func(n int) (float64, int) { return asyncTree(n, false) }},
	{"async_tree_yield", 30, func(n int) (float64, int) { return asyncTree(n, true) }},
	{"idle_task", 100_000, idleTask},
}

func rssBytes() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if fields := strings.Fields(s.Text()); len(fields) >= 2 && fields[0] == "VmRSS:" {
			kb, err := strconv.ParseFloat(fields[1], 64)
			if err != nil {
				panic(err)
			}
			return kb * 1024
		}
	}
	panic("no VmRSS in /proc/self/status")
}

func since(start time.Time) float64 { return float64(time.Since(start).Nanoseconds()) }

func spawnJoin(n int) (float64, int) {
	start := time.Now()
	var wg sync.WaitGroup
	for b := 0; b < n/batch; b++ {
		wg.Add(batch)
		for i := 0; i < batch; i++ {
			go wg.Done()
		}
		wg.Wait()
	}
	return since(start), n
}

func yieldLoop(n int) (float64, int) {
	start := time.Now()
	for i := 0; i < n; i++ {
		runtime.Gosched()
	}
	return since(start), n
}

// Channels of capacity 1: a send into them never blocks here, like put_nowait.
func queuePingpong(n int) (float64, int) {
	ping, pong := make(chan int, 1), make(chan int, 1)
	start := time.Now()
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	for i := 0; i < n; i++ {
		ping <- i
		<-pong
	}
	elapsed := since(start)
	close(ping)
	return elapsed, n
}

// A chan struct{} of capacity 1 is Go's resettable event: a send sets it, a receive waits
// for it and clears it.
func eventWakeup(n int) (float64, int) {
	ping, pong := make(chan struct{}, 1), make(chan struct{}, 1)
	done := make(chan struct{})
	start := time.Now()
	go func() {
		for i := 0; i < n; i++ {
			<-ping
			pong <- struct{}{}
		}
		close(done)
	}()
	for i := 0; i < n; i++ {
		ping <- struct{}{}
		<-pong
	}
	elapsed := since(start)
	<-done
	return elapsed, 2 * n // two wake-ups per round trip
}

func onTimer() {}

func timerCancel(n int) (float64, int) {
	start := time.Now()
	for b := 0; b < n/batch; b++ {
		for i := 0; i < batch; i++ {
			time.AfterFunc(10*time.Second, onTimer).Stop()
		}
		runtime.Gosched() // a scheduler turn, as in the other peers
	}
	return since(start), n
}

// treeNode starts fanout child goroutines and waits for all of them.
func treeNode(d int, leafYields bool) {
	if d == 0 {
		if leafYields {
			runtime.Gosched()
		}
		return
	}
	var wg sync.WaitGroup
	wg.Add(fanout)
	for i := 0; i < fanout; i++ {
		go func() {
			treeNode(d-1, leafYields)
			wg.Done()
		}()
	}
	wg.Wait()
}

func asyncTree(n int, leafYields bool) (float64, int) {
	start := time.Now()
	for i := 0; i < n; i++ {
		treeNode(depth, leafYields)
	}
	return since(start), n
}

func idleTask(n int) (float64, int) {
	event := make(chan struct{}) // closing it wakes every waiter, like Event.set()
	var parked int64
	var wg sync.WaitGroup
	before := rssBytes()
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			atomic.AddInt64(&parked, 1)
			<-event
			wg.Done()
		}()
	}
	for atomic.LoadInt64(&parked) < int64(n) {
		runtime.Gosched()
	}
	after := rssBytes()
	close(event)
	wg.Wait()
	return after - before, n
}

func main() {
	runtime.GOMAXPROCS(1)
	quick, badFlag, names := false, false, []string{}
	for _, a := range os.Args[1:] {
		switch {
		case a == "--quick":
			quick = true
		case strings.HasPrefix(a, "--"):
			badFlag = true
		default:
			names = append(names, a)
		}
	}
	for _, w := range workloads {
		if badFlag || len(names) != 1 || names[0] != w.name {
			continue
		}
		n := w.n
		if quick && n > 1 {
			n = (n + 9) / 10 // N/10, at least 1
		}
		total, ops := w.run(n)
		unit := "ns_per_op"
		if w.name == "idle_task" {
			unit = "bytes_per_task"
		}
		fmt.Printf("%s %s=%.2f n=%d\n", w.name, unit, total/float64(ops), n)
		return
	}
	all := make([]string, len(workloads))
	for i, w := range workloads {
		all[i] = w.name
	}
	fmt.Fprintf(os.Stderr, "usage: runtime_bench {%s} [--quick]\n", strings.Join(all, ","))
	os.Exit(2)
}
