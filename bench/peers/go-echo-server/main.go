// bench/peers/go-echo-server — the Go server of the TCP echo benchmark
// (bench/peers/README.md, "TCP echo"): GOMAXPROCS=1, one goroutine per connection copying
// what it reads back to the peer with a 64 KiB buffer.
//
// Usage: go-echo-server [--port] PORT
//
// Listens on 127.0.0.1:PORT, prints "ready" once listening, exits 0 on SIGTERM.
package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
)

func main() {
	runtime.GOMAXPROCS(1)
	args := os.Args[1:]
	if len(args) == 2 && args[0] == "--port" {
		args = args[1:]
	}
	port, err := strconv.Atoi(firstOr(args, ""))
	if len(args) != 1 || err != nil || port < 0 || port > 65535 {
		fmt.Fprintln(os.Stderr, "usage: go-echo-server [--port] PORT")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-echo-server:", err)
		os.Exit(1)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	go func() {
		<-stop
		os.Exit(0)
	}()
	fmt.Println("ready")
	for {
		c, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "go-echo-server:", err)
			os.Exit(1)
		}
		go echo(c)
	}
}

func echo(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 64*1024)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func firstOr(args []string, fallback string) string {
	if len(args) > 0 {
		return args[0]
	}
	return fallback
}
