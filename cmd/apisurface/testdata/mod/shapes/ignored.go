//go:build ignore

package main

// Ignored is in a file no build includes.
func Ignored() {}
