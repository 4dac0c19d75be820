package extension_test

import (
	"fmt"

	"github.com/bronco-ws/bronco/ws/extension"
)

func ExampleParse() {
	exts, err := extension.Parse([]string{
		"permessage-deflate; client_max_window_bits; server_max_window_bits=\"10\"",
		"x-custom",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range exts {
		fmt.Printf("%s %+v\n", e.Name, e.Params)
	}
	fmt.Printf("%s\n", extension.Append(nil, exts))
	// Output:
	// permessage-deflate [{Name:client_max_window_bits Value: HasValue:false} {Name:server_max_window_bits Value:10 HasValue:true}]
	// x-custom []
	// permessage-deflate; client_max_window_bits; server_max_window_bits=10, x-custom
}
