package server

import "time"

// instant is a point in time as the monotonic time since the package was loaded: 8 bytes
// where a time.Time takes 24, for the several times every connection keeps. Zero means
// none.
type instant time.Duration

var epoch = time.Now()

func instantOf(t time.Time) instant { return instant(t.Sub(epoch)) }

func (i instant) time() time.Time { return epoch.Add(time.Duration(i)) }

func (i instant) add(d time.Duration) instant { return i + instant(d) }
