//go:build !linux

package server

import "testing"

func loopSleeping(*Conn) bool { return false }

// failLoopAccepts: there are no event loops to accept here.
func failLoopAccepts(t *testing.T, _ []error) { t.Skip("no event loops on this system") }
