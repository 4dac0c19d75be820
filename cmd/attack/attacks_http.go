//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// headDeadline is how long the server may take to drop a client that never finishes its
// upgrade request: Options.HandshakeTimeout on a bare listener, the http.Server's
// ReadHeaderTimeout on net/http.
func (e *env) headDeadline() time.Duration {
	if e.setup.http {
		return 5 * time.Second
	}
	return e.ch.cfg.handshake
}

// slowloris opens 2 000 connections that send an upgrade request one byte a second and
// never finish it. A server that waits for heads without a deadline runs out of
// descriptors or goroutines; bronco's must drop every one of them at its head deadline
// while the honest clients go on.
func slowloris(e *env) outcome {
	const n = 2000
	req := []byte(upgradeRequest(e.addr, "/", ""))
	type drip struct {
		dropped bool
		after   time.Duration
		got     string // what the server sent, if anything, before closing
	}
	drips := make([]drip, n)
	stop := make(chan struct{})
	sem := make(chan struct{}, 32) // dials in flight: a SYN burst beyond the backlog only adds retransmits
	var dialErrs atomic.Int64
	var wg sync.WaitGroup
	var dialed sync.WaitGroup
	dialed.Add(n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			nc, err := net.DialTimeout("tcp", e.addr, 3*time.Second)
			<-sem
			dialed.Done()
			if err != nil {
				dialErrs.Add(1)
				return
			}
			defer nc.Close()
			start := time.Now()
			buf := make([]byte, 256)
			for j := 0; ; j++ {
				if j < len(req)-2 { // never the final CRLF
					nc.SetWriteDeadline(time.Now().Add(time.Second))
					nc.Write(req[j : j+1])
				}
				nc.SetReadDeadline(time.Now().Add(time.Second))
				k, err := nc.Read(buf)
				if k > 0 {
					line, _, _ := strings.Cut(string(buf[:k]), "\r\n")
					drips[i] = drip{dropped: true, after: time.Since(start), got: line}
					return
				}
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					select {
					case <-stop:
						return
					default:
						continue
					}
				}
				drips[i] = drip{dropped: true, after: time.Since(start)}
				return
			}
		}()
	}
	dialed.Wait()
	// Every connection gets the head deadline plus room for the server's timer and our
	// one-second reads.
	window := e.headDeadline() + 2500*time.Millisecond
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(window):
	}
	close(stop)
	<-done

	var o outcome
	dropped := 0
	var first, last time.Duration
	answers := map[string]int{}
	for _, d := range drips {
		if !d.dropped {
			continue
		}
		if dropped == 0 || d.after < first {
			first = d.after
		}
		last = max(last, d.after)
		dropped++
		if d.got != "" {
			answers[d.got]++
		}
	}
	opened := n - int(dialErrs.Load())
	o.seen = fmt.Sprintf("%d/%d dropped after %s", dropped, opened, secsRange(first, last))
	for a, k := range answers {
		o.seen += fmt.Sprintf("; %d× %q", k, a)
	}
	if dialErrs.Load() > 0 {
		o.fail("%d dials failed", dialErrs.Load())
	}
	if dropped < opened {
		o.fail("%d connections still open %v after their first byte (head deadline %v)", opened-dropped, window, e.headDeadline())
	}
	return o
}

// headCase is one malformed upgrade request and the answer RFC 6455 and RFC 9110/9112 ask
// of a server.
type headCase struct {
	name   string
	req    string
	want   int
	header string // a header the answer must carry, "Name: value", "" for none
}

// malformedHeads sends a batch of bad upgrade requests, each on its own connection, and
// checks each status (and the header that must come with it), then that the server still
// upgrades.
func malformedHeads(e *env) outcome {
	host := e.addr
	const key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	base := func(method, extra string) string {
		return method + " / HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + extra
	}
	cases := []headCase{
		// RFC 6455 §4.2.1 item 5: the key is required; §4.2.1 says 400 for a bad request.
		{"no key", base("GET", "Sec-WebSocket-Version: 13\r\n") + "\r\n", 400, ""},
		// §4.2.2 item 4: an unsupported version gets 426 with the versions the server speaks.
		{"v12", base("GET", "Sec-WebSocket-Version: 12\r\n"+key) + "\r\n", 426, "Sec-WebSocket-Version: 13"},
		// RFC 6585 §5: a header section over the server's limit (16 KiB here) gets 431.
		{"64 KiB header", base("GET", "Sec-WebSocket-Version: 13\r\n"+key+"X-Big: "+strings.Repeat("a", 64<<10)+"\r\n") + "\r\n", 431, ""},
		// RFC 9112 §6.3 item 5: differing Content-Length values MUST be answered 400.
		{"2×Content-Length", base("GET", "Sec-WebSocket-Version: 13\r\n"+key+"Content-Length: 5\r\nContent-Length: 6\r\n") + "\r\nhello!", 400, ""},
		// RFC 6455 §4.1: an upgrade request has no body; its bytes would be read as frames.
		{"Content-Length body", base("GET", "Sec-WebSocket-Version: 13\r\n"+key+"Content-Length: 5\r\n") + "\r\nhello", 400, ""},
		{"Transfer-Encoding", base("GET", "Sec-WebSocket-Version: 13\r\n"+key+"Transfer-Encoding: chunked\r\n") + "\r\n5\r\nhello\r\n0\r\n\r\n", 400, ""},
		// RFC 6455 §4.1: the method MUST be GET; RFC 9110 §15.5.6: 405 MUST carry Allow.
		{"POST", base("POST", "Sec-WebSocket-Version: 13\r\n"+key+"Content-Length: 0\r\n") + "\r\n", 405, "Allow: GET"},
		// RFC 9112 §3: no request line at all.
		{"garbage", "\x00\x01\x02\xff\xfe not http at all \x7f\x1b[0m\r\n\r\n", 400, ""},
	}
	var o outcome
	var seen []string
	for _, c := range cases {
		status, hdr, err := askHead(e.addr, c.req)
		switch {
		case err != nil:
			seen = append(seen, c.name+" "+err.Error())
			o.fail("%s: no answer (%v), want %d", c.name, err, c.want)
			continue
		case status != c.want:
			o.fail("%s: %d, want %d", c.name, status, c.want)
		}
		seen = append(seen, fmt.Sprintf("%s %d", c.name, status))
		if c.header != "" {
			name, value, _ := strings.Cut(c.header, ": ")
			if got := hdr.Get(name); !strings.Contains(got, value) {
				seen[len(seen)-1] += " without " + name
				o.fail("%s: %d without %q (got %q)", c.name, status, c.header, got)
			}
		}
	}
	o.seen = strings.Join(seen, " · ")
	if rc, err := dialUpgrade(e.addr, "/", "", 3*time.Second); err != nil {
		o.fail("a valid upgrade after the batch failed: %v", err)
	} else {
		rc.Close()
	}
	return o
}

// askHead sends a raw request and reads the status and headers of the answer. The request
// is written beside the read: a server that answers before reading all of a large head and
// closes must still be heard.
func askHead(addr, req string) (int, http.Header, error) {
	nc, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		return 0, nil, err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(3 * time.Second))
	go io.WriteString(nc, req)
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		return 0, nil, fmt.Errorf("no response (%s)", netErrString(err))
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header, nil
}

// fdExhaustion runs on a child started with RLIMIT_NOFILE 512: 600 connections that never
// send a byte exhaust its descriptors for 5 s, then close. Accept fails with EMFILE
// meanwhile; the server must wait it out (a Serve that returns on EMFILE is down for good)
// and upgrade a new connection once descriptors are free again.
func fdExhaustion(e *env) outcome {
	const n = 600
	hold := 5 * time.Second
	if e.quick {
		hold = 3 * time.Second
	}
	var o outcome
	conns := make([]net.Conn, n)
	var dialErrs atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			nc, err := net.DialTimeout("tcp", e.addr, 3*time.Second)
			if err != nil {
				dialErrs.Add(1)
				return
			}
			conns[i] = nc
		}()
	}
	wg.Wait()
	time.Sleep(hold - time.Since(start))
	mid, _ := e.ch.stats()
	for _, nc := range conns {
		if nc != nil {
			nc.Close()
		}
	}
	// Serve's backoff grows to 1 s while accepts fail, so a new client may wait that long.
	closed := time.Now()
	var upErr error
	var upAfter time.Duration
	for {
		rc, err := dialUpgrade(e.addr, "/", "", 2*time.Second)
		if err == nil {
			upErr = echoOnce(rc)
			rc.Close()
			if upErr == nil {
				upAfter = time.Since(closed)
				break
			}
		} else {
			upErr = err
		}
		if time.Since(closed) > 6*time.Second {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	after, _ := e.ch.stats()
	o.seen = fmt.Sprintf("%d silent conns vs nofile %d: %d failed accepts", n-int(dialErrs.Load()), e.info.NoFile, after.AcceptErrs)
	if upErr == nil {
		o.seen += fmt.Sprintf("; new upgrade + echo OK %s after they closed", secs(upAfter))
	} else {
		o.fail("no new upgrade within 6 s after the flood closed: %v", upErr)
	}
	if after.ServeErr != "" {
		o.fail("Serve returned: %s", after.ServeErr)
	}
	if mid.AcceptErrs == 0 && after.AcceptErrs == 0 {
		o.fail("the flood did not exhaust the descriptors (no failed accept): the attack tested nothing")
	}
	return o
}

// echoOnce sends one small message on an upgraded connection and waits for its echo.
func echoOnce(rc *rawConn) error {
	rc.SetDeadline(time.Now().Add(3 * time.Second))
	defer rc.SetDeadline(time.Time{})
	if _, err := rc.Write(clientFrame(bitFin|opBinary, []byte("are you there?"))); err != nil {
		return err
	}
	f, err := readFrame(rc.br)
	if err != nil {
		return fmt.Errorf("echo: %s", netErrString(err))
	}
	if f.op != opBinary || string(f.payload) != "are you there?" {
		return fmt.Errorf("echo: opcode %d payload %q", f.op, f.payload)
	}
	return nil
}
