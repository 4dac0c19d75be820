//go:build linux

package main

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
)

// frameCase is one frame that breaks RFC 6455 and the close code §7.4.1 gives for it.
type frameCase struct {
	name  string
	bytes []byte
	want  int
}

// frameAbuse sends, each on its own upgraded connection, a frame that breaks a rule of
// RFC 6455 §5, and checks the close code the server fails the connection with: 1002 for a
// protocol error, 1007 for text that is not UTF-8, 1009 for a frame over the limit.
func frameAbuse(e *env) outcome {
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	f := func(b0 byte, masked bool, length uint64, payload []byte) []byte {
		return appendFrame(nil, b0, masked, key, length, payload)
	}
	hello := []byte("hello")
	interleaved := append(f(opText, true, 1, []byte("a")), f(bitFin|opText, true, 1, []byte("b"))...)
	cases := []frameCase{
		{"unmasked", f(bitFin|opText, false, 5, hello), 1002},                          // §5.1
		{"RSV2", f(bitFin|bitRsv2|opText, true, 5, hello), 1002},                       // §5.2, no extension owns it
		{"opcode 3", f(bitFin|0x3, true, 5, hello), 1002},                              // §5.2 reserved opcode
		{"length MSB", f(bitFin|opBinary, true, 1<<63|5, nil), 1002},                   // §5.2 the MSB MUST be 0
		{"fragmented ping", f(opPing, true, 1, []byte("x")), 1002},                     // §5.5 control frames MUST NOT be fragmented
		{"ping of 126", f(bitFin|opPing, true, 126, make([]byte, 126)), 1002},          // §5.5 control payload ≤ 125
		{"bad UTF-8", f(bitFin|opText, true, 4, []byte{0xce, 0xba, 0xff, 0xfe}), 1007}, // §8.1
		{"lone continuation", f(bitFin|opCont, true, 1, []byte("x")), 1002},            // §5.4
		{"interleaved text", interleaved, 1002},                                        // §5.4
		{"close 1005", f(bitFin|opClose, true, 2, []byte{0x03, 0xED}), 1002},           // §7.4.1 1005 MUST NOT be sent
	}
	if e.info.MaxFrame > 0 {
		// §7.4.1: 1009 for a message too big to process; only the header is sent, so a
		// server that reads the payload before judging the length waits forever.
		cases = append(cases, frameCase{"frame > max", f(bitFin|opBinary, true, uint64(e.info.MaxFrame)+1, nil), 1009})
	}
	var o outcome
	var seen []string
	for _, c := range cases {
		rc, err := dialUpgrade(e.addr, "/", "", 3*time.Second)
		if err != nil {
			o.fail("%s: upgrade: %v", c.name, err)
			continue
		}
		rc.SetWriteDeadline(time.Now().Add(3 * time.Second))
		rc.Write(c.bytes)
		end := rc.waitClose(5*time.Second, true)
		rc.Close()
		seen = append(seen, fmt.Sprintf("%s %s", c.name, end))
		if end.code != c.want {
			o.fail("%s: %s, want %d", c.name, end, c.want)
		}
	}
	if e.info.MaxFrame <= 0 {
		o.fail("the server has no frame limit: nothing bounds a frame")
	}
	o.seen = strings.Join(seen, " · ")
	return o
}

// oversizeDeclare opens 32 connections that each announce a frame one byte under the limit
// and send nothing more. A server that allocates what a header announces holds 32 × the
// limit for nothing; bronco's must not grow by the announced size, and must end each
// connection at its idle timeout (3 s in the child).
func oversizeDeclare(e *env) outcome {
	const n = 32
	var o outcome
	length := limitMin(e.info.MaxFrame, e.info.MaxMessage) - 1
	if length <= 0 {
		length = 1 << 40 // no limit: announce a TiB
	}
	type result struct {
		end ending
		err error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rc, err := dialUpgrade(e.addr, "/", "", 3*time.Second)
			if err != nil {
				results[i].err = err
				return
			}
			defer rc.Close()
			rc.Write(appendFrame(nil, bitFin|opBinary, true, [4]byte{1, 2, 3, 4}, uint64(length), nil))
			results[i].end = rc.waitClose(e.ch.cfg.idle+5*time.Second, true)
		}()
	}
	wg.Wait()
	o.peakBound = n*uint64(length)/4 + 4<<20
	idle := e.ch.cfg.idle
	var first, last time.Duration
	codes := map[string]int{}
	ok := 0
	for _, r := range results {
		if r.err != nil {
			o.fail("upgrade: %v", r.err)
			continue
		}
		if ok == 0 || r.end.after < first {
			first = r.end.after
		}
		last = max(last, r.end.after)
		ok++
		codes[r.end.String()]++
	}
	o.seen = fmt.Sprintf("%d × %s announced; ended by %s after %s", ok, sizeString(length), joinCounts(codes), secsRange(first, last))
	// The idle timeout is the documented end: close 1000 (or the socket closing) about idle
	// after the header, not sooner (that would be a limit misjudging a legal frame) nor much
	// later.
	if first < idle-500*time.Millisecond || last > idle+2*time.Second {
		o.fail("ended after %.1f–%.1f s, want about the idle timeout %v", first.Seconds(), last.Seconds(), idle)
	}
	for c := range codes {
		if c != "1000" && c != "EOF" {
			o.fail("ended by %s, want close 1000 (idle timeout) or EOF", c)
		}
	}
	return o
}

// fragmentFlood sends one message as 1-byte fragments until it is one byte over the
// message limit: 7 bytes on the wire per payload byte, and a frame to parse for each. The
// server must count the fragments against the limit (1009) and keep its memory to the
// message's.
func fragmentFlood(e *env) outcome {
	var o outcome
	limit := messageLimit(e, &o)
	if limit == 0 {
		return o
	}
	o.peakBound = 3*uint64(limit) + 32<<20
	rc, err := dialUpgrade(e.addr, "/", "", 3*time.Second)
	if err != nil {
		o.fail("upgrade: %v", err)
		return o
	}
	defer rc.Close()
	key := [4]byte{9, 8, 7, 6}
	chunk := make([]byte, 0, 64<<10)
	for len(chunk)+7 <= cap(chunk) {
		chunk = appendFrame(chunk, opCont, true, key, 1, []byte("a"))
	}
	perChunk := int64(len(chunk) / 7)
	ends := make(chan ending, 1)
	// No answer to the close: our flood may be mid-write; closing the socket ends it.
	go func() { ends <- rc.waitClose(60*time.Second, false) }()
	start := time.Now()
	rc.SetWriteDeadline(time.Now().Add(45 * time.Second))
	var werr error
	sent := int64(1)
	if _, werr = rc.Write(appendFrame(nil, opBinary, true, key, 1, []byte("a"))); werr == nil {
		for sent < limit+1 {
			k := min(perChunk, limit+1-sent)
			if _, werr = rc.Write(chunk[:k*7]); werr != nil {
				break
			}
			sent += k
		}
		if werr == nil {
			_, werr = rc.Write(appendFrame(nil, bitFin|opCont, true, key, 0, nil))
		}
	}
	end := <-ends
	o.seen = fmt.Sprintf("%d fragments of 1 B (%s on the wire) sent in %s; %s after %s", sent, sizeString(sent*7), secs(time.Since(start)), end, secs(end.after))
	if end.code != 1009 {
		o.fail("ended by %s, want 1009", end)
	}
	if werr != nil && !isClosedByPeer(werr) {
		o.fail("write: %v", werr)
	}
	return o
}

// pingFlood sends 125-byte pings as fast as the socket takes them for 5 s and never reads
// the pongs. The server must not queue pongs without bound: once its writes stop, it must
// stop reading, so that TCP pushes back on the attacker.
func pingFlood(e *env) outcome {
	var o outcome
	o.peakBound = 32 << 20
	rc, err := dialUpgrade(e.addr, "/", "", 3*time.Second)
	if err != nil {
		o.fail("upgrade: %v", err)
		return o
	}
	defer reset(rc.Conn)
	payload := []byte(strings.Repeat("p", 125))
	var chunk []byte
	for len(chunk) < 64<<10 {
		chunk = appendFrame(chunk, bitFin|opPing, true, [4]byte{5, 6, 7, 8}, 125, payload)
	}
	const dur = 5 * time.Second
	start := time.Now()
	var sent int64
	lastProgress := start
	off := 0
	var werr error
	for time.Since(start) < dur {
		rc.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		k, err := rc.Write(chunk[off:])
		if k > 0 {
			lastProgress = time.Now()
		}
		sent += int64(k)
		off = (off + k) % len(chunk)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			werr = err
			break
		}
	}
	pings := sent / int64(2+4+125)
	o.seen = fmt.Sprintf("%d pings (%s) taken in %.1f s", pings, sizeString(sent), dur.Seconds())
	if stalled := time.Since(lastProgress); stalled > 500*time.Millisecond {
		o.seen += fmt.Sprintf(", then pushed back for the last %.1f s", stalled.Seconds())
	}
	if werr != nil {
		o.seen += "; server closed: " + netErrString(werr)
	}
	return o
}

// limitMin is the smaller of two limits where -1 means none.
func limitMin(a, b int64) int64 {
	switch {
	case a < 0:
		return b
	case b < 0:
		return a
	}
	return min(a, b)
}

// isClosedByPeer reports a write that failed because the server had closed the connection,
// the expected end of a flood the server refused.
func isClosedByPeer(err error) bool {
	s := netErrString(err)
	return s == "reset" || s == "broken pipe" || s == "EOF" || errors.Is(err, net.ErrClosed)
}

// joinCounts formats a tally as "30× 1000, 2× EOF".
func joinCounts(m map[string]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%d× %s", v, k))
	}
	if len(parts) == 0 {
		return "nothing"
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}
