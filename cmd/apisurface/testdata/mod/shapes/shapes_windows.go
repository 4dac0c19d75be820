package shapes

// WindowsOnly does not build for linux/amd64.
func WindowsOnly() {}
