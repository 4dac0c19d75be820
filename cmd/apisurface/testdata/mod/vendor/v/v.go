// Package skipme is left out by -skip.
package v

// Skipped is not counted.
func Skipped() {}
