// Package xconnect lets a test binary serve RFC 8441 (WebSocket over HTTP/2): net/http's
// HTTP/2 server takes extended CONNECT requests only when GODEBUG=http2xconnect=1 is in the
// environment when the process starts, so a TestMain runs the binary again with it.
package xconnect

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

const setting = "http2xconnect=1"

// Enabled reports whether this process started with extended CONNECT on.
func Enabled() bool { return strings.Contains(os.Getenv("GODEBUG"), setting) }

// Rerun runs this binary again with the same arguments, standard streams and environment,
// plus GODEBUG=http2xconnect=1, and returns its exit code for os.Exit.
func Rerun() int {
	godebug := setting
	if prev := os.Getenv("GODEBUG"); prev != "" {
		godebug = prev + "," + setting
	}
	cmd := exec.Command(os.Args[0], os.Args[1:]...)
	cmd.Env = append(os.Environ(), "GODEBUG="+godebug)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	}
	fmt.Fprintln(os.Stderr, "xconnect: running again with GODEBUG="+godebug+":", err)
	return 2
}
