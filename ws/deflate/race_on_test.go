//go:build race

package deflate

// raceEnabled is set under the race detector, whose sync.Pool drops items
// at random and so defeats allocation counts.
const raceEnabled = true
