package shapes

// TestOnly is in a test file.
func TestOnly() {}
