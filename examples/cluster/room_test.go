package cluster_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/client"
	"github.com/bronco-ws/bronco/ws/frame"
)

// room is the test's clients: every one reads all the time, and redials through HAProxy
// when its connection ends.
type room struct {
	url      string
	rs       []*receiver
	received atomic.Int64 // publishers' lines recorded, over all receivers
	ctx      context.Context
	cancel   context.CancelFunc // at the test's end: readers stop, redials give up
	wg       sync.WaitGroup
}

// receiver is one client and what it received.
type receiver struct {
	id       int
	compress bool

	mu       sync.Mutex
	conn     *client.Conn // nil while it redials
	instance string       // the instance of the last welcome
	seqs     [publishers][]int
	ended    [publishers]bool // each publisher's final marker
	bad      []string         // lines that were neither a welcome nor a publisher's
	last     time.Time        // when the last line arrived

	// The first disconnection, and what came after it (the test kills one node, once).
	cut        time.Time // when the connection ended
	cutFrom    string    // the instance it was on
	lastBefore time.Time // the last line before the cut
	welcomed   time.Time // the welcome after the cut
	firstAfter time.Time // the first line after that welcome
	dials      int       // dial attempts after the cut
}

// join connects n clients through url with at most parallel dials at once, each reading its
// welcome, and starts their readers. The test's end closes them all.
func join(t *testing.T, url string, n, parallel int) *room {
	t.Helper()
	rm := &room{url: url}
	rm.ctx, rm.cancel = context.WithCancel(context.Background())
	t.Cleanup(rm.close)
	rm.rs = make([]*receiver, n)
	sem := make(chan struct{}, parallel)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range rm.rs {
		r := &receiver{id: i, compress: i%10 == 0} // one in ten with permessage-deflate
		rm.rs[i] = r
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			conn, instance, err := dial(rm.ctx, url, r.compress)
			if err != nil {
				errs <- fmt.Errorf("client %d: %w", r.id, err)
				return
			}
			r.conn, r.instance = conn, instance
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err) // the first one is enough
	}
	for _, r := range rm.rs {
		rm.wg.Go(func() { r.read(rm) })
	}
	return rm
}

// close stops every reader and closes every connection.
func (rm *room) close() {
	rm.cancel()
	for _, r := range rm.rs {
		if r == nil {
			continue
		}
		r.mu.Lock()
		if r.conn != nil {
			r.conn.NetConn().Close()
		}
		r.mu.Unlock()
	}
	rm.wg.Wait()
}

func (rm *room) stopping() bool { return rm.ctx.Err() != nil }

// dial opens a client connection through HAProxy and reads its welcome, "welcome <instance>".
func dial(ctx context.Context, url string, compress bool) (*client.Conn, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, _, err := (&client.Dialer{Compress: compress}).Dial(ctx, url)
	if err != nil {
		return nil, "", err
	}
	_, msg, err := conn.Read(ctx)
	instance, ok := strings.CutPrefix(string(msg), "welcome ")
	if err != nil || !ok {
		conn.NetConn().Close()
		return nil, "", fmt.Errorf("welcome: %q, %v", msg, err)
	}
	return conn, instance, nil
}

// read records every line until the test ends, redialing when the connection ends.
func (r *receiver) read(rm *room) {
	for {
		_, msg, err := r.current().Read(context.Background())
		now := time.Now()
		if err != nil {
			if rm.stopping() || !r.redial(rm, now) {
				return
			}
			continue
		}
		if r.record(string(msg), now) {
			rm.received.Add(1)
		}
	}
}

func (r *receiver) current() *client.Conn {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conn
}

// redial notes the disconnection at now, then dials through HAProxy with a small backoff
// until a welcome comes (a dial may fail, or reach the dead node, until HAProxy's check has
// marked it down). It reports false when the test ends first.
func (r *receiver) redial(rm *room, now time.Time) bool {
	r.mu.Lock()
	r.conn.NetConn().Close()
	r.conn = nil
	if r.cut.IsZero() {
		r.cut, r.cutFrom, r.lastBefore = now, r.instance, r.last
	}
	r.mu.Unlock()
	backoff := 10 * time.Millisecond
	for {
		r.mu.Lock()
		r.dials++
		r.mu.Unlock()
		conn, instance, err := dial(rm.ctx, rm.url, r.compress)
		if err == nil {
			r.mu.Lock()
			defer r.mu.Unlock()
			if rm.stopping() {
				conn.NetConn().Close()
				return false
			}
			r.conn, r.instance = conn, instance
			if r.welcomed.IsZero() {
				r.welcomed = time.Now()
			}
			return true
		}
		select {
		case <-rm.ctx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}

// record files a publisher's line, "p<id> <seq>" or "p<id> end", and reports whether it was one.
func (r *receiver) record(line string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, rest, ok := parseLine(line)
	if !ok {
		r.bad = append(r.bad, line)
		return false
	}
	r.last = now
	if !r.welcomed.IsZero() && r.firstAfter.IsZero() {
		r.firstAfter = now
	}
	if rest == "end" {
		r.ended[id] = true
		return true
	}
	seq, err := strconv.Atoi(rest)
	if err != nil {
		r.bad = append(r.bad, line)
		return false
	}
	r.seqs[id] = append(r.seqs[id], seq)
	return true
}

func parseLine(line string) (id int, rest string, ok bool) {
	p, rest, ok := strings.Cut(line, " ")
	if !ok || !strings.HasPrefix(p, "p") {
		return 0, "", false
	}
	id, err := strconv.Atoi(p[1:])
	if err != nil || id < 0 || id >= publishers {
		return 0, "", false
	}
	return id, rest, true
}

// publisher sends numbered lines from one receiver's connection.
type publisher struct {
	id   int
	r    *receiver
	next atomic.Int64 // the next sequence number: taken before the write begins
	dead *client.Conn // the connection a write failed on
	lost int          // writes that failed
}

func lineOf(id int, seq int64) []byte { return fmt.Appendf(nil, "p%d %d", id, seq) }

// run writes one line per tick until ctx ends. While its receiver redials, ticks pass
// without a line: a sequence number is spent only on a write, so the numbers have no gaps
// but those lost in flight.
func (p *publisher) run(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		conn := p.r.current()
		if conn == nil || conn == p.dead {
			continue
		}
		seq := p.next.Add(1) - 1
		if err := write(conn, lineOf(p.id, seq)); err != nil {
			p.dead, p.lost = conn, p.lost+1
		}
	}
}

func write(conn *client.Conn, line []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return conn.Write(ctx, frame.OpText, line)
}
