//go:build linux

package main

import (
	"bytes"
	"compress/flate"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// bombs caches the compressed bombs by inflated size: every setup sends the same ones, and
// deflating a message limit's worth at BestCompression costs the attacker a moment.
var bombs sync.Map // int64 → []byte

// deflateZeros returns n zero bytes as a permessage-deflate payload: raw DEFLATE at
// BestCompression (about 1 000:1 on zeros, DEFLATE's ceiling), sync-flushed, without the
// final 00 00 ff ff that RFC 7692 §7.2.1 has the sender remove.
func deflateZeros(n int64) []byte {
	if b, ok := bombs.Load(n); ok {
		return b.([]byte)
	}
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	zeros := make([]byte, 64<<10)
	for left := n; left > 0; {
		k := min(left, int64(len(zeros)))
		w.Write(zeros[:k])
		left -= k
	}
	w.Flush()
	b := bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
	bombs.Store(n, b)
	return b
}

// dialDeflate upgrades with permessage-deflate and checks the server took it.
func dialDeflate(e *env) (*rawConn, error) {
	rc, err := dialUpgrade(e.addr, "/?idle=60s", deflateOffer, 3*time.Second)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(strings.ToLower(rc.head), "permessage-deflate") {
		rc.Close()
		return nil, fmt.Errorf("permessage-deflate not negotiated (Options.Compress is on): %q", rc.head)
	}
	return rc, nil
}

// bombOver sends one compressed message of zeros that inflates to one byte over the
// message limit. The server must stop inflating at the limit and close with 1009, rather
// than inflate what a few KiB ask and judge it afterwards.
func bombOver(e *env) outcome {
	var o outcome
	limit := messageLimit(e, &o)
	if limit == 0 {
		return o
	}
	o.peakBound = 2*uint64(limit) + 16<<20
	bomb := deflateZeros(limit + 1)
	rc, err := dialDeflate(e)
	if err != nil {
		o.fail("%v", err)
		return o
	}
	defer rc.Close()
	rc.Write(clientFrame(bitFin|bitRsv1|opBinary, bomb))
	end := rc.waitClose(10*time.Second, true)
	o.seen = fmt.Sprintf("%s inflating to %s + 1 B: %s", sizeString(int64(len(bomb))), sizeString(limit), end)
	if end.code != 1009 {
		o.fail("ended by %s, want 1009", end)
	}
	return o
}

// bombFloor is the share of the baseline honest throughput the bomb loop must leave the
// honest clients. Not a half: on a two-core machine the bomber's connection, the attacker
// process and the honest clients share the CPU, so a perfectly fair server leaves the
// honest clients about half (the goroutine driver measured 35–56%, the event loop about
// 50%), and a floor of 0.5 flips from run to run. A starved event loop measured 1% before
// it paced the bomber, so 25% still separates starvation from fair sharing; the p99 column
// shows the latency either way.
const bombFloor = 0.25

// bombLoop is the fairness row: one client sends bombs that inflate to one byte under the
// message limit, as fast as the server takes them, for 10 s, with up to four in flight and
// the compressed echoes read and dropped. Each bomb is legal, so the server must serve it;
// what it must not do is let one client's 1 000:1 messages starve the others. Held: the
// honest clients keep at least a quarter of their baseline throughput (bombFloor).
func bombLoop(e *env) outcome {
	var o outcome
	limit := messageLimit(e, &o)
	if limit == 0 {
		return o
	}
	o.honestFloor = bombFloor
	o.peakBound = 4*uint64(limit) + 32<<20
	bomb := deflateZeros(limit - 1)
	frame := appendFrame(nil, bitFin|bitRsv1|opBinary, true, zeroKey, uint64(len(bomb)), bomb)
	rc, err := dialDeflate(e)
	if err != nil {
		o.fail("%v", err)
		return o
	}
	defer reset(rc.Conn)
	const dur = 10 * time.Second
	inflight := make(chan struct{}, 4)
	var echoed atomic.Int64
	readErr := make(chan error, 1)
	go func() {
		for {
			f, err := readFrame(rc.br)
			if err != nil {
				readErr <- err
				return
			}
			if f.op == opClose {
				readErr <- fmt.Errorf("server closed with %d", f.closeCode())
				return
			}
			if f.fin && f.op != opPing && f.op != opPong {
				echoed.Add(1)
				select {
				case <-inflight:
				default:
				}
			}
		}
	}()
	start := time.Now()
	sent := 0
	var stopped error
loop:
	for time.Since(start) < dur {
		select {
		case inflight <- struct{}{}:
		case err := <-readErr:
			stopped = err
			break loop
		case <-time.After(dur - time.Since(start)):
			break loop
		}
		rc.SetWriteDeadline(time.Now().Add(dur - time.Since(start) + time.Second))
		if _, err := rc.Write(frame); err != nil {
			stopped = err
			break
		}
		sent++
	}
	el := time.Since(start)
	n := echoed.Load()
	o.seen = fmt.Sprintf("%d bombs of %s → %s sent, %d echoed in %.0f s (%.0f MiB/s inflated)", sent, sizeString(int64(len(bomb))), sizeString(limit-1), n, el.Seconds(), float64(n)*float64(limit)/(1<<20)/el.Seconds())
	if e.baseline > 0 {
		o.seen += fmt.Sprintf("; honest at %.0f%% of baseline", 100*e.honest.snapshot().rate/e.baseline)
	}
	if stopped != nil {
		o.fail("the bomb connection ended: %v", stopped)
	}
	return o
}

// messageLimit is the server's message limit, by which the bomb and flood attacks size
// their messages; without one, it fails the row and returns 0.
func messageLimit(e *env, o *outcome) int64 {
	if e.info.MaxMessage <= 0 {
		o.fail("the server has no message limit")
		return 0
	}
	return e.info.MaxMessage
}
