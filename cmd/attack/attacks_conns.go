//go:build linux

package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// baseline runs the honest load alone, so that every other row of the setup can be compared
// with it (and the fairness row judged against it).
func baseline(e *env) outcome {
	d := 3 * time.Second
	if e.quick {
		d = 2 * time.Second
	}
	time.Sleep(d)
	return outcome{seen: "honest load alone"}
}

// openMany upgrades n raw connections to target from par goroutines and returns those that
// opened, with the first error.
func openMany(addr, target string, n, par int) ([]*rawConn, error) {
	conns := make([]*rawConn, n)
	var next atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				rc, err := dialUpgrade(addr, target, "", 5*time.Second)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				conns[i] = rc
			}
		}()
	}
	wg.Wait()
	open := conns[:0]
	for _, rc := range conns {
		if rc != nil {
			open = append(open, rc)
		}
	}
	return open, firstErr
}

// closeAll closes every connection.
func closeAll(conns []*rawConn) {
	for _, rc := range conns {
		rc.Close()
	}
}

// nonReader has 64 clients each send one message of the largest size the server takes and
// never read the echo. Each costs the server the message and its echo until the client
// goes; the server's memory must stay within that (64 × 2 × the limit), and fall back once
// the clients close. The bound allows a quarter more for garbage the collector has not
// reached yet: the buffers a message outgrew on its way to 16 MiB are as large as it.
func nonReader(e *env) outcome {
	const n = 64
	var o outcome
	size := e.info.MaxMessage
	if size <= 0 {
		size = 16 << 20
	}
	o.peakBound = n*2*uint64(size)*5/4 + 64<<20
	conns, err := openMany(e.addr, "/?idle=60s", n, 8)
	defer closeAll(conns)
	if err != nil {
		o.fail("upgrade: %v", err)
	}
	start := time.Now()
	cut, werr := writeAll(conns, bigMessage(size, e.info.MaxFrame))
	took := time.Since(start)
	time.Sleep(time.Second) // the server has read everything; its echoes are stuck
	live, _ := e.ch.free()
	o.seen = fmt.Sprintf("%d × %s sent in %s, echoes never read; %s MiB live while they wait", len(conns), sizeString(size), secs(took), mib(growth(live.mem(), e.before.mem())))
	if cut > 0 {
		o.seen += fmt.Sprintf("; %d cut off by the server", cut)
	}
	if werr != nil {
		o.fail("%v", werr)
	}
	return o
}

// bigMessage is one binary message of size zero bytes, fragmented at maxFrame if that is
// smaller (and positive), prebuilt once and shared by every writer: the zero key leaves the
// zeros as they are, so nothing needs masking per connection.
func bigMessage(size, maxFrame int64) []byte {
	fragment := size
	if maxFrame > 0 {
		fragment = min(fragment, maxFrame)
	}
	zeros := make([]byte, fragment)
	var msg []byte
	for left := size; left > 0; left -= fragment {
		var b0 byte = opCont
		if left == size {
			b0 = opBinary
		}
		k := min(left, fragment)
		if left == k {
			b0 |= bitFin
		}
		msg = appendFrame(msg, b0, true, zeroKey, uint64(k), zeros[:k])
	}
	return msg
}

// writeAll writes msg on every connection at once and returns how many writes the server
// cut off (reset, broken pipe: a server may close a client that will not take its output,
// a defence rather than a failure) and an error describing any other failure.
func writeAll(conns []*rawConn, msg []byte) (int, error) {
	var wg sync.WaitGroup
	var werrs, cut atomic.Int64
	var firstErr atomic.Value
	for _, rc := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
			if _, err := rc.Write(msg); err != nil {
				if isClosedByPeer(err) {
					cut.Add(1)
					return
				}
				werrs.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
			}
		}()
	}
	wg.Wait()
	if werrs.Load() > 0 {
		return int(cut.Load()), fmt.Errorf("%d writes failed, first: %v", werrs.Load(), firstErr.Load())
	}
	return int(cut.Load()), nil
}

// churn runs connect, upgrade, close handshake, disconnect, over and over from 8
// goroutines. Whatever a connection leaves behind (a goroutine, a pooled buffer never
// returned, a map entry) adds up to a visible leak over thousands.
func churn(e *env) outcome {
	n := 5000
	if e.quick {
		n = 500
	}
	var o outcome
	var next, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if err := cycle(e.addr); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	o.seen = fmt.Sprintf("%d cycles in %s (%.0f/s), %d failed", n, secs(el), float64(n)/el.Seconds(), failed.Load())
	if failed.Load() > 0 {
		o.fail("%d cycles failed, first: %v", failed.Load(), firstErr.Load())
	}
	return o
}

// cycle is one connection of churn: upgrade, close 1000, wait for the server's close and
// for it to close the TCP connection first (RFC 6455 §7.1.1), then close ours.
func cycle(addr string) error {
	rc, err := dialUpgrade(addr, "/", "", 5*time.Second)
	if err != nil {
		return err
	}
	defer rc.Close()
	rc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	if _, err := rc.Write(closeFrame(1000)); err != nil {
		return err
	}
	end := rc.waitClose(3*time.Second, false)
	if end.code != 1000 {
		return fmt.Errorf("close answered with %s, want 1000", end)
	}
	rc.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := rc.br.ReadByte(); netErrString(err) != "EOF" {
		return fmt.Errorf("after the close handshake: %v, want EOF", err)
	}
	return nil
}

// resets opens 500 connections that each send half of a frame and then reset the
// connection (SO_LINGER 0): the server's read fails mid-frame, the path least traveled.
func resets(e *env) outcome {
	const n = 500
	var o outcome
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	half := appendFrame(nil, bitFin|opBinary, true, [4]byte{1, 1, 2, 3}, 100, make([]byte, 100))[:2+4+50]
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= n {
				rc, err := dialUpgrade(e.addr, "/?idle=60s", "", 5*time.Second)
				if err != nil {
					failed.Add(1)
					continue
				}
				rc.Write(half)
				time.Sleep(20 * time.Millisecond) // the server has read the half and waits for the rest
				reset(rc.Conn)
			}
		}()
	}
	wg.Wait()
	o.seen = fmt.Sprintf("%d RST after half a frame", n-int(failed.Load()))
	if failed.Load() > 0 {
		o.fail("%d upgrades failed", failed.Load())
	}
	return o
}

// held opens 5 000 upgraded connections that then stay idle, as a crowd of quiet clients
// (or one attacker with many sockets) does: the honest clients must not notice, and the
// cost per connection is reported.
func held(e *env) outcome {
	const n = 5000
	var o outcome
	start := time.Now()
	conns, err := openMany(e.addr, "/?idle=60s", n, 8)
	defer closeAll(conns)
	took := time.Since(start)
	if err != nil {
		o.fail("%d of %d upgrades failed, first: %v", n-len(conns), n, err)
	}
	time.Sleep(500 * time.Millisecond)
	live, err := e.ch.free()
	if err != nil {
		o.fail("%v", err)
		return o
	}
	time.Sleep(2 * time.Second) // the honest clients beside the crowd
	o.seen = fmt.Sprintf("%d open in %s; server conns %d, goroutines %d", len(conns), secs(took), live.Conns, live.Goroutines)
	if len(conns) > 0 {
		per := func(a, b uint64) string {
			return sizeString(int64(growth(a, b)) / int64(len(conns)))
		}
		o.notes = append(o.notes, fmt.Sprintf("%s/conn heap+stacks, %s/conn RSS", per(live.mem(), e.before.mem()), per(live.RSS, e.before.RSS)))
	}
	return o
}

// shutdownAttack calls the server's Shutdown (5 s context) during the honest load with 200
// idle connections open. Every connection must get close 1001 (or be ended), and the
// process must exit 0 within 6 s. It ends the child, so it runs last.
func shutdownAttack(e *env) outcome {
	const n = 200
	var o outcome
	o.ended = true
	conns, err := openMany(e.addr, "/?idle=60s", n, 8)
	defer closeAll(conns)
	if err != nil {
		o.fail("upgrade: %v", err)
	}
	ends := make([]ending, len(conns))
	var wg sync.WaitGroup
	for i, rc := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ends[i] = rc.waitClose(15*time.Second, true)
		}()
	}
	time.Sleep(300 * time.Millisecond)
	e.stopSampling()
	code, took, answer := e.ch.shutdown(5*time.Second, 6*time.Second)
	wg.Wait()
	e.honest.stop()
	hs := e.honest.snapshot()
	idle := map[string]int{}
	for _, end := range ends {
		idle[end.String()]++
	}
	honestEnds := map[string]int{}
	for c, k := range hs.closes {
		honestEnds[fmt.Sprint(c)] += k
	}
	if other := len(hs.errs) - sumInts(hs.closes); other > 0 {
		honestEnds["ended"] += other
	}
	o.seen = fmt.Sprintf("idle: %s; honest: %s; exit %d after %s", joinCounts(idle), joinCounts(honestEnds), code, secs(took))
	if code != 0 {
		o.fail("exit status %d (%s)", code, answer)
	}
	if took > 6*time.Second {
		o.fail("took %v to exit", took)
	}
	for k := range idle {
		if k != "1001" && k != "EOF" && k != "reset" {
			o.fail("idle connections ended by %s, want 1001", k)
		}
	}
	for k := range honestEnds {
		if k != "1001" && k != "ended" {
			o.fail("honest connections ended by %s, want 1001", k)
		}
	}
	return o
}

// sumInts adds a tally's counts.
func sumInts(m map[int]int) int {
	s := 0
	for _, v := range m {
		s += v
	}
	return s
}
