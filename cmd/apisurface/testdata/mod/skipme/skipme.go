// Package skipme is left out by -skip.
package skipme

// Skipped is not counted.
func Skipped() {}
