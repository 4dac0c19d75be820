package shapes

// LinuxOnly builds for linux/amd64.
func LinuxOnly() {}
