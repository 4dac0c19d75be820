// Package sub is in another module.
package sub

// Sub is not counted.
func Sub() {}
