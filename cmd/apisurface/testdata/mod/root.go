// Package mod is the root package of the test module.
package mod

// Root counts under the module's own name.
type Root struct{ A, B int }
