package server

import (
	"bufio"
	"runtime"
	"strings"
	"testing"

	"github.com/bronco-ws/bronco/ws/deflate"
	"github.com/bronco-ws/bronco/ws/frame"
	"github.com/bronco-ws/bronco/ws/handshake"
)

// processes returns n started processes of s, upgraded with the extra request header
// lines, their 101 responses written: connections without sockets, for benchmarks of what
// the server does per connection.
func processes(tb testing.TB, s *Server, n int, extra ...string) []*Conn {
	tb.Helper()
	o := s.opts.Load()
	cs := make([]*Conn, n)
	for i := range cs {
		req, err := handshake.ReadRequest(bufio.NewReader(strings.NewReader(upgradeRequest(extra...))), handshake.Limits{})
		if err != nil {
			tb.Fatal(err)
		}
		d := &fakeDriver{}
		c := &Conn{drv: d}
		d.c = c
		if _, err := s.setup(c, o, &Upgrade{Request: req, Header: map[string][]string{}, Compress: o.Compress}, &funcHandler{}); err != nil {
			tb.Fatal(err)
		}
		c.begin(t0)
		c.wrote(c.buffered())
		cs[i] = c
	}
	return cs
}

// BenchmarkBroadcast: one 1 KiB text message to 10 000 connections, encoded for each
// connection (Reply(Text(msg)) from every connection's callback) or prepared once
// (Reply(p.Frame())), plain and with permessage-deflate without context takeover; and to
// 1 000 connections with context takeover, whose compression windows (about 260 KiB each
// while in use) would not fit 10 000 times in a benchmark. It reports the server's CPU and
// allocations per delivery; the socket writes, the same either way, are left out (the
// connections are sans-IO processes whose output is taken at once).
//
//	go test -run '^$' -bench BenchmarkBroadcast ./server/
func BenchmarkBroadcast(b *testing.B) {
	msg := []byte(strings.Repeat(`{"user":"ana","text":"see you at the market at noon","room":"lobby"},`, 16)[:1024])
	offer := []string{"Sec-WebSocket-Extensions: permessage-deflate"}
	modes := []struct {
		name  string
		conns int
		opts  Options
		extra []string
	}{
		{"plain", 10000, Options{}, nil},
		{"compressed", 10000, Options{Compress: true, Deflate: deflate.Config{ServerNoContextTakeover: true}}, offer},
		{"compressed-takeover", 1000, Options{Compress: true}, offer},
	}
	for _, m := range modes {
		s := New(nil, m.opts)
		cs := processes(b, s, m.conns, m.extra...)
		for _, prepared := range []bool{false, true} {
			name := m.name + "/per-connection"
			if prepared {
				name = m.name + "/prepared"
			}
			b.Run(name, func(b *testing.B) {
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				b.ResetTimer()
				for range b.N {
					f := Text(msg)
					if prepared {
						f = Prepare(frame.OpText, msg).Frame() // once per broadcast
					}
					for _, c := range cs {
						c.send(f)
						c.wrote(c.buffered())
					}
				}
				b.StopTimer()
				runtime.ReadMemStats(&after)
				deliveries := float64(b.N) * float64(m.conns)
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/deliveries, "ns/delivery")
				b.ReportMetric(float64(after.Mallocs-before.Mallocs)/deliveries, "allocs/delivery")
			})
		}
	}
}
