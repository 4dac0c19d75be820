//go:build linux

package main

import (
	"fmt"
	"syscall"
	"time"
)

// sampleEvery is how often the child is sampled during an attack: often enough to catch a
// burst that a 16 MiB buffer lives for, rare enough that ReadMemStats' brief stop of the
// world does not show in the honest clients' latency.
const sampleEvery = 50 * time.Millisecond

// peak is the highest of each sampled quantity during an attack.
type peak struct {
	mem, rss   uint64
	goroutines int
	conns      int64
	samples    int
	last       stats
}

// sampler polls a child's stats in the background.
type sampler struct {
	ch   *child
	stop chan struct{}
	done chan peak
}

// startSampler begins sampling ch, starting from the before stats.
func startSampler(ch *child, before stats) *sampler {
	s := &sampler{ch: ch, stop: make(chan struct{}), done: make(chan peak, 1)}
	go func() {
		p := peak{mem: before.mem(), rss: before.RSS, goroutines: before.Goroutines, conns: before.Conns, last: before}
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				s.done <- p
				return
			case <-t.C:
			}
			st, err := ch.stats()
			if err != nil {
				// The child died or stopped answering: the row reports it; keep what we have.
				<-s.stop
				s.done <- p
				return
			}
			p.samples++
			p.last = st
			p.mem = max(p.mem, st.mem())
			p.rss = max(p.rss, st.RSS)
			p.goroutines = max(p.goroutines, st.Goroutines)
			p.conns = max(p.conns, st.Conns)
		}
	}()
	return s
}

// finish stops sampling and returns the peaks.
func (s *sampler) finish() peak {
	close(s.stop)
	return <-s.done
}

// mib formats bytes in MiB with one decimal.
func mib(b uint64) string { return fmt.Sprintf("%.1f", float64(b)/(1<<20)) }

// sizeString formats a byte count for prose: KiB or MiB.
func sizeString(b int64) string {
	switch {
	case b >= 1<<20 && b%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", b>>20)
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b >= 1<<10 && b%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", b>>10)
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", b)
}

// secs formats a duration for prose: ms below a second, else seconds with one decimal.
func secs(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// secsRange formats the spread of durations, "2.0–2.1 s" or "40–90 ms".
func secsRange(a, b time.Duration) string {
	if b < time.Second {
		return fmt.Sprintf("%d–%d ms", a.Milliseconds(), b.Milliseconds())
	}
	return fmt.Sprintf("%.1f–%.1f s", a.Seconds(), b.Seconds())
}

// growth is how far a exceeds b, 0 if it does not.
func growth(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return 0
}

// raiseNoFile lifts the parent's soft descriptor limit to the hard one: the held-connections
// attack keeps 5 000 sockets open at once, more than a default soft limit of 1 024.
func raiseNoFile() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, err
		}
	}
	return lim.Cur, nil
}
