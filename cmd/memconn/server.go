package main

import (
	"bufio"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/bronco-ws/bronco/server"
)

type echo struct{ hibernate bool }

func (e echo) WebsocketHandle(_ *server.Conn, f server.Frame) server.Result {
	r := server.Reply(f)
	if e.hibernate {
		r = r.Hibernate()
	}
	return r
}

func (echo) WebsocketInfo(*server.Conn, any) server.Result { return server.OK() }

// runServer serves on loopback, prints its address, then answers each "stats" line on stdin
// with the live heap (after a full collection) and the goroutine count.
func runServer(hibernate, compress, overHTTP bool, loops int) {
	srv := server.New(func(*server.Upgrade) (server.Handler, error) { return echo{hibernate}, nil },
		server.Options{Compress: compress, EventLoops: loops})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	if overHTTP {
		go http.Serve(l, srv)
	} else {
		go srv.Serve(l)
	}
	fmt.Println(l.Addr())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		// Heap in use plus goroutine stacks: what the connections cost the Go runtime.
		fmt.Println(ms.HeapInuse+ms.StackInuse, runtime.NumGoroutine())
	}
}
