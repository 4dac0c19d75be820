package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// cell is one point of the throughput matrix.
type cell struct {
	conns, inflight, size int
	compress              bool
}

func (c cell) String() string {
	s := fmt.Sprintf("%d conn × %d in flight × %s", c.conns, c.inflight, sizeName(c.size))
	if c.compress {
		s += ", deflate JSON"
	}
	return s
}

func sizeName(n int) string {
	if n >= 1024 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d B", n)
}

// cellResult is one run of one cell.
type cellResult struct {
	msgsPerSec float64
	cpuPerMsg  time.Duration // server CPU, user plus system
	sysShare   float64       // system time ÷ CPU time in the server
	syscalls   float64       // the server's reads and writes per message
	clientBusy float64       // the load generator's CPU time ÷ the window: near 1, it is the limit
	p50, p99   time.Duration // round trips, recorded only with one connection and one in flight
}

// asyncWriteAbove is the bytes in flight per connection beyond which the connection gets a
// writer goroutine: a blocking write of that much could wait on a server that is itself
// blocked writing replies we are not reading.
const asyncWriteAbove = 256 << 10

// maxSamples bounds the latency record.
const maxSamples = 1 << 20

// payload is the message of a cell: binary filler, or a JSON document for the deflate cells
// (text that compresses the way API traffic does).
func payload(size int, json bool) []byte {
	if !json {
		return bytes.Repeat([]byte{0xa5}, size)
	}
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `{"id":%d,"name":"user%d","active":%t,"score":%d.%d},`, i, i*7919%1000, i%3 == 0, i*31%997, i%10)
	}
	s := b.String()[:size-2] + "]}"
	if size < 16 {
		s = s[:size]
	}
	return []byte(s)
}

// loadConn is one connection of the load generator with its pre-masked frames.
type loadConn struct {
	nc    net.Conn
	batch []byte // inflight copies of the frame, back to back
	flen  int
}

// dialLoad opens c.conns connections, checks one echo on each, and builds their batches.
func dialLoad(addr string, c cell) ([]*loadConn, error) {
	msg := payload(c.size, c.compress)
	wire, op := msg, byte(2)
	if c.compress {
		wire, op = deflateMessage(msg), 1
	}
	conns := make([]*loadConn, 0, c.conns)
	for i := range c.conns {
		lc, err := dialOne(addr, op, msg, wire, c)
		if err != nil {
			closeAll(conns)
			return nil, fmt.Errorf("connection %d: %w", i, err)
		}
		conns = append(conns, lc)
	}
	return conns, nil
}

func dialOne(addr string, op byte, msg, wire []byte, c cell) (*loadConn, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	br, deflated, err := upgrade(nc, addr, c.compress)
	if err == nil && deflated != c.compress {
		err = fmt.Errorf("%w: permessage-deflate negotiated %t, want %t", errUpgrade, deflated, c.compress)
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	f := maskedFrame(op, wire, c.compress)
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err = nc.Write(f); err == nil {
		var got []byte
		got, err = readMessage(br, 1<<20)
		if err == nil && !bytes.Equal(got, msg) {
			err = errEcho
		}
	}
	if err == nil && br.Buffered() != 0 {
		err = fmt.Errorf("%w: %d stray bytes", errServerFrame, br.Buffered())
	}
	nc.SetDeadline(time.Time{})
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &loadConn{nc: nc, batch: bytes.Repeat(f, c.inflight), flen: len(f)}, nil
}

func closeAll(conns []*loadConn) {
	for _, c := range conns {
		c.nc.Close()
	}
}

// runCell drives srv with cell c for warm+dur and measures the last dur.
func runCell(srv *serverProc, c cell, warm, dur time.Duration) (cellResult, error) {
	conns, err := dialLoad(srv.addr, c)
	if err != nil {
		return cellResult{}, err
	}
	defer closeAll(conns)
	var (
		count    atomic.Int64
		stopping atomic.Bool
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
	)
	record := c.conns == 1 && c.inflight == 1
	var samples []int64
	if record {
		samples = make([]int64, 0, maxSamples)
	}
	var measuring atomic.Bool
	for _, lc := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if record {
				err = pingPong(lc, &count, &measuring, &samples)
			} else {
				err = pump(lc, c.inflight, &count)
			}
			if err != nil && !stopping.Load() {
				errMu.Lock()
				firstErr = errors.Join(firstErr, err)
				errMu.Unlock()
			}
		}()
	}
	time.Sleep(warm)
	sc0, err := srv.syscalls()
	if err != nil {
		return cellResult{}, err
	}
	s0, err := snapshot(srv, &count)
	if err != nil {
		return cellResult{}, err
	}
	measuring.Store(true)
	time.Sleep(dur)
	measuring.Store(false)
	s1, err := snapshot(srv, &count)
	if err != nil {
		return cellResult{}, err
	}
	sc1, err := srv.syscalls()
	if err != nil {
		return cellResult{}, err
	}
	stopping.Store(true)
	for _, lc := range conns {
		lc.nc.SetDeadline(time.Now())
	}
	wg.Wait()
	if firstErr != nil {
		return cellResult{}, firstErr
	}
	msgs := s1.n - s0.n
	if msgs == 0 {
		return cellResult{}, fmt.Errorf("peers: no echo in %v", dur)
	}
	cpu := (s1.user - s0.user) + (s1.sys - s0.sys)
	window := s1.at.Sub(s0.at)
	r := cellResult{
		msgsPerSec: float64(msgs) / window.Seconds(),
		cpuPerMsg:  cpu / time.Duration(msgs),
		syscalls:   float64(sc1-sc0) / float64(msgs),
		clientBusy: float64((s1.selfUser-s0.selfUser)+(s1.selfSys-s0.selfSys)) / float64(window),
	}
	if cpu > 0 {
		r.sysShare = float64(s1.sys-s0.sys) / float64(cpu)
	}
	if len(samples) > 0 {
		slices.Sort(samples)
		r.p50 = time.Duration(samples[len(samples)/2])
		r.p99 = time.Duration(samples[len(samples)*99/100])
	}
	return r, nil
}

// snapshot reads the messages counted so far, the server's CPU time and this process's.
func snapshot(srv *serverProc, count *atomic.Int64) (s sample, err error) {
	s.user, s.sys, err = srv.cpuTime()
	if err == nil {
		s.selfUser, s.selfSys, err = procCPU("/proc/self/stat")
	}
	s.n, s.at = count.Load(), time.Now()
	return s, err
}

// sample is one reading taken at the start or the end of a measured window.
type sample struct {
	n                            int64
	user, sys, selfUser, selfSys time.Duration
	at                           time.Time
}

// pump keeps inflight messages outstanding on lc: every reply counted is answered with a
// new message, so the window never drains.
func pump(lc *loadConn, inflight int, count *atomic.Int64) error {
	var rc replyCounter
	buf := make([]byte, min(64<<10, max(4<<10, len(lc.batch))))
	if len(lc.batch) > asyncWriteAbove {
		return pumpAsync(lc, inflight, count, &rc, buf)
	}
	if _, err := lc.nc.Write(lc.batch); err != nil {
		return err
	}
	for {
		n, err := lc.nc.Read(buf)
		if err != nil {
			return err
		}
		msgs, err := rc.feed(buf[:n])
		if err != nil {
			return err
		}
		if msgs == 0 {
			continue
		}
		count.Add(int64(msgs))
		if _, err := lc.nc.Write(lc.batch[:msgs*lc.flen]); err != nil {
			return err
		}
	}
}

// pumpAsync is pump with the writes in a second goroutine, for windows too big to write
// while not reading.
func pumpAsync(lc *loadConn, inflight int, count *atomic.Int64, rc *replyCounter, buf []byte) error {
	owed := make(chan int, inflight+1)
	wdone := make(chan error, 1)
	go func() {
		for n := range owed {
			if _, err := lc.nc.Write(lc.batch[:n*lc.flen]); err != nil {
				wdone <- err
				for range owed {
				}
				return
			}
		}
		wdone <- nil
	}()
	owed <- inflight
	var rerr error
	for rerr == nil {
		var n, msgs int
		n, rerr = lc.nc.Read(buf)
		if rerr != nil {
			break
		}
		if msgs, rerr = rc.feed(buf[:n]); msgs > 0 {
			count.Add(int64(msgs))
			owed <- msgs
		}
	}
	close(owed)
	return errors.Join(rerr, <-wdone)
}

// pingPong sends one message at a time and records each round trip while measuring.
func pingPong(lc *loadConn, count *atomic.Int64, measuring *atomic.Bool, samples *[]int64) error {
	var rc replyCounter
	buf := make([]byte, 4<<10)
	for {
		sent := time.Now()
		if _, err := lc.nc.Write(lc.batch); err != nil {
			return err
		}
		for got := 0; got == 0; {
			n, err := lc.nc.Read(buf)
			if err != nil {
				return err
			}
			if got, err = rc.feed(buf[:n]); err != nil {
				return err
			}
		}
		rtt := time.Since(sent)
		count.Add(1)
		if measuring.Load() && len(*samples) < maxSamples {
			*samples = append(*samples, int64(rtt))
		}
	}
}
