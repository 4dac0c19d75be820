package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat; Linux fixes it
// at 100 on every architecture Go supports.
const clockTicks = 100

// extraServerArgs go to every echo server (-serverargs), e.g. its profiling flags.
var extraServerArgs []string

var (
	errServerDied = errors.New("peers: server exited")
	errNotGo      = errors.New("peers: an external server has no Go runtime to ask")
)

// serverProc is one server child: an echo server (cmd/echo) or an external one (-external),
// pinned to its CPUs.
type serverProc struct {
	cmd   *exec.Cmd
	addr  string
	stdin io.WriteCloser // echo servers: closing it is the signal to exit
	out   *bufio.Scanner // echo servers: the address, then the answers to "stats"
	ended chan struct{}  // external servers: closed when the process has exited
	// stopping is set by stop: an exit from then on is expected.
	stopping atomic.Bool
	// external is set for a server that is not cmd/echo: it has no Go heap or goroutines to
	// report and no permessage-deflate setup.
	external bool
}

// startServer runs `echo -lib lib` under taskset (when the lib's CPU list is not empty)
// with GOMAXPROCS set to the size of that list, and waits for its address; an external
// lib goes to startExternal.
func startServer(s settings, lib string, compress, hibernate bool) (*serverProc, error) {
	cpu := s.serverCPU(lib)
	if command, ok := s.external[lib]; ok {
		return startExternal(lib, command, cpu, s.log)
	}
	args := []string{s.echo, "-lib", lib, "-compress=" + strconv.FormatBool(compress), "-hibernate=" + strconv.FormatBool(hibernate)}
	args = append(args, extraServerArgs...)
	cmd := exec.Command(pinned(cpu, args)[0], pinned(cpu, args)[1:]...)
	cmd.Env = serverEnv(os.Environ(), cpu)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = s.log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &serverProc{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	if !p.out.Scan() {
		p.stop()
		return nil, fmt.Errorf("%w before printing its address (%s)", errServerDied, lib)
	}
	p.addr = p.out.Text()
	return p, nil
}

// serverEnv is env for an echo server on the CPU list cpu: GOMAXPROCS is the number of CPUs
// in it, and unset (Go's default) when the server is not pinned, whatever this process has.
func serverEnv(env []string, cpu string) []string {
	env = slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, "GOMAXPROCS=") })
	if n := cpuCount(cpu); n > 0 {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(n))
	}
	return env
}

// pinned prefixes args with taskset when cpu names CPUs.
func pinned(cpu string, args []string) []string {
	if cpu == "" {
		return args
	}
	return append([]string{"taskset", "-c", cpu}, args...)
}

// listenTimeout bounds how long an external server may take to accept connections.
const listenTimeout = 10 * time.Second

// startExternal runs an external server's command line, split at spaces, with {port}
// replaced by a free loopback port, under taskset like the echo servers, and waits until
// the port accepts a connection. Its output goes to the server log. It inherits SIGPIPE
// ignored (see ignoreSIGPIPE).
func startExternal(lib, command, cpu string, logw io.Writer) (*serverProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := pinned(cpu, strings.Fields(strings.ReplaceAll(command, "{port}", port)))
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = logw, logw
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", lib, err)
	}
	p := &serverProc{cmd: cmd, addr: net.JoinHostPort("127.0.0.1", port), ended: make(chan struct{}), external: true}
	go func() {
		if err := cmd.Wait(); !p.stopping.Load() {
			progress("%s exited before it was stopped: %v", lib, err) // a crash, not a figure
		}
		close(p.ended)
	}()
	if err := p.awaitListening(listenTimeout); err != nil {
		p.stop()
		return nil, fmt.Errorf("%s: %w", lib, err)
	}
	return p, nil
}

// ignoreSIGPIPE makes this process ignore SIGPIPE, which its children inherit across exec:
// a C or C++ server that writes with write or writev to a socket the load generator has
// reset would otherwise be killed at the end of a cell (uSockets does not ignore it
// itself). Go programs, the echo servers included, install their own handler either way.
func ignoreSIGPIPE() { signal.Ignore(syscall.SIGPIPE) }

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

// awaitListening dials the server's address until a connection succeeds, the process
// exits, or the deadline passes.
func (p *serverProc) awaitListening(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		nc, err := net.DialTimeout("tcp", p.addr, 100*time.Millisecond)
		if err == nil {
			return nc.Close()
		}
		select {
		case <-p.ended:
			return fmt.Errorf("%w before listening on %s", errServerDied, p.addr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("peers: nothing listening on %s after %v: %w", p.addr, timeout, err)
		}
	}
}

// stop ends the child: an echo server exits when its stdin closes, an external one is sent
// SIGTERM; either is killed if it lingers.
func (p *serverProc) stop() {
	p.stopping.Store(true)
	done := p.ended
	if p.external {
		p.cmd.Process.Signal(syscall.SIGTERM)
	} else {
		p.stdin.Close()
		done = make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
	}
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// stats asks the child for its live heap plus stacks and its goroutine count.
func (p *serverProc) stats() (heap, goroutines int64, err error) {
	if p.external {
		return 0, 0, errNotGo
	}
	if _, err := fmt.Fprintln(p.stdin, "stats"); err != nil {
		return 0, 0, err
	}
	if !p.out.Scan() {
		return 0, 0, errServerDied
	}
	_, err = fmt.Sscan(p.out.Text(), &heap, &goroutines)
	return heap, goroutines, err
}

// cpuTime is the child's user and system CPU time so far, all threads included.
func (p *serverProc) cpuTime() (user, sys time.Duration, err error) {
	return procCPU(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
}

// procCPU reads the user and system CPU time of a process from its /proc stat file.
func procCPU(statPath string) (user, sys time.Duration, err error) {
	b, err := os.ReadFile(statPath)
	if err != nil {
		return 0, 0, err
	}
	// The command name may hold spaces; the fields after it start past the last ')'.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, 0, fmt.Errorf("peers: short /proc stat: %q", s)
	}
	ut, err1 := strconv.ParseInt(fields[11], 10, 64) // field 14, utime
	st, err2 := strconv.ParseInt(fields[12], 10, 64) // field 15, stime
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, err
	}
	tick := time.Second / clockTicks
	return time.Duration(ut) * tick, time.Duration(st) * tick, nil
}

// rss is the child's resident set size in bytes.
func (p *serverProc) rss() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("peers: no VmRSS for pid %d", p.cmd.Process.Pid)
}

// syscalls is how many read-like and write-like system calls the child has made, from
// /proc/<pid>/io (syscr, syscw): what decides an echo server's cost per message.
func (p *serverProc) syscalls() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	var total int64
	for _, line := range strings.Split(string(b), "\n") {
		name, v, _ := strings.Cut(line, ":")
		if name == "syscr" || name == "syscw" {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return 0, err
			}
			total += n
		}
	}
	return total, nil
}
