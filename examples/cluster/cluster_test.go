package cluster_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bronco-ws/bronco/examples/cluster"
	"github.com/bronco-ws/bronco/internal/readme"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The test's load: clients through HAProxy, publishers among them, and the pace of their lines.
const (
	nodes        = 3
	clients      = 1000
	publishers   = 10
	dialParallel = 50
	phase1Lines  = 100                    // per publisher
	phase1Every  = 20 * time.Millisecond  // per publisher: 500 lines/s, 500 000 deliveries/s offered
	phase2Every  = 100 * time.Millisecond // per publisher: 100 lines/s, 100 000 deliveries/s, well under what phase 1 carries
	phase2Lead   = 10                     // lines per publisher before the kill, and after all are back: 1 s
	victim       = "n2"                   // the node phase 2 kills
	waitLong     = 2 * time.Minute
)

// readmeEnv names the variable that, set to a README's path, makes the test write its table
// between the README's cluster markers (make cluster-test README=1).
const readmeEnv = "CLUSTER_README"

// TestCluster runs one chat room over three instances behind HAProxy, fanned out through
// Redis: every line reaches every client exactly once and in its publisher's order while
// nothing fails; then one instance is killed, its clients come back through HAProxy on the
// others, and what they missed is measured.
func TestCluster(t *testing.T) {
	c, err := cluster.Start(t.Context(), nodes, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	t.Cleanup(func() { // runs before Stop: the logs of a failed run
		if t.Failed() {
			for _, name := range []string{"redis", "haproxy", "n1", "n2", "n3"} {
				t.Logf("%s.log:\n%s", name, tailLines(c.Log(name), 15))
			}
		}
	})
	var f figures
	f.start = time.Now()

	rm := join(t, "ws"+strings.TrimPrefix(c.URL, "http")+"/ws", clients, dialParallel)
	f.spread = spread(rm)
	t.Logf("%d clients through HAProxy: %v", clients, f.spread)
	// Round robin over three healthy nodes: 334/333/333, give or take a check's timing.
	within := cmp.Comparer(func(a, b int) bool { return a-b <= 3 && b-a <= 3 })
	if diff := cmp.Diff(map[string]int{"n1": 334, "n2": 333, "n3": 333}, f.spread, within); diff != "" {
		t.Errorf("clients per instance (-want +got):\n%s", diff)
	}
	pubs := choosePublishers(rm)

	t.Run("exactly once in order", func(t *testing.T) { phase1(t, c, rm, pubs, &f) })
	if t.Failed() {
		return
	}
	t.Run("failover", func(t *testing.T) { phase2(t, c, rm, pubs, &f) })
	if t.Failed() {
		return // no figures from a failed run
	}

	table := f.table()
	fmt.Println(table)
	if path := os.Getenv(readmeEnv); path != "" {
		if err := readme.Write(path, "cluster", table); err != nil {
			t.Error(err)
		}
	}
}

// spread counts the clients on each instance.
func spread(rm *room) map[string]int {
	n := map[string]int{}
	for _, r := range rm.rs {
		r.mu.Lock()
		n[r.instance]++
		r.mu.Unlock()
	}
	return n
}

// choosePublishers takes publishers clients spread over the instances in turn: n1, n2, n3,
// n1, ...
func choosePublishers(rm *room) []*publisher {
	byInstance := map[string][]*receiver{}
	for _, r := range rm.rs {
		byInstance[r.instance] = append(byInstance[r.instance], r)
	}
	names := slices.Sorted(maps.Keys(byInstance))
	var pubs []*publisher
	for i := range publishers {
		name := names[i%len(names)]
		pubs = append(pubs, &publisher{id: i, r: byInstance[name][i/len(names)]})
	}
	return pubs
}

// phase1: each publisher sends phase1Lines lines, paced; every client gets every line once,
// in each publisher's order (lines of different publishers interleave freely), and no node
// drops a delivery.
func phase1(t *testing.T, c *cluster.Cluster, rm *room, pubs []*publisher, f *figures) {
	begin := time.Now()
	var wg sync.WaitGroup
	for _, p := range pubs {
		wg.Go(func() {
			tick := time.NewTicker(phase1Every)
			defer tick.Stop()
			for range phase1Lines {
				<-tick.C
				if err := write(p.r.current(), lineOf(p.id, p.next.Add(1)-1)); err != nil {
					t.Errorf("publisher %d: %v", p.id, err)
					return
				}
			}
		})
	}
	wg.Wait()
	want := int64(clients * publishers * phase1Lines)
	waitUntil(t, waitLong, fmt.Sprintf("%d deliveries", want), func() bool { return rm.received.Load() >= want })
	f.phase1 = time.Since(begin)
	f.phase1Deliveries = want

	in := make([][]int, publishers)
	for p := range in {
		in[p] = seq(0, phase1Lines)
	}
	failed := 0
	for _, r := range rm.rs {
		r.mu.Lock()
		diff := cmp.Diff(in, r.seqs[:])
		r.mu.Unlock()
		if diff != "" {
			if failed++; failed <= 3 {
				t.Errorf("client %d on %s: lines per publisher (-want +got):\n%s", r.id, r.instance, diff)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d clients did not get every line once and in order", failed, clients)
	}

	// Every node: what it published, received and delivered, and nothing dropped.
	pubsOn := map[string]int{}
	for _, p := range pubs {
		pubsOn[p.r.instance]++
	}
	for _, nd := range c.Nodes {
		want := counters{
			Connections: int64(f.spread[nd.Name]),
			Published:   uint64(pubsOn[nd.Name] * phase1Lines),
			Received:    publishers * phase1Lines,
			Delivered:   uint64(f.spread[nd.Name] * publishers * phase1Lines),
		}
		// A publisher counts a PUBLISH once its reply is back, which may be a moment after
		// the line has gone round: wait a little for the figures to settle.
		var got counters
		deadline := time.Now().Add(5 * time.Second)
		for {
			s, err := c.NodeStats(t.Context(), nd.Name)
			if err != nil {
				t.Fatal(err)
			}
			got = counters{s.Server.Connections, s.Published, s.PublishErrors, s.Refused, s.Received, s.Delivered, s.Dropped, s.Server.DroppedInfos}
			if got == want || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond) // polling, with a deadline
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s's /stats (-want +got):\n%s", nd.Name, diff)
		}
	}
}

// counters are the /stats figures phase 1 checks.
type counters struct {
	Connections                       int64
	Published, PublishErrors, Refused uint64
	Received, Delivered, Dropped      uint64
	DroppedInfos                      uint64
}

// phase2: the publishers publish on; the victim node is killed; its clients redial through
// HAProxy and land on the other instances, its publishers go on with their numbers. Every
// client then gets every line published once all were back; the clients never cut off miss
// only the lines lost in flight to the dead node; no client gets a line twice or out of order.
func phase2(t *testing.T, c *cluster.Cluster, rm *room, pubs []*publisher, f *figures) {
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }() // when the test fails early
	for _, p := range pubs {
		wg.Go(func() { p.run(ctx, phase2Every) })
	}

	lead := func() []int64 { // each publisher's next number, phase2Lead lines on
		var to []int64
		for _, p := range pubs {
			to = append(to, p.next.Load()+phase2Lead)
		}
		return to
	}
	reach := func(what string, to []int64) {
		waitUntil(t, waitLong, what, func() bool {
			for i, p := range pubs {
				if p.next.Load() < to[i] {
					return false
				}
			}
			return true
		})
	}
	reach("publishing before the kill", lead())

	// HAProxy's health check marks the victim down after two failed checks; watch for it.
	downAt := make(chan time.Time, 1)
	wg.Go(func() {
		for ctx.Err() == nil {
			if s, err := c.Backends(ctx); err == nil && strings.HasPrefix(s[victim], "DOWN") {
				downAt <- time.Now()
				return
			}
			time.Sleep(5 * time.Millisecond) // polling HAProxy's stats page
		}
	})
	var affected []*receiver
	for _, r := range rm.rs {
		r.mu.Lock()
		if r.instance == victim {
			affected = append(affected, r)
		}
		r.mu.Unlock()
	}
	f.kill = time.Now()
	if err := c.Kill(victim); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, waitLong, "the victim's clients back", func() bool {
		for _, r := range affected {
			r.mu.Lock()
			back := !r.welcomed.IsZero()
			r.mu.Unlock()
			if !back {
				return false
			}
		}
		return true
	})
	from := make([]int64, publishers) // the first number written once every client was back
	for i, p := range pubs {
		from[i] = p.next.Load()
	}
	reach("publishing after all were back", lead())
	stop()
	wg.Wait()
	select {
	case d := <-downAt:
		f.markedDown = d.Sub(f.kill)
	case <-time.After(10 * time.Second):
		t.Errorf("HAProxy did not mark %s down", victim)
	}

	for _, p := range pubs {
		if err := write(p.r.current(), fmt.Appendf(nil, "p%d end", p.id)); err != nil {
			t.Fatalf("publisher %d's marker: %v", p.id, err)
		}
	}
	waitUntil(t, waitLong, "every publisher's marker at every client", func() bool {
		for _, r := range rm.rs {
			r.mu.Lock()
			all := !slices.Contains(r.ended[:], false)
			r.mu.Unlock()
			if !all {
				return false
			}
		}
		return true
	})
	check2(t, rm, pubs, affected, from, f)
}

// check2 checks phase 2's deliveries and fills in its figures.
func check2(t *testing.T, rm *room, pubs []*publisher, affected []*receiver, from []int64, f *figures) {
	f.affected = len(affected)
	isAffected := map[*receiver]bool{}
	for _, r := range affected {
		isAffected[r] = true
	}
	last := make([]int, publishers) // the last number written
	for i, p := range pubs {
		last[i] = int(p.next.Load()) - 1
	}
	// A line no client got was lost in flight: written to the victim, never published.
	seen := make([][]bool, publishers)
	for i := range seen {
		seen[i] = make([]bool, last[i]+1)
	}
	for _, r := range rm.rs {
		for p, s := range r.seqs {
			for _, n := range s {
				if n >= 0 && n <= last[p] { // beyond: the checks below fail
					seen[p][n] = true
				}
			}
		}
	}
	lost := make([][]int, publishers)
	for p := range seen {
		for n, ok := range seen[p] {
			if !ok {
				lost[p] = append(lost[p], n)
			}
		}
		if len(lost[p]) > 0 && pubs[p].r.cutFrom != victim {
			t.Errorf("publisher %d, never cut off, lost %v", p, lost[p])
		}
		f.lost += len(lost[p])
	}

	var reconnect, window []time.Duration
	var missedSum, missedMax int
	failures := 0
	fail := func(format string, args ...any) {
		if failures++; failures <= 5 {
			t.Errorf(format, args...)
		}
	}
	for _, r := range rm.rs {
		r.mu.Lock()
		if len(r.bad) > 0 {
			fail("client %d: unexpected lines %q", r.id, r.bad)
		}
		if !isAffected[r] && !r.cut.IsZero() {
			fail("client %d on %s was cut off", r.id, r.instance)
		}
		if isAffected[r] && r.instance == victim {
			fail("client %d came back on the dead node %s", r.id, victim)
		}
		missed := 0
		for p, got := range r.seqs {
			if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
				fail("client %d: publisher %d's numbers do not strictly increase: %v", r.id, p, got)
			}
			// Everything written once all were back.
			if diff := cmp.Diff(seq(int(from[p]), last[p]+1), after(got, int(from[p])), cmpopts.EquateEmpty()); diff != "" {
				fail("client %d: publisher %d's lines since all were back (-want +got):\n%s", r.id, p, diff)
			}
			want := without(seq(0, last[p]+1), lost[p])
			if !isAffected[r] {
				if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
					fail("client %d, never cut off: publisher %d's lines (-want +got):\n%s", r.id, p, diff)
				}
			}
			missed += len(want) - len(got)
		}
		if isAffected[r] {
			missedSum += missed
			missedMax = max(missedMax, missed)
			reconnect = append(reconnect, r.welcomed.Sub(f.kill))
			f.noticed = append(f.noticed, r.cut.Sub(f.kill))
			window = append(window, r.firstAfter.Sub(r.lastBefore))
			f.dials += r.dials
		}
		r.mu.Unlock()
	}
	if failures > 5 {
		t.Errorf("%d failures in all", failures)
	}
	f.reconnect, f.window = reconnect, window
	if len(affected) > 0 {
		f.missedMean = float64(missedSum) / float64(len(affected))
	}
	f.missedMax = missedMax
	for i, p := range pubs {
		f.phase2Lines += last[i] + 1 - phase1Lines
		f.writeErrors += p.lost
		if isAffected[p.r] {
			f.pubsCut++
		}
	}
}

// seq returns lo, lo+1, ..., hi-1.
func seq(lo, hi int) []int {
	var s []int
	for n := lo; n < hi; n++ {
		s = append(s, n)
	}
	return s
}

// after returns the numbers of s from lo on (s increasing).
func after(s []int, lo int) []int {
	i, _ := slices.BinarySearch(s, lo)
	if i == len(s) {
		return nil
	}
	return s[i:]
}

// without returns s less the numbers in drop.
func without(s, drop []int) []int {
	return slices.DeleteFunc(s, func(n int) bool { _, found := slices.BinarySearch(drop, n); return found })
}

// waitUntil polls cond every 10 ms until it holds, or fails the test after limit.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %v", what, limit)
		}
		time.Sleep(10 * time.Millisecond) // polling, with a deadline
	}
}

// tailLines returns the last n lines of s.
func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
