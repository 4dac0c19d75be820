package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/bronco-ws/bronco/client"
)

// suite is one client testee's run against a fuzzing server.
type suite struct {
	base    string        // the server's url, ws://host:port
	agent   string        // the name the reports are filed under
	timeout time.Duration // bound on each case and each command
	dialer  client.Dialer // used for the cases; commands dial without compression
}

// errTimedOut marks a case or command abandoned after suite.timeout.
var errTimedOut = errors.New("timed out")

// run asks for the case count, runs every case in order, logging one line per case to w,
// and asks for the reports. It fails when a command fails or when any case timed out; a
// case whose dial or connection failed is logged and scored by the server, not here: how a
// client fails is what some cases test.
func (s *suite) run(ctx context.Context, w io.Writer) error {
	count, err := s.caseCount(ctx)
	if err != nil {
		return fmt.Errorf("get case count: %w", err)
	}
	fmt.Fprintf(w, "testee-client: %d cases at %s, agent %s\n", count, s.base, s.agent)
	var hung []int
	started := time.Now()
	for n := 1; n <= count; n++ {
		t := time.Now()
		echoed, err := s.runCase(ctx, n)
		fmt.Fprintf(w, "case %d/%d: %d messages echoed in %v, %s\n", n, count, echoed,
			time.Since(t).Round(time.Millisecond), ending(err))
		if errors.Is(err, errTimedOut) {
			hung = append(hung, n)
		}
	}
	fmt.Fprintf(w, "testee-client: %d cases in %v\n", count, time.Since(started).Round(time.Second))
	if err := s.updateReports(ctx); err != nil {
		return fmt.Errorf("update reports: %w", err)
	}
	if len(hung) > 0 {
		return fmt.Errorf("%w: %d case(s), after %v each: %v", errTimedOut, len(hung), s.timeout, hung)
	}
	return nil
}

// ending describes how a case's connection ended, for the log.
func ending(err error) string {
	if err == nil {
		return "closed by the server"
	}
	return err.Error()
}

// caseCount asks the server how many cases it runs.
func (s *suite) caseCount(ctx context.Context) (int, error) {
	msgs, err := bounded(ctx, s.timeout, func(ctx context.Context) ([][]byte, error) {
		var plain client.Dialer
		c, _, err := plain.Dial(ctx, caseCountURL(s.base))
		if err != nil {
			return nil, err
		}
		return collect(c)
	})
	if err != nil {
		return 0, err
	}
	if len(msgs) != 1 {
		return 0, fmt.Errorf("got %d messages, want 1", len(msgs))
	}
	return parseCaseCount(msgs[0])
}

// runCase runs case n: dials with compression offered and echoes until the connection ends.
func (s *suite) runCase(ctx context.Context, n int) (int, error) {
	return bounded(ctx, s.timeout, func(ctx context.Context) (int, error) {
		c, _, err := s.dialer.Dial(ctx, runCaseURL(s.base, n, s.agent))
		if err != nil {
			return 0, fmt.Errorf("dial: %w", err)
		}
		return echo(c)
	})
}

// updateReports asks the server to write the agent's reports and waits until it has.
func (s *suite) updateReports(ctx context.Context) error {
	_, err := bounded(ctx, s.timeout, func(ctx context.Context) ([][]byte, error) {
		var plain client.Dialer
		c, _, err := plain.Dial(ctx, updateReportsURL(s.base, s.agent))
		if err != nil {
			return nil, err
		}
		return collect(c)
	})
	return err
}
