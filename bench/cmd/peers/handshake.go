package main

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// handshakeDialers is how many upgrades the generator keeps in progress at once.
const handshakeDialers = 8

// handshakeResult is one run of the upgrade-rate cell.
type handshakeResult struct {
	perSec    float64
	cpuPerOne time.Duration
}

// runHandshakes opens, upgrades and resets connections for warm+dur and measures the last
// dur. Each connection ends with an RST (linger 0) so the loopback port range never fills
// with TIME_WAIT sockets.
func runHandshakes(srv *serverProc, warm, dur time.Duration) (handshakeResult, error) {
	var (
		count    atomic.Int64
		stop     atomic.Bool
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
	)
	key := newKey()
	req := upgradeRequest(srv.addr, key, false)
	accept := []byte(acceptFor(key))
	for range handshakeDialers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1024)
			for !stop.Load() {
				if err := handshakeOnce(srv.addr, req, accept, buf); err != nil {
					errMu.Lock()
					firstErr = err
					errMu.Unlock()
					return
				}
				count.Add(1)
			}
		}()
	}
	time.Sleep(warm)
	s0, err0 := snapshot(srv, &count)
	time.Sleep(dur)
	s1, err1 := snapshot(srv, &count)
	stop.Store(true)
	wg.Wait()
	switch {
	case firstErr != nil:
		return handshakeResult{}, firstErr
	case err0 != nil:
		return handshakeResult{}, err0
	case err1 != nil:
		return handshakeResult{}, err1
	case s1.n == s0.n:
		return handshakeResult{}, fmt.Errorf("peers: no upgrade in %v", dur)
	}
	return handshakeResult{
		perSec:    float64(s1.n-s0.n) / s1.at.Sub(s0.at).Seconds(),
		cpuPerOne: (s1.user - s0.user + s1.sys - s0.sys) / time.Duration(s1.n-s0.n),
	}, nil
}

// handshakeOnce dials, sends the upgrade request and reads the response head.
func handshakeOnce(addr string, req, accept, buf []byte) error {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer nc.Close()
	nc.(*net.TCPConn).SetLinger(0)
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Write(req); err != nil {
		return err
	}
	n := 0
	for !bytes.Contains(buf[:n], []byte("\r\n\r\n")) {
		if n == len(buf) {
			return fmt.Errorf("%w: response head over %d bytes", errUpgrade, len(buf))
		}
		k, err := nc.Read(buf[n:])
		if err != nil {
			return err
		}
		n += k
	}
	if !bytes.HasPrefix(buf[:n], []byte("HTTP/1.1 101")) || !bytes.Contains(buf[:n], accept) {
		return fmt.Errorf("%w: %q", errUpgrade, buf[:min(n, 64)])
	}
	return nil
}
