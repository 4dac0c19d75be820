// Package tests is counted; its testdata directory is not.
package tests

// Counted counts.
var Counted = 1
