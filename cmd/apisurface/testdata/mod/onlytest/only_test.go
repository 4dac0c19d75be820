package onlytest

// Test files alone make no package.
func Exported() {}
