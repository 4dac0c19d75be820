//go:build linux

package main

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// The attacks of this file run against the server's own defences, each on a child started
// with the option that turns one on: Options.MaxConnections and BackpressureClose. They
// check that the defence bites where it says it does, that it tells the attacker what the
// documentation promises, and that Server.Stats counts what it did.

// overMaxConns runs on a child with MaxConnections 300, where the ten honest clients are
// already connected: 400 upgrades at once, held open. The server must hold at most 300
// connections at any moment, fill the bound (refusing early would turn away clients for
// nothing), refuse every one beyond it with 503 and Retry-After, count each refusal in
// Stats.RefusedBusy, and upgrade a new client once the crowd has gone.
func overMaxConns(e *env) outcome {
	const n = 400
	var o outcome
	limit := e.ch.cfg.maxConns
	if limit <= 0 {
		o.fail("the child runs without MaxConnections")
		return o
	}
	if e.before.Connections != honestConns {
		o.fail("the server held %d connections before the attack, want the %d honest ones", e.before.Connections, honestConns)
	}

	// The server's count is polled through the burst, not only once it is over: a bound
	// that only holds at rest would let a burst past it. Each poll is a round trip to the
	// child, so the polls are about as dense as the child can answer them.
	pollStop := make(chan struct{})
	pollDone := make(chan int64)
	go func() {
		var top int64
		for {
			if st, err := e.ch.stats(); err == nil {
				top = max(top, st.Connections)
			}
			select {
			case <-pollStop:
				pollDone <- top
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()

	// All at once, not through a small pool: the point is a burst that reaches the server
	// while upgrades are in progress, which the admission check before the request does
	// not count.
	conns := make([]*rawConn, n)
	errs := make([]error, n)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conns[i], errs[i] = dialUpgrade(e.addr, "/?idle=60s", "", 5*time.Second)
		}()
	}
	wg.Wait()
	took := time.Since(start)
	var open []*rawConn
	defer func() { closeAll(open) }()
	refused := 0
	answers := map[string]int{} // "503 Retry-After: 1", counted
	var other []string
	for i := range n {
		var r *refusal
		switch {
		case errs[i] == nil:
			open = append(open, conns[i])
		case errors.As(errs[i], &r):
			refused++
			a := fmt.Sprint(r.status)
			if ra := r.header.Get("Retry-After"); ra != "" {
				a += " Retry-After: " + ra
			} else {
				a += " without Retry-After"
			}
			answers[a]++
		default:
			other = append(other, errs[i].Error())
		}
	}
	time.Sleep(time.Second) // the honest clients beside a full server
	close(pollStop)
	top := <-pollDone
	full, err := e.ch.stats()
	if err != nil {
		o.fail("%v", err)
		return o
	}
	counted := full.RefusedBusy - e.before.RefusedBusy
	o.seen = fmt.Sprintf("%d at once in %s: %d upgraded, %d refused (%s); server peak %d conns (%d honest), RefusedBusy %d",
		n, secs(took), len(open), refused, joinCounts(answers), top, honestConns, counted)

	if len(other) > 0 {
		o.fail("%d dials failed otherwise than by a refusal, first: %s", len(other), other[0])
	}
	if top > int64(limit) || full.Connections > int64(limit) {
		o.fail("the server held %d connections (peak %d), over MaxConnections %d", full.Connections, top, limit)
	}
	if want := limit - honestConns; len(open) != want {
		o.fail("%d attacker connections upgraded, want %d (MaxConnections %d less the %d honest)", len(open), want, limit, honestConns)
	}
	for a, k := range answers {
		if !strings.HasPrefix(a, "503 Retry-After: ") {
			o.fail("%d refusals answered %s, want 503 with Retry-After", k, a)
		}
	}
	if counted != uint64(refused) {
		o.fail("Stats.RefusedBusy grew by %d, but %d upgrades were refused", counted, refused)
	}

	// The crowd leaves; its places must come back, and a new client must get one.
	closeAll(open)
	open = nil
	closed := time.Now()
	for {
		st, err := e.ch.stats()
		if err == nil && st.Connections <= honestConns {
			break
		}
		if time.Since(closed) > 5*time.Second {
			o.fail("the server still held %d connections 5 s after the crowd closed", st.Connections)
			return o
		}
		time.Sleep(20 * time.Millisecond)
	}
	rc, err := dialUpgrade(e.addr, "/", "", 3*time.Second)
	if err == nil {
		err = echoOnce(rc)
		rc.Close()
	}
	if err != nil {
		o.fail("a new client after the crowd closed: %v", err)
	} else {
		o.seen += fmt.Sprintf("; after the crowd closed, a new upgrade + echo OK in %s", secs(time.Since(closed)))
	}
	return o
}

// nonReaderClose runs on a child with BackpressureClose and MaxBackpressure 256 KiB: 64
// clients each send one message of the message limit (1 MiB by default) to ?repeat=16, so
// that each asks for 16 times as much echo, and never read. Under BackpressureWait (the
// non-reader row) the server holds what the sockets did not take until WriteTimeout;
// here it must cut every one of them off as soon as more than 256 KiB wait (Terminate's
// reason ErrBackpressure, Stats.ClosedBackpressure), so that its memory stays near the
// message it read and the frame it was writing per client, far below the 16 MiB asked.
func nonReaderClose(e *env) outcome {
	const n, repeat = 64, 16
	var o outcome
	bound := e.ch.cfg.backpressure
	if bound <= 0 {
		o.fail("the child runs without BackpressureClose")
		return o
	}
	size := e.info.MaxMessage
	if size <= 0 {
		size = 1 << 20
	}
	// Per client: the message read, the echo frame being written and the backpressure
	// allowance, about 3 × the message; 64 MiB more for the runtime and the honest load.
	o.peakBound = n*3*uint64(size) + 64<<20
	conns, err := openMany(e.addr, fmt.Sprintf("/?repeat=%d&idle=60s", repeat), n, 8)
	defer closeAll(conns)
	if err != nil {
		o.fail("upgrade: %v", err)
		return o
	}

	// The server's counters are polled while the clients write and after: when each
	// connection was cut off is when the count grew past it.
	start := time.Now()
	var cut int
	var werr error
	written := make(chan struct{})
	go func() {
		cut, werr = writeAll(conns, bigMessage(size, e.info.MaxFrame))
		close(written)
	}()
	var first, last time.Duration
	var maxBuffered int64
	var st stats
	deadline := start.Add(20 * time.Second)
	for {
		st, err = e.ch.stats()
		if err != nil {
			o.fail("%v", err)
			break
		}
		maxBuffered = max(maxBuffered, st.Buffered)
		closed := st.ClosedBackpressure - e.before.ClosedBackpressure
		if closed > 0 && first == 0 {
			first = time.Since(start)
		}
		if closed >= n {
			last = time.Since(start)
			break
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	<-written
	// The count grows as a connection is cut off; its Terminate and the return of its
	// buffered bytes follow on the way out, so the last one may need a moment more.
	for settled := time.Now().Add(2 * time.Second); err == nil && time.Now().Before(settled); time.Sleep(10 * time.Millisecond) {
		cutOff := st.ClosedBackpressure - e.before.ClosedBackpressure
		if st.Buffered == 0 && uint64(st.Reasons["backpressure"]-e.before.Reasons["backpressure"]) >= cutOff {
			break
		}
		st, err = e.ch.stats()
	}
	closed := st.ClosedBackpressure - e.before.ClosedBackpressure
	reasons := st.Reasons["backpressure"] - e.before.Reasons["backpressure"]
	o.seen = fmt.Sprintf("%d × %s to ?repeat=%d (%s of echo each), never read: %d closed for backpressure", len(conns), sizeString(size), repeat, sizeString(repeat*size), closed)
	if last > 0 {
		o.seen += fmt.Sprintf(" %s–%s after they began to send", secs(first), secs(last))
	}
	o.seen += fmt.Sprintf(" (Terminate %d× backpressure, Stats.ClosedBackpressure %d); Stats.Buffered %s after", reasons, closed, sizeString(st.Buffered))
	if maxBuffered > st.Buffered {
		// Seldom seen: a connection over the bound is closed in the turn that found it so.
		o.seen += fmt.Sprintf(" (%s at most while they ran)", sizeString(maxBuffered))
	}
	// The peak per client is what the bound is about: MaxBackpressure and one frame, or
	// the whole of one Reply if the server encodes it before it looks at the socket.
	o.peakPerConn = n
	if cut > 0 {
		o.seen += fmt.Sprintf("; %d writes cut off", cut)
	}
	if werr != nil {
		o.fail("%v", werr)
	}
	if closed != n {
		o.fail("Stats.ClosedBackpressure grew by %d in %v, want %d", closed, time.Since(start).Round(time.Second), n)
	}
	if st.Buffered != 0 {
		o.fail("Stats.Buffered is %s once every non-reader was closed, want 0", sizeString(st.Buffered))
	}
	if reasons != n {
		o.fail("%d Terminate reasons were backpressure, want %d (all: %v)", reasons, n, st.Reasons)
	}
	return o
}
