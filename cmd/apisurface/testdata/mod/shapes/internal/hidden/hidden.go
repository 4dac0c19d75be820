package hidden

// Hidden is under internal/.
func Hidden() {}
