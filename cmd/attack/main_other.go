//go:build !linux

package main

import (
	"fmt"
	"os"
)

// main refuses to run: the suite measures /proc, lowers RLIMIT_NOFILE and drives the epoll
// event loop, all Linux-only; this file keeps `GOOS=darwin go vet ./...` building.
func main() {
	fmt.Fprintln(os.Stderr, "attack: Linux only (epoll event loop, /proc, RLIMIT_NOFILE)")
	os.Exit(2)
}
