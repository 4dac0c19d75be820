package deflate

import (
	"strings"

	"github.com/bronco-ws/bronco/ws/extension"
)

// ext parses the test shorthand "name; a; b=1" into an Extension. It is not
// the header parser (that lives in ws/handshake): no quoting, no lists.
func ext(s string) extension.Extension {
	parts := strings.Split(s, ";")
	e := extension.Extension{Name: strings.TrimSpace(parts[0])}
	for _, part := range parts[1:] {
		name, value, hasValue := strings.Cut(strings.TrimSpace(part), "=")
		e.Params = append(e.Params, extension.Param{Name: name, Value: value, HasValue: hasValue})
	}
	return e
}

// exts parses several shorthand offers.
func exts(list ...string) []extension.Extension {
	var out []extension.Extension
	for _, s := range list {
		out = append(out, ext(s))
	}
	return out
}

// render is the inverse of ext, for readable comparisons.
func render(e extension.Extension) string {
	var b strings.Builder
	b.WriteString(e.Name)
	for _, p := range e.Params {
		b.WriteString("; ")
		b.WriteString(p.Name)
		if p.HasValue {
			b.WriteString("=")
			b.WriteString(p.Value)
		}
	}
	return b.String()
}
