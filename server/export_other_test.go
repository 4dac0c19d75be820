//go:build !linux

package server

func loopSleeping(*Conn) bool { return false }
