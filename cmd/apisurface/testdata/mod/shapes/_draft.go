package shapes

// Draft is in a file whose name starts with an underscore.
func Draft() {}
