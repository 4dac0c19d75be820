package utf8_test

import (
	"fmt"

	"github.com/bronco-ws/bronco/ws/utf8"
)

// A text message arrives in three frames; a character is split between the first two, and
// the third holds an encoded surrogate, which RFC 3629 forbids. The validator fails at the
// second byte of the surrogate, before the rest of the frame is looked at.
func ExampleValidator() {
	frames := [][]byte{
		[]byte("Grüße, \xE4\xB8"), // 世 cut after two of its three bytes
		[]byte("\x96界! "),
		[]byte("bad: \xED\xA0\x80 and more"),
	}
	var v utf8.Validator
	for i, payload := range frames {
		n, ok := v.Feed(payload)
		fmt.Printf("frame %d: accepted %d of %d bytes, ok=%v\n", i, n, len(payload), ok)
		if !ok {
			fmt.Println("fail the connection with 1007 (RFC 6455 §8.1)")
			break
		}
	}
	// Output:
	// frame 0: accepted 11 of 11 bytes, ok=true
	// frame 1: accepted 6 of 6 bytes, ok=true
	// frame 2: accepted 6 of 17 bytes, ok=false
	// fail the connection with 1007 (RFC 6455 §8.1)
}

// At message end an unfinished character makes the message invalid, even though every byte
// so far could still have been continued.
func ExampleValidator_Complete() {
	var v utf8.Validator
	_, ok := v.Feed([]byte("price: 5 \xE2\x82")) // € is E2 82 AC
	fmt.Println(ok, v.Complete())
	v.Feed([]byte{0xAC})
	fmt.Println(v.Complete())
	// Output:
	// true false
	// true
}

func ExampleValid() {
	fmt.Println(utf8.Valid([]byte("κόσμε")), utf8.Valid([]byte{0xF4, 0x90, 0x80, 0x80}))
	// Output: true false
}
