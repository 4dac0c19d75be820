// Package interop runs bronco against WebSocket peers nobody here wrote: headless Chromium,
// node's ws, Python's websockets, gorilla/websocket and coder/websocket.
package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Cases is cases.json: what every peer does on every connection (README.md, "The contract
// every peer follows").
type Cases struct {
	Echo  []EchoCase `json:"echo"`
	Ping  string     `json:"ping"`
	Close struct {
		Code   int    `json:"code"`
		Reason string `json:"reason"`
	} `json:"close"`
}

// EchoCase is one message sent and expected back.
type EchoCase struct {
	Name  string `json:"name"`
	Type  string `json:"type"` // "text" or "binary"
	Size  int    `json:"size"`
	Split []int  `json:"split"` // byte offsets where the message is cut into frames
	// Period, for binary, repeats a stretch of xorshift32 bytes every Period bytes, so that
	// compressors reach that far back (README.md, "Payloads").
	Period int `json:"period"`
}

// LoadCases reads cases.json from dir.
func LoadCases(dir string) (*Cases, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		return nil, err
	}
	var c Cases
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("cases.json: %w", err)
	}
	return &c, nil
}

// Payload is the message of c, built by the contract's rules so that every language builds
// the same bytes.
func (c EchoCase) Payload() []byte {
	if c.Type == "binary" && c.Period > 0 {
		stretch := make([]byte, c.Period)
		x := uint32(2463534242)
		for i := range stretch {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			stretch[i] = byte(x)
		}
		b := make([]byte, c.Size)
		for i := range b {
			b[i] = stretch[i%c.Period]
		}
		return b
	}
	if c.Type == "binary" {
		b := make([]byte, c.Size)
		for i := range b {
			b[i] = byte(i % 251)
		}
		return b
	}
	return TextPayload(c.Size)
}

// Fragments cuts p at c.Split.
func (c EchoCase) Fragments(p []byte) [][]byte {
	var parts [][]byte
	from := 0
	for _, at := range c.Split {
		parts = append(parts, p[from:at])
		from = at
	}
	return append(parts, p[from:])
}

// textCycle is the characters a text payload cycles through: 1, 2, 3 and 4 bytes of UTF-8.
var textCycle = []string{"a", "é", "€", "𝄞"}

// TextPayload is valid UTF-8 of exactly n bytes with multi-byte characters throughout.
func TextPayload(n int) []byte {
	b := make([]byte, 0, n)
	for i := 0; len(b) < n; i++ {
		ch := textCycle[i%len(textCycle)]
		if len(b)+len(ch) > n {
			ch = "a"
		}
		b = append(b, ch...)
	}
	return b
}

// Mismatch describes how got differs from want, in the contract's words (lengths, first
// differing offset, up to 16 bytes in hex on both sides from there), or "" if they agree.
func Mismatch(wantType string, want []byte, gotType string, got []byte) string {
	if gotType != wantType {
		return fmt.Sprintf("got a %s message of %d bytes, want %s of %d", gotType, len(got), wantType, len(want))
	}
	if bytes.Equal(got, want) {
		return ""
	}
	at := 0
	for at < len(got) && at < len(want) && got[at] == want[at] {
		at++
	}
	return fmt.Sprintf("got %d bytes, want %d; first difference at offset %d: got % x, want % x",
		len(got), len(want), at, window(got, at), window(want, at))
}

func window(b []byte, at int) []byte {
	return b[at:min(len(b), at+16)]
}
