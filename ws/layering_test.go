package ws_test

import (
	"go/build"
	"slices"
	"testing"
)

// TestSansIOImports: the codecs and the engine are sans-IO, so none of them may reach net or
// net/http, however indirectly (issue 11: ws/deflate once pulled in net/http through the
// handshake package for the extension grammar).
func TestSansIOImports(t *testing.T) {
	for _, pkg := range []string{
		"github.com/bronco-ws/bronco/ws",
		"github.com/bronco-ws/bronco/ws/frame",
		"github.com/bronco-ws/bronco/ws/utf8",
		"github.com/bronco-ws/bronco/ws/deflate",
		"github.com/bronco-ws/bronco/ws/extension",
	} {
		if path := importPath(t, pkg, ".", "net", map[string]bool{}); path != nil {
			slices.Reverse(path)
			t.Errorf("%s imports net: %v", pkg, path)
		}
		if path := importPath(t, pkg, ".", "net/http", map[string]bool{}); path != nil {
			slices.Reverse(path)
			t.Errorf("%s imports net/http: %v", pkg, path)
		}
	}
}

// importPath returns the chain of imports from pkg, imported from the directory from, to
// target (target first), or nil. The directory matters for the standard library's vendored
// packages.
func importPath(t *testing.T, pkg, from, target string, seen map[string]bool) []string {
	if pkg == target {
		return []string{pkg}
	}
	if seen[pkg] || pkg == "C" || pkg == "unsafe" {
		return nil
	}
	seen[pkg] = true
	p, err := build.Import(pkg, from, 0)
	if err != nil {
		t.Fatalf("import %s: %v", pkg, err)
	}
	for _, imp := range p.Imports {
		if path := importPath(t, imp, p.Dir, target, seen); path != nil {
			return append(path, pkg)
		}
	}
	return nil
}
