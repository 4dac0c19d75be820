package main

// Exported names of a main package are not counted.
func Exported() {}

func main() {}
