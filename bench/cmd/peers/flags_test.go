package main

import (
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseCPUList(t *testing.T) {
	tests := []struct {
		list    string
		want    int
		wantErr bool
	}{
		{"", 0, false}, {"0", 1, false}, {"0-1", 2, false}, {"0,2-3", 3, false},
		{"1-0", 0, true}, {"a", 0, true}, {"0,", 0, true}, {"-1", 0, true},
	}
	for _, tt := range tests {
		got, err := parseCPUList(tt.list)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseCPUList(%q) = %d, %v; want %d, error %t", tt.list, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestNamedValues(t *testing.T) {
	nv := namedValues{check: checkExternal}
	for _, s := range []string{"uws=/opt/uws/echo {port}", "other=srv -p {port} -q", "uws=/bin/echo2 {port}"} {
		if err := nv.Set(s); err != nil {
			t.Fatalf("Set(%q): %v", s, err)
		}
	}
	if got := strings.Join(nv.names, ","); got != "uws,other" {
		t.Errorf("names %q, want uws,other (in first-given order, once each)", got)
	}
	if got := nv.values["uws"]; got != "/bin/echo2 {port}" {
		t.Errorf("uws = %q, want the last value given", got)
	}
	for _, bad := range []string{"noequals", "=cmd {port}", "uws=/opt/uws/echo", "uws=", "bronco=x {port}", "a,b=x {port}"} {
		if err := nv.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
	cpus := namedValues{check: checkCPUList}
	if err := cpus.Set("bronco-loop2=0-1"); err != nil {
		t.Error(err)
	}
	if err := cpus.Set("bronco-loop2=x"); err == nil {
		t.Error("a bad CPU list was accepted")
	}
}

// The markdown says n/a where a metric does not apply to a library, — where it was not
// measured, and keeps samples of a key that does not apply out of the medians.
func TestMarkdownNotApplicable(t *testing.T) {
	res := newResults([]string{"bronco-loop", "ext"})
	res.notApplicable("ext", externalNA()...)
	res.add(keyRSS, "bronco-loop", 2)
	res.add(keyRSS, "ext", 0.5)
	res.add(keyHeap, "bronco-loop", 1)
	res.add(keyHeap, "ext", 9) // not applicable: dropped
	res.add(keyRSSHibernated, "bronco-loop", 2)
	md := res.report(machine{}).markdown()
	for _, want := range []string{
		"| idle RSS per conn (KiB) | **2.00** | 0.50 (0.25×) |",
		"| idle Go heap+stacks per conn (KiB) | **1.00** | n/a |",
		"| idle RSS per conn, hibernated (KiB) | **2.00** | — |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("table lacks %q:\n%s", want, md)
		}
	}
}

// listenerEnv makes this test binary, started as an external server, listen on the port
// given after "--" until it is killed (TestHelperListener).
const listenerEnv = "PEERS_TEST_LISTENER"

func TestHelperListener(t *testing.T) {
	if os.Getenv(listenerEnv) == "" {
		t.Skip("run by TestStartExternal only")
	}
	port := os.Args[len(os.Args)-1]
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		os.Exit(3)
	}
	for {
		if nc, err := l.Accept(); err == nil {
			nc.Close()
		}
	}
}

func TestStartExternal(t *testing.T) {
	t.Setenv(listenerEnv, "1")
	p, err := startExternal("helper", os.Args[0]+" -test.run=^TestHelperListener$ -- {port}", "", os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if rss, err := p.rss(); err != nil || rss <= 0 {
		t.Errorf("rss = %d, %v", rss, err)
	}
	if _, _, err := p.stats(); !errors.Is(err, errNotGo) {
		t.Errorf("stats error %v, want errNotGo", err)
	}
	start := time.Now()
	p.stop()
	if time.Since(start) > 2*time.Second {
		t.Errorf("stop took %v: SIGTERM did not end the server", time.Since(start))
	}

	// A command that exits before listening is an error, found before the deadline.
	start = time.Now()
	if _, err := startExternal("quitter", "false {port}", "", os.Stderr); !errors.Is(err, errServerDied) {
		t.Errorf("error %v, want errServerDied", err)
	}
	if time.Since(start) > listenTimeout/2 {
		t.Errorf("took %v to notice the exit", time.Since(start))
	}
}

func TestServerEnv(t *testing.T) {
	env := []string{"A=1", "GOMAXPROCS=1", "B=2"}
	if got := strings.Join(serverEnv(env, "0-1"), " "); got != "A=1 B=2 GOMAXPROCS=2" {
		t.Errorf("pinned to 0-1: %q", got)
	}
	if got := strings.Join(serverEnv(env, ""), " "); got != "A=1 B=2" {
		t.Errorf("unpinned: %q, want GOMAXPROCS unset", got)
	}
	if env[1] != "GOMAXPROCS=1" {
		t.Error("serverEnv changed its argument")
	}
}
