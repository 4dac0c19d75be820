package main

import (
	"fmt"
	"strconv"
	"strings"
)

// namedValues is a repeatable flag of name=value pairs (-external, -lib-cpu), in the order
// given; check vets each value.
type namedValues struct {
	names  []string
	values map[string]string
	check  func(name, value string) error
}

func (nv *namedValues) String() string {
	if nv == nil {
		return ""
	}
	var parts []string
	for _, n := range nv.names {
		parts = append(parts, n+"="+nv.values[n])
	}
	return strings.Join(parts, " ")
}

func (nv *namedValues) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.Contains(name, ",") {
		return fmt.Errorf("want name=value, got %q", s)
	}
	if nv.check != nil {
		if err := nv.check(name, value); err != nil {
			return err
		}
	}
	if nv.values == nil {
		nv.values = map[string]string{}
	}
	if _, dup := nv.values[name]; !dup {
		nv.names = append(nv.names, name)
	}
	nv.values[name] = value
	return nil
}

// checkExternal vets an -external command line: it must name a program and say where the
// port goes, and must not take the name of an echo server.
func checkExternal(name, command string) error {
	if _, ok := echoLibs[name]; ok {
		return fmt.Errorf("%q is an echo server of cmd/echo; give the external one another name", name)
	}
	if len(strings.Fields(command)) == 0 || !strings.Contains(command, "{port}") {
		return fmt.Errorf("%s: the command line must contain {port}, got %q", name, command)
	}
	return nil
}

// checkCPUList vets a -lib-cpu value.
func checkCPUList(_, list string) error {
	_, err := parseCPUList(list)
	return err
}

// echoLibs are the servers cmd/echo has, for checkExternal; bronco-loop2 is not in the
// default matrix (it wants two cores, -lib-cpu).
var echoLibs = func() map[string]bool {
	m := map[string]bool{"bronco-loop2": true}
	for _, l := range allLibs {
		m[l] = true
	}
	return m
}()

// parseCPUList counts the CPUs of a taskset list such as "0", "0-1" or "0,2-3"; an empty
// list (no pinning) has none.
func parseCPUList(list string) (int, error) {
	if list == "" {
		return 0, nil
	}
	n := 0
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 0 || b < a {
			return 0, fmt.Errorf("bad CPU list %q", list)
		}
		n += b - a + 1
	}
	return n, nil
}

// cpuCount is the number of CPUs in a list that parseCPUList accepted.
func cpuCount(list string) int {
	n, _ := parseCPUList(list)
	return n
}
