// bench/peers/go-echo-client — the one load generator of the TCP echo benchmark: the same
// client drives every server, so only the server differs (bench/peers/README.md, "TCP echo").
//
// Usage:
//
//	go-echo-client -port PORT [-size 64] [-conns 100] [-duration 3s] [-warmup 500ms]
//	               [-procs 1] [-host 127.0.0.1]
//
// Opens -conns connections; each loops: write one message of -size bytes, read back exactly
// -size bytes. After -warmup, round trips completed during -duration are counted. Prints one
// line on stdout:
//
//	echo size=SIZE conns=C msgs_per_sec=<float> mb_per_sec=<float>
//
// msgs_per_sec counts completed round trips per second over all connections; mb_per_sec is
// msgs_per_sec × SIZE / 10^6 (payload echoed, one direction). The first 8 bytes of each
// message carry its sequence number and are checked on return. Exits 1 (reason on stderr)
// if a connection cannot be opened or fails, the echo is wrong, or a connection completes
// no round trip while measuring (a stalled server). Standard library only; GOMAXPROCS is
// -procs (default 1).
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"
)

// One connection's counter, padded to its own cache line.
type counter struct {
	n atomic.Int64
	_ [56]byte
}

type failure struct {
	at  time.Time
	err error
}

func main() {
	host := flag.String("host", "127.0.0.1", "server address")
	port := flag.Int("port", 0, "server port (required)")
	size := flag.Int("size", 64, "message size in bytes (at least 8)")
	conns := flag.Int("conns", 100, "concurrent connections")
	duration := flag.Duration("duration", 3*time.Second, "measured time")
	warmup := flag.Duration("warmup", 500*time.Millisecond, "time before measuring")
	procs := flag.Int("procs", 1, "GOMAXPROCS")
	flag.Parse()
	if *port <= 0 || *port > 65535 || *size < 8 || *conns < 1 || *duration <= 0 ||
		*warmup < 0 || *procs < 1 || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	runtime.GOMAXPROCS(*procs)

	addr := net.JoinHostPort(*host, strconv.Itoa(*port))
	// Nothing may block past this point: a stuck server makes reads time out.
	deadline := time.Now().Add(5*time.Second + *warmup + *duration + 5*time.Second)
	sockets := make([]net.Conn, *conns)
	for i := range sockets {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			fail("connection %d: %v", i, err)
		}
		c.SetDeadline(deadline)
		sockets[i] = c
	}

	counts := make([]counter, *conns)
	failures := make(chan failure, *conns)
	for i, c := range sockets {
		go pingPong(c, *size, &counts[i].n, failures)
	}

	time.Sleep(*warmup)
	before, start := snapshot(counts), time.Now()
	time.Sleep(*duration)
	after, elapsed := snapshot(counts), time.Since(start)

	select {
	case f := <-failures:
		if f.at.Before(start.Add(elapsed)) {
			fail("%v", f.err)
		}
	default:
	}
	var done int64
	stalled := 0
	for i := range after {
		done += after[i] - before[i]
		if after[i] == before[i] {
			stalled++
		}
	}
	if stalled > 0 {
		fail("%d of %d connections completed no round trip in %v (the server stalled)",
			stalled, *conns, elapsed)
	}
	msgs := float64(done) / elapsed.Seconds()
	fmt.Printf("echo size=%d conns=%d msgs_per_sec=%.1f mb_per_sec=%.3f\n",
		*size, *conns, msgs, msgs*float64(*size)/1e6)
	os.Exit(0) // the connections close with the process
}

// pingPong runs one connection until it fails; the process exits while it still runs.
func pingPong(c net.Conn, size int, n *atomic.Int64, failures chan<- failure) {
	out := make([]byte, size)
	in := make([]byte, size)
	for i := range out {
		out[i] = byte(i)
	}
	for seq := uint64(0); ; seq++ {
		binary.LittleEndian.PutUint64(out, seq)
		if _, err := c.Write(out); err != nil {
			failures <- failure{time.Now(), fmt.Errorf("write: %w", err)}
			return
		}
		if _, err := io.ReadFull(c, in); err != nil {
			failures <- failure{time.Now(), fmt.Errorf("read: %w", err)}
			return
		}
		if got := binary.LittleEndian.Uint64(in); got != seq {
			failures <- failure{time.Now(), fmt.Errorf("echo of message %d came back as %d", seq, got)}
			return
		}
		n.Add(1)
	}
}

func snapshot(counts []counter) []int64 {
	values := make([]int64, len(counts))
	for i := range counts {
		values[i] = counts[i].n.Load()
	}
	return values
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go-echo-client: "+format+"\n", args...)
	os.Exit(1)
}
