package cluster_test

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/bronco-ws/bronco/examples/cluster"
)

// figures are what a run measured, for the table.
type figures struct {
	start  time.Time
	spread map[string]int

	phase1           time.Duration // first write to last delivery
	phase1Deliveries int64

	kill        time.Time
	markedDown  time.Duration // kill to HAProxy's DOWN
	affected    int           // clients on the killed node
	pubsCut     int           // publishers among them
	phase2Lines int           // lines written in phase 2, lost ones included
	reconnect   []time.Duration
	noticed     []time.Duration // kill to the client's read error
	window      []time.Duration
	dials       int // dial attempts of the affected clients
	missedMean  float64
	missedMax   int
	lost        int // lines no client got: lost in flight to the killed node
	writeErrors int // of which the publisher's write failed
}

// table renders the figures as the README's section.
func (f *figures) table() string {
	haproxy, redis := cluster.Versions()
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s by `make cluster-test` (`go test -v` in examples/cluster): %d CPUs (`nproc`), %s %s/%s, %s, %s; Redis, HAProxy, the %d nodes and the %s clients all on this machine.\n\n",
		f.start.UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH,
		"HAProxy "+word(haproxy, 3), "Redis "+strings.TrimPrefix(word(redis, 3), "v="), nodes, thousands(clients))
	rows := [][2]string{
		{"clients through HAProxy", fmt.Sprintf("%s: %s", thousands(clients), spreadText(f.spread))},
		{"phase 1: exactly once, in order", fmt.Sprintf("%d publishers × %d lines, one per %v each (%s deliveries/s offered): %s deliveries in %.2f s, **%s deliveries/s**; every client got every line once and in each publisher's order; 0 dropped on every node",
			publishers, phase1Lines, phase1Every, thousands(float64(clients*publishers)/phase1Every.Seconds()),
			thousands(float64(f.phase1Deliveries)), f.phase1.Seconds(), thousands(float64(f.phase1Deliveries)/f.phase1.Seconds()))},
		{"phase 2: failover", fmt.Sprintf("%d publishers, one line per %v each (%s deliveries/s offered), %d lines in all; %s killed with SIGKILL",
			publishers, phase2Every, thousands(float64(clients*publishers)/phase2Every.Seconds()), f.phase2Lines, victim)},
		{"clients cut off", fmt.Sprintf("%d (%d publishers among them), all back on the other instances", f.affected, f.pubsCut)},
		{"HAProxy marked " + victim + " down", "after " + ms(f.markedDown)},
		{"reconnect, kill to welcome", fmt.Sprintf("p50 %s, p99 %s, max %s (%d dial attempts for %d clients; the cut seen p50 %s, max %s after the kill)",
			ms(pct(f.reconnect, 50)), ms(pct(f.reconnect, 99)), ms(pct(f.reconnect, 100)), f.dials, f.affected,
			ms(pct(f.noticed, 50)), ms(pct(f.noticed, 100)))},
		{"lines missed per cut-off client", fmt.Sprintf("mean %.1f, max %d, beside those lost in flight", f.missedMean, f.missedMax)},
		{"loss window per cut-off client", fmt.Sprintf("p50 %s, max %s (its last line before the cut to its first after the welcome)",
			ms(pct(f.window, 50)), ms(pct(f.window, 100)))},
		{"lines lost in flight to the killed node", fmt.Sprintf("%d (%d of them failed to write); clients never cut off missed nothing else", f.lost, f.writeErrors)},
	}
	b.WriteString("| | |\n| --- | --- |\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s |\n", r[0], r[1])
	}
	return b.String()
}

// word returns the n-th word of s (from 1), or s when it has fewer.
func word(s string, n int) string {
	w := strings.Fields(s)
	if len(w) < n {
		return s
	}
	return w[n-1]
}

func spreadText(n map[string]int) string {
	var parts []string
	for i := range nodes {
		name := fmt.Sprintf("n%d", i+1)
		parts = append(parts, fmt.Sprintf("%s %d", name, n[name]))
	}
	return strings.Join(parts, ", ")
}

// pct returns the p-th percentile of ds (100: the maximum).
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	return s[min(len(s)-1, len(s)*p/100)]
}

// thousands writes x rounded, with a space between groups of three digits: 300 449.
func thousands(x float64) string {
	s := fmt.Sprintf("%.0f", x)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + " " + s[i:]
	}
	return s
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
