package main

import (
	"fmt"
	"time"
)

// memoryResult is the server's cost of one idle connection.
type memoryResult struct {
	rssPerConn, heapPerConn float64 // bytes
	goroutinesPerConn       float64
}

// runMemory opens n connections to a fresh server, echoes one 64-byte message on each so
// every connection has been through its read and write path, lets them idle, and divides
// the growth of the server's RSS and Go heap plus stacks by n.
//
// An external server has no Go runtime to ask: only its RSS is measured.
func runMemory(srv *serverProc, n int, settle time.Duration) (memoryResult, error) {
	heap0, g0, err := srv.stats()
	if err != nil && !srv.external {
		return memoryResult{}, err
	}
	rss0, err := srv.rss()
	if err != nil {
		return memoryResult{}, err
	}
	conns, err := dialLoad(srv.addr, cell{conns: n, inflight: 1, size: 64})
	if err != nil {
		return memoryResult{}, err
	}
	defer closeAll(conns)
	time.Sleep(settle) // every server connection reaches its blocking read
	heap1, g1, err := srv.stats()
	if err != nil && !srv.external {
		return memoryResult{}, err
	}
	rss1, err := srv.rss()
	if err != nil {
		return memoryResult{}, err
	}
	if rss1 <= rss0 {
		return memoryResult{}, fmt.Errorf("peers: RSS did not grow (%d to %d)", rss0, rss1)
	}
	return memoryResult{
		rssPerConn:        float64(rss1-rss0) / float64(n),
		heapPerConn:       float64(heap1-heap0) / float64(n),
		goroutinesPerConn: float64(g1-g0) / float64(n),
	}, nil
}
