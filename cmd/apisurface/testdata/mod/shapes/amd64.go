//go:build amd64 && !purego

package shapes

// AMD64 builds for linux/amd64.
const AMD64 = true
