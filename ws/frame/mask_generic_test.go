//go:build !amd64 || purego

package frame

import "testing"

// forEachBulkRoutine runs f once: without assembly, Mask is maskGeneric alone.
func forEachBulkRoutine(t *testing.T, f func(t *testing.T)) {
	t.Run("generic", f)
}
