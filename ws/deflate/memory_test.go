package deflate

import (
	"fmt"
	"runtime"
	"testing"
)

// connection is one server-side connection's compression state.
type connection struct {
	enc *Encoder
	dec *Decoder
}

// heapPerConnection opens n connections, passes one message of msgSize
// bytes each way through each, releases them if asked, and returns the heap
// they retain per connection.
func heapPerConnection(tb testing.TB, n, msgSize, level int, takeover, release bool) float64 {
	msg := corpusJSON(msgSize)
	payload := NewEncoder(15, DefaultLevel, false).AppendCompress(nil, msg)
	var out []byte

	var before, after runtime.MemStats
	runtime.GC()
	// Fill the pools first: their few shared objects are not per connection.
	NewEncoder(15, DefaultLevel, false).AppendCompress(nil, msg)
	if _, err := NewDecoder(15, false).AppendDecompress(nil, payload, int64(msgSize)); err != nil {
		tb.Fatal(err)
	}
	// Two collections empty sync.Pool's primary and victim caches, here and below, so
	// that only what the connections themselves hold is counted.
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	conns := make([]connection, n)
	for i := range conns {
		c := &conns[i]
		c.enc = NewEncoder(15, level, takeover)
		c.dec = NewDecoder(15, takeover)
		c.enc.AppendCompress(out[:0], msg)
		var err error
		if out, err = c.dec.AppendDecompress(out[:0], payload, int64(msgSize)); err != nil {
			tb.Fatal(err)
		}
		if release {
			c.enc.Release()
			c.dec.Release()
		}
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(conns)
	return (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n)
}

// TestReleasedMemory bounds what an idle connection keeps after Release:
// without context takeover almost nothing, with it the two windows of at
// most 32 KiB each (RFC 7692 §7.1.1: only the window is needed to go on).
func TestReleasedMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes heap accounting")
	}
	tests := []struct {
		name     string
		takeover bool
		max      float64
	}{
		{"no context takeover", false, 256},
		{"context takeover, full windows", true, 2*32<<10 + 512},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := heapPerConnection(t, 200, 40<<10, DefaultLevel, tt.takeover, true)
			if got > tt.max {
				t.Errorf("%.0f bytes per idle connection; want at most %.0f", got, tt.max)
			} else {
				t.Logf("%.0f bytes per idle connection", got)
			}
		})
	}
}

// TestActiveMemory bounds what a connection with context takeover at window 15 holds
// between two messages when it is not released (the common case: Release is for
// hibernation), after a message of 40 KiB each way so that both windows are full. At
// BestSpeed: the encoder's buffer (the window and an 8 KiB chunk), its 13-bit hash table of
// 16-bit entries and the decoder's window, 88 KiB. Above it the hash chains, 64 KiB more,
// stay with the connection too, since matches into earlier messages need them, and the
// hash table has 14 bits (16 KiB more), which halves the chains' length.
func TestActiveMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes heap accounting")
	}
	tests := []struct {
		level int
		max   float64
	}{
		{BestSpeed, 96 << 10},
		{DefaultLevel, 176 << 10},
		{BestCompression, 176 << 10},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("level %d", tt.level), func(t *testing.T) {
			got := heapPerConnection(t, 200, 40<<10, tt.level, true, false)
			if got > tt.max {
				t.Errorf("%.0f bytes per active connection; want at most %.0f", got, tt.max)
			} else {
				t.Logf("%.0f bytes per active connection", got)
			}
		})
	}
}

// BenchmarkIdleConnections reports the heap 10 000 server connections
// retain between messages, released or not, with and without context
// takeover, after a message of 40 KiB each way (so windows are full).
// Run it with -benchtime=1x.
func BenchmarkIdleConnections(b *testing.B) {
	for _, takeover := range []bool{false, true} {
		for _, release := range []bool{false, true} {
			b.Run(fmt.Sprintf("takeover=%v/released=%v", takeover, release), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					perConn := heapPerConnection(b, 10_000, 40<<10, DefaultLevel, takeover, release)
					b.ReportMetric(perConn, "B/conn")
				}
			})
		}
	}
}
