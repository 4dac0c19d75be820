//go:build !linux || purego

package shapes

// NotLinux does not build for linux/amd64.
func NotLinux() {}
