//go:build linux

package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// Limits every row is held to, whatever the attack.
const (
	// leakSlack is how much more live memory the server may hold after an attack than before:
	// room for the runtime's own noise, far below what the leaks the attacks would expose
	// cost (the non-readers' 64 messages and echoes alone would be 128 MiB, 5 000 held
	// connections' state tens of MiB).
	leakSlack = 8 << 20
	// goroutineSlack allows for the runtime's and net/http's own goroutines coming and going.
	goroutineSlack = 2
	// honestP99Limit is a sane round trip for a 64-byte echo on loopback even on a loaded
	// two-core machine; beyond it the server has stalled its honest clients.
	honestP99Limit = time.Second
	// settleTimeout bounds the wait for the server to end the attacker's connections once
	// the attacker closed them.
	settleTimeout = 15 * time.Second
)

// attack is one adversarial scenario.
type attack struct {
	name  string
	quick bool // part of -quick
	// child is what the attack asks of its server beyond the options every row runs with
	// (a lower RLIMIT_NOFILE, MaxConnections, BackpressureClose); when it asks anything,
	// the attack runs on a fresh child of its own, so that no other row runs with it.
	child childOverrides
	last  bool // ends the child: run after every other attack of the setup
	run   func(e *env) outcome
}

// env is what an attack works with.
type env struct {
	setup    setup
	ch       *child
	info     childInfo
	addr     string
	quick    bool
	before   stats   // the child's stats as the attack starts (after a collection)
	honest   *honest // the honest load running beside the attack
	baseline float64 // the honest round trips per second of this setup's baseline row

	samplerOnce sync.Once
	sampler     *sampler
	peak        peak
}

// stopSampling ends the memory sampling early, for an attack that is about to end the
// child (the sampler's next command would take the child's last answer).
func (e *env) stopSampling() {
	e.samplerOnce.Do(func() { e.peak = e.sampler.finish() })
}

// outcome is what an attack reports; run checks the rest (leaks, honest service).
type outcome struct {
	seen     string   // what the attacker observed: codes, statuses, counts
	problems []string // why the row did not hold; empty when it did
	notes    []string // what a held row adds to its "held" (memory per connection, say)

	peakBound   uint64  // the most the peak may exceed the before memory by; 0: unchecked
	peakPerConn int     // > 0: the seen column adds the peak's growth divided by this many clients
	honestFloor float64 // the least share of the baseline honest throughput; 0: unchecked
	ended       bool    // the child has exited (shutdown): no after, honest closes expected
}

// fail records why the row does not hold.
func (o *outcome) fail(format string, args ...any) {
	o.problems = append(o.problems, fmt.Sprintf(format, args...))
}

// row is one line of the table.
type row struct {
	attack, setup string
	order         int
	limits        childInfo // the server's address and limits
	held          bool
	outcome       string
	seen          string
	before, after stats
	hasAfter      bool
	peak          peak
	honest        honestStats
	took          time.Duration
}

// minWindow is the least time an attack's measuring window lasts, so that the honest
// throughput of a quick attack is not the rate of a handful of round trips.
func minWindow(quick bool) time.Duration {
	if quick {
		return 500 * time.Millisecond
	}
	return time.Second
}

// runRow runs one attack against ch with the honest load beside it and judges the result.
// ref is the child's goroutine count at rest.
func runRow(a attack, order int, s setup, ch *child, ref int, quick bool, baseline float64) row {
	start := time.Now()
	r := row{attack: a.name, setup: s.String(), order: order, limits: ch.info}
	failRow := func(why string) row {
		r.outcome = "FAILED: " + why
		r.took = time.Since(start)
		return r
	}
	h, err := startHonest(ch.info.Addr)
	if err != nil {
		return failRow(err.Error())
	}
	defer h.stop()
	time.Sleep(300 * time.Millisecond) // the honest loops and the child's buffers warm up
	before, err := ch.free()
	if err != nil {
		return failRow(err.Error())
	}
	e := &env{setup: s, ch: ch, info: ch.info, addr: ch.info.Addr, quick: quick, before: before, honest: h, baseline: baseline}
	r.before = before
	h.reset()
	e.sampler = startSampler(ch, before)
	windowStart := time.Now()
	o := a.run(e)
	if d := minWindow(quick) - time.Since(windowStart); d > 0 && !o.ended {
		time.Sleep(d)
	}
	r.honest = h.snapshot()
	e.stopSampling()
	r.peak = e.peak
	h.stop()
	r.seen = o.seen

	problems := o.problems
	if !o.ended {
		if !ch.alive() {
			problems = append(problems, "server process died: "+ch.stderr.tail(400))
		} else {
			after, settled := settle(ch, ref)
			r.after, r.hasAfter = after, true
			if !settled {
				problems = append(problems, fmt.Sprintf("server still had %d connections and %d goroutines (at rest %d) %v after the attack ended", after.Conns, after.Goroutines, ref, settleTimeout))
			} else if after.Goroutines > ref+goroutineSlack {
				problems = append(problems, fmt.Sprintf("goroutine leak: %d after, %d at rest", after.Goroutines, ref))
			}
			if after.mem() > before.mem()+leakSlack {
				problems = append(problems, fmt.Sprintf("memory leak: %s MiB after vs %s MiB before", mib(after.mem()), mib(before.mem())))
			}
			if after.ServeErr != "" {
				problems = append(problems, "Serve returned: "+after.ServeErr)
			}
		}
		hs := r.honest
		switch {
		case len(hs.errs) > 0:
			problems = append(problems, fmt.Sprintf("%d honest clients failed, first: %s", len(hs.errs), hs.errs[0]))
		case hs.msgs == 0:
			problems = append(problems, "no honest echo during the attack")
		case hs.p99 > honestP99Limit:
			problems = append(problems, fmt.Sprintf("honest p99 %v > %v", hs.p99.Round(time.Millisecond), honestP99Limit))
		}
	}
	if o.honestFloor > 0 && baseline > 0 && r.honest.rate < o.honestFloor*baseline {
		problems = append(problems, fmt.Sprintf("honest throughput %.0f%% of baseline < %.0f%%", 100*r.honest.rate/baseline, 100*o.honestFloor))
	}
	if o.peakPerConn > 0 {
		// Known only once the sampler stopped, after the attack wrote its column.
		r.seen += fmt.Sprintf("; server peak %s MiB per client (heap+stacks)", mib(growth(r.peak.mem, before.mem())/uint64(o.peakPerConn)))
	}
	if o.peakBound > 0 && growth(r.peak.mem, before.mem()) > o.peakBound {
		problems = append(problems, fmt.Sprintf("peak grew %s MiB > bound %s MiB", mib(growth(r.peak.mem, before.mem())), mib(o.peakBound)))
	}
	r.held = len(problems) == 0
	if r.held {
		r.outcome = strings.Join(append([]string{"held"}, o.notes...), "; ")
	} else {
		r.outcome = "FAILED: " + strings.Join(problems, "; ")
	}
	r.took = time.Since(start)
	return r
}

// settle waits until the server has ended every connection of the attack (and of the
// honest load) and its goroutines are back to rest, then measures it after a collection.
// It reports false when the server did not get there within settleTimeout.
func settle(ch *child, ref int) (stats, bool) {
	deadline := time.Now().Add(settleTimeout)
	for {
		st, err := ch.stats()
		if err != nil {
			return st, false
		}
		if st.Conns == 0 && (ref < 0 || st.Goroutines <= ref+goroutineSlack) {
			break
		}
		if time.Now().After(deadline) {
			return st, false
		}
		time.Sleep(100 * time.Millisecond)
	}
	st, err := ch.free()
	return st, err == nil
}

// calibrate runs the honest load briefly on a fresh child and returns its goroutine count
// at rest afterwards: the reference for leaks, which includes whatever starts with the
// first connection (the event loop) and stays.
func calibrate(ch *child) (int, error) {
	h, err := startHonest(ch.info.Addr)
	if err != nil {
		return 0, err
	}
	time.Sleep(200 * time.Millisecond)
	h.stop()
	if _, ok := settle(ch, -1); !ok {
		return 0, fmt.Errorf("server did not settle after the calibration load")
	}
	time.Sleep(200 * time.Millisecond)
	st, err := ch.stats()
	return st.Goroutines, err
}

// runSetup runs every selected attack against one setup, in the order of attacks: on one
// child, restarted if an attack killed it, with the attacks that need a child of their own
// on fresh ones and the one that ends the child last.
func runSetup(s setup, list []attack, quick bool, progress func(row)) []row {
	mainCfg := childConfig{setup: s, idle: 3 * time.Second, handshake: 2 * time.Second}
	var rows []row
	var ch *child
	ref := 0
	baseline := 0.0
	fail := func(a attack, order int, err error) {
		r := row{attack: a.name, setup: s.String(), order: order, outcome: "FAILED: " + err.Error()}
		rows = append(rows, r)
		progress(r)
	}
	ensure := func() error {
		if ch != nil && ch.alive() {
			return nil
		}
		var err error
		if ch, err = startChild(mainCfg); err != nil {
			return err
		}
		if ref, err = calibrate(ch); err != nil {
			ch.kill()
			ch = nil
			return err
		}
		return nil
	}
	run := func(a attack, order int) {
		if !a.child.isZero() {
			cfg := mainCfg
			cfg.childOverrides = a.child
			own, err := startChild(cfg)
			if err != nil {
				fail(a, order, err)
				return
			}
			defer own.stop()
			ownRef, err := calibrate(own)
			if err != nil {
				fail(a, order, err)
				return
			}
			r := runRow(a, order, s, own, ownRef, quick, baseline)
			rows = append(rows, r)
			progress(r)
			return
		}
		if err := ensure(); err != nil {
			fail(a, order, err)
			return
		}
		r := runRow(a, order, s, ch, ref, quick, baseline)
		if a.name == "baseline" {
			baseline = r.honest.rate
		}
		rows = append(rows, r)
		progress(r)
	}
	var last []int
	for i, a := range list {
		if a.last {
			last = append(last, i)
			continue
		}
		run(a, i)
	}
	for _, i := range last {
		run(list[i], i)
	}
	if ch != nil {
		ch.stop()
	}
	return rows
}

// logf prints progress to stderr, away from the table on stdout.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
