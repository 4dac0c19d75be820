package server

import (
	"context"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/ws/frame"
)

// BenchmarkH2Echo compares 100 sockets multiplexed on one HTTP/2 connection (RFC 8441) with
// 100 HTTP/1.1 connections, in one sitting: 1 KiB binary echoes, each socket with one
// message in flight. cpu-µs/msg is the process's CPU time (server and clients, both in this
// process) per echoed message; msgs/s the rate.
//
//	go test -run '^$' -bench H2Echo -benchtime 20000x ./server
func BenchmarkH2Echo(b *testing.B) {
	const sockets = 100
	for _, st := range []setup{setups[2], setups[4]} { // http/goroutine, h2/goroutine
		b.Run(st.name, func(b *testing.B) {
			addr := startHandler(b, st, &funcHandler{}, Options{})
			conns := make([]*client.Conn, sockets)
			for i := range conns {
				conns[i] = dial(b, addr)
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
