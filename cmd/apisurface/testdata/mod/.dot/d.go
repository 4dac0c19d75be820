// Package skipme is left out by -skip.
package dot

// Skipped is not counted.
func Skipped() {}
