//go:build race

// Package race reports whether the race detector is on, so that allocation tests can step
// aside when its instrumentation allocates.
package race

// Enabled is true when built with -race.
const Enabled = true
