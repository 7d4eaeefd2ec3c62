// bench/peers/go-http-client — the Go net/http peer of the HTTP client benchmark
// (bench/peers/README.md, "HTTP client"): GOMAXPROCS=1, C goroutines sharing one
// http.Client whose Transport keeps C idle connections per host.
//
// Usage: go-http-client --url URL [--requests N] [--conns C]
//
// Sends N GETs (default 200000) over C keep-alive connections (default 50), reads every
// body whole and checks for 200, then prints
// `http_client requests=N conns=C wall_s=<float> cpu_s=<float>` (cpu_s: getrusage
// RUSAGE_SELF, user + system, over the requests only). Exits 1 when a request fails.
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func cpuSeconds() float64 {
	var u syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return float64(u.Utime.Sec+u.Stime.Sec) + float64(u.Utime.Usec+u.Stime.Usec)/1e6
}

func main() {
	runtime.GOMAXPROCS(1)
	url := flag.String("url", "", "the URL to GET")
	requests := flag.Int64("requests", 200000, "requests in all")
	conns := flag.Int("conns", 50, "concurrent requests (and connections)")
	flag.Parse()
	if *url == "" || *requests < 1 || *conns < 1 || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: go-http-client --url URL [--requests N] [--conns C]")
		os.Exit(2)
	}
	transport := &http.Transport{MaxIdleConns: *conns, MaxIdleConnsPerHost: *conns,
		MaxConnsPerHost: *conns}
	client := &http.Client{Transport: transport}
	remaining := *requests
	var failure atomic.Value
	var wg sync.WaitGroup
	cpuBefore, wallBefore := cpuSeconds(), time.Now()
	for i := 0; i < *conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for atomic.AddInt64(&remaining, -1) >= 0 {
				resp, err := client.Get(*url)
				if err != nil {
					failure.Store(err.Error())
					return
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					failure.Store(fmt.Sprintf("GET %s: status %d, %v", *url, resp.StatusCode, err))
					return
				}
			}
		}()
	}
	wg.Wait()
	wall, cpu := time.Since(wallBefore).Seconds(), cpuSeconds()-cpuBefore
	if f := failure.Load(); f != nil {
		fmt.Fprintln(os.Stderr, "go-http-client:", f)
		os.Exit(1)
	}
	fmt.Printf("http_client requests=%d conns=%d wall_s=%.6f cpu_s=%.6f\n", *requests, *conns,
		wall, cpu)
}
