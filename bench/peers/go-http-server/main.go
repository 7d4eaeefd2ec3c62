// bench/peers/go-http-server — the Go net/http peer of the HTTP server benchmark
// (bench/peers/README.md, "HTTP server"): GOMAXPROCS=1, the standard library's server.
//
// Usage: go-http-server --port PORT [--cert CERT --key KEY]
//
// Answers GET /json with {"message":"Hello, World!"} (application/json, encoded per request
// with encoding/json) on 127.0.0.1:PORT, over TLS with --cert and --key (PEM files); prints
// "ready" once listening, exits 0 on SIGTERM.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
)

type message struct {
	Message string `json:"message"`
}

func main() {
	runtime.GOMAXPROCS(1)
	port := flag.Int("port", 8080, "port on 127.0.0.1")
	cert := flag.String("cert", "", "TLS certificate chain (PEM)")
	key := flag.String("key", "", "TLS private key (PEM)")
	flag.Parse()
	if *port < 0 || *port > 65535 || flag.NArg() != 0 || (*cert == "") != (*key == "") {
		fmt.Fprintln(os.Stderr, "usage: go-http-server --port PORT [--cert CERT --key KEY]")
		os.Exit(2)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		body, _ := json.Marshal(message{Message: "Hello, World!"})
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-http-server:", err)
		os.Exit(1)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	go func() {
		<-stop
		os.Exit(0)
	}()
	fmt.Println("ready")
	if *cert != "" {
		err = http.ServeTLS(ln, mux, *cert, *key)
	} else {
		err = http.Serve(ln, mux)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-http-server:", err)
		os.Exit(1)
	}
}
