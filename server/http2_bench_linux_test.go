package server

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/ws/frame"
)

// BenchmarkH2Echo compares 100 sockets multiplexed on one HTTP/2 connection (RFC 8441) with
// 100 HTTP/1.1 connections, both over TLS as browsers use them, in one sitting: 1 KiB binary
// echoes, each socket with one message in flight. cpu-µs/msg is the process's CPU time
// (server and clients, both in this process) per echoed message; msgs/s the rate.
//
//	go test -run '^$' -bench H2Echo -benchtime 20000x ./server
func BenchmarkH2Echo(b *testing.B) {
	const sockets = 100
	for _, h2 := range []bool{false, true} {
		name := "http1.1-tls-100-connections"
		if h2 {
			name = "h2-tls-100-streams-1-connection"
		}
		b.Run(name, func(b *testing.B) {
			ts := httptest.NewUnstartedServer(New(func(*Upgrade) (Handler, error) { return &funcHandler{}, nil }, Options{}))
			ts.EnableHTTP2 = h2
			ts.Config.ErrorLog = log.New(io.Discard, "", 0)
			ts.StartTLS()
			defer ts.Close()
			addr := ts.Listener.Addr().String()
			d := client.Dialer{TLSConfig: ts.Client().Transport.(*http.Transport).TLSClientConfig}
			if h2 {
				d.HTTP2 = &h2RoundTripper{ts: ts}
			}
			conns := make([]*client.Conn, sockets)
			for i := range conns {
				c, _, err := d.Dial(context.Background(), "wss://"+addr+"/")
				if err != nil {
					b.Fatal(err)
				}
				conns[i] = c
			}
			msg := make([]byte, 1024)
			per := max(b.N/sockets, 1)
			cpu0 := cpuTime()
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for _, c := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range per {
						if err := c.Write(context.Background(), frame.OpBinary, msg); err != nil {
							b.Error(err)
							return
						}
						if _, _, err := c.Read(context.Background()); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			n := float64(per * sockets)
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/n, "cpu-µs/msg")
			b.ReportMetric(n/elapsed.Seconds(), "msgs/s")
			for _, c := range conns {
				c.Close(frame.CloseNormal, "")
			}
		})
	}
}

// cpuTime is the CPU time, user and system, this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
