package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat; Linux fixes it
// at 100 on every architecture Go supports.
const clockTicks = 100

// extraServerArgs go to every echo server (-serverargs), e.g. its profiling flags.
var extraServerArgs []string

var errServerDied = errors.New("peers: echo server exited")

// serverProc is one echo server child, pinned to its own core.
type serverProc struct {
	cmd   *exec.Cmd
	addr  string
	stdin io.WriteCloser
	out   *bufio.Scanner
}

// startServer runs `echo -lib lib` under taskset (when cpu is not empty) with GOMAXPROCS=1
// and waits for its address.
func startServer(bin, lib, cpu string, compress, hibernate bool, logw io.Writer) (*serverProc, error) {
	args := []string{bin, "-lib", lib, "-compress=" + strconv.FormatBool(compress), "-hibernate=" + strconv.FormatBool(hibernate)}
	args = append(args, extraServerArgs...)
	if cpu != "" {
		args = append([]string{"taskset", "-c", cpu}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logw
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

// stop closes the child's stdin, its signal to exit, and kills it if it lingers.
func (p *serverProc) stop() {
	p.stdin.Close()
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// stats asks the child for its live heap plus stacks and its goroutine count.
func (p *serverProc) stats() (heap, goroutines int64, err error) {
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
