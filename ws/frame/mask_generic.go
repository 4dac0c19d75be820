//go:build !amd64 || purego

package frame

import "math"

// bulkMin disables the bulk path: without assembly, maskGeneric does all the work.
const bulkMin = math.MaxInt

// maskBulk masks nothing; it exists so that Mask reads the same on every architecture.
func maskBulk(b []byte, key uint32) int { return 0 }
