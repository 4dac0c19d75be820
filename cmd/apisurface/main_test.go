package main

import (
	"bytes"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bronco-ws/bronco/internal/readme"
	"github.com/google/go-cmp/cmp"
)

// shapesNames is what testdata/mod/shapes exports under the counting rules: the files for
// other systems, the ignored, underscore and test files, unexported types' methods, nested
// struct fields, embedded interfaces and unions add nothing.
var shapesNames = []string{
	"const AMD64", "const E", "const Pi",
	"field Named.Value", "field Pair.Key", "field Pair.Val",
	"field Shape.Name", "field Shape.Named", "field Shape.Nested", "field Shape.Reader",
	"field Shape.Sides", "field Shape.Writer",
	"func LinuxOnly", "func New",
	"interface method Measurer.Measure", "interface method Measurer.Scale",
	"interface method Number.String",
	"method Mode.String", "method Named.Get", "method Pair.Swap", "method Shape.Area",
	"method Shape.Perimeter",
	"type Alias", "type Measurer", "type Mode", "type Named", "type Number", "type Pair",
	"type Shape", "type Struct",
	"var Default", "var ErrShape",
}

func TestCountDir(t *testing.T) {
	tests := []struct {
		dir       string
		wantPkg   string
		wantNames []string
		want      counts
	}{
		{"testdata/mod/shapes", "shapes", shapesNames,
			counts{Consts: 3, Vars: 2, Funcs: 2, Types: 8, Methods: 5, Fields: 9, InterfaceMethods: 3}},
		{"testdata/mod", "mod", []string{"field Root.A", "field Root.B", "type Root"},
			counts{Types: 1, Fields: 2}},
		// The caller skips these on their package name.
		{"testdata/mod/mainpkg", "main", []string{"func Exported"}, counts{Funcs: 1}},
		{"testdata/mod/internal/hidden", "hidden", []string{"func Hidden"}, counts{Funcs: 1}},
		// No package: only a test file, or no Go file at all.
		{"testdata/mod/onlytest", "", nil, counts{}},
		{"testdata/mod/empty", "", nil, counts{}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			p, name, err := countDir(linuxAMD64(), tt.dir)
			if err != nil {
				t.Fatal(err)
			}
			if name != tt.wantPkg {
				t.Errorf("package name %q, want %q", name, tt.wantPkg)
			}
			if diff := cmp.Diff(tt.wantNames, p.Names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, p.Counts); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCountFile(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"grouped values keep only exported names",
			"const (A, b = 1, 2; _ = 3); var C, d, _ int",
			[]string{"const A", "var C"}},
		{"funcs but not init or unexported",
			"func F() {}; func init() {}; func g() {}",
			[]string{"func F"}},
		{"methods through pointers, parentheses and type parameters",
			"type T[K any, V any] struct{}; func (*T[K, V]) A() {}; func (t (T[K, V])) B() {}; func (T[K, V]) c() {}",
			[]string{"type T", "method T.A", "method T.B"}},
		{"methods of unexported types are not counted",
			"type t struct{ X int }; func (t) M() {}",
			nil},
		{"embedded fields count under their type's name",
			"type S struct{ *bufio.Reader; io.Writer; G[int]; lower; *Upper; x, Y int }",
			[]string{"type S", "field S.Reader", "field S.Writer", "field S.G", "field S.Upper", "field S.Y"}},
		{"fields of unexported structs are not counted",
			"type s struct{ X int }",
			nil},
		{"nested anonymous struct fields are not counted",
			"type S struct{ In struct{ Deep int } }",
			[]string{"type S", "field S.In"}},
		{"interface methods but not embedded interfaces, unions or unexported methods",
			"type I interface{ io.Closer; ~int | string; M(); m() }",
			[]string{"type I", "interface method I.M"}},
		{"methods of unexported interfaces are not counted",
			"type i interface{ M() }",
			nil},
		{"an alias counts as a type, once",
			"type A = B; type B struct{ X int }",
			[]string{"type A", "type B", "field B.X"}},
		{"a defined type over another struct has no fields of its own",
			"type D B",
			[]string{"type D"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parser.ParseFile(token.NewFileSet(), "x.go", "package x; "+tt.src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			countFile(f, func(kind, name string) { got = append(got, kind+" "+name) })
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWalk(t *testing.T) {
	shapes := counts{Consts: 3, Vars: 2, Funcs: 2, Types: 8, Methods: 5, Fields: 9, InterfaceMethods: 3}
	root := counts{Types: 1, Fields: 2}
	tests := []struct {
		name string
		dir  string
		skip []string
		want map[string]counts // package path -> counts
	}{
		// internal/, testdata/, vendor/, .dot, _underscore, the nested module, main packages
		// and the directories without a package are left out.
		{"everything", "testdata/mod", nil, map[string]counts{
			"m": root, "m/shapes": shapes, "m/skipme": {Funcs: 1}, "m/tests": {Vars: 1}}},
		{"skip", "testdata/mod", []string{"testdata/mod/skipme", "testdata/mod/tests/"}, map[string]counts{
			"m": root, "m/shapes": shapes}},
		{"skip names paths relative to the working directory", "testdata/mod", []string{"skipme", "mod/tests"}, map[string]counts{
			"m": root, "m/shapes": shapes, "m/skipme": {Funcs: 1}, "m/tests": {Vars: 1}}},
		{"a subdirectory as the module", "testdata/mod/shapes", nil, map[string]counts{"m": shapes}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &module{Name: "m", Dir: tt.dir}
			if err := m.walk(linuxAMD64(), tt.skip); err != nil {
				t.Fatal(err)
			}
			got := make(map[string]counts)
			for _, p := range m.Pkgs {
				got[p.Path] = p.Counts
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseModule(t *testing.T) {
	tests := []struct {
		in      string
		want    *module
		wantErr bool
	}{
		{in: "bronco=.", want: &module{Name: "bronco", Dir: "."}},
		{in: "gorilla/websocket@v1.5.3=/mod/github.com/gorilla/websocket@v1.5.3",
			want: &module{Name: "gorilla/websocket", Version: "v1.5.3", Dir: "/mod/github.com/gorilla/websocket@v1.5.3"}},
		{in: "bronco@=.", want: &module{Name: "bronco", Dir: "."}},
		{in: "bronco", wantErr: true},
		{in: "bronco=", wantErr: true},
		{in: "=.", wantErr: true},
		{in: "@v1=.", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseModule(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(module{})); diff != "" {
				t.Errorf("module (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantOut    string
		wantStderr string
		wantCode   int
	}{
		{name: "summary",
			args: []string{"-skip", "testdata/mod/skipme", "-module", "m@v1.0.0=testdata/mod", "-module", "s=testdata/mod/shapes"},
			wantOut: "" +
				"module  version  packages  consts  vars  funcs  types  methods  fields  interface methods  total\n" +
				"m       v1.0.0   3         3       3     2      9      5        11      3                  36\n" +
				"s                1         3       2     2      8      5        9       3                  32\n"},
		{name: "per package, markdown",
			args: []string{"-per-package", "-md", "-date", "2026-01-02", "-skip", "testdata/mod/skipme",
				"-module", "m@v1.0.0=testdata/mod", "-module", "s@v2=testdata/mod/shapes"},
			wantOut: "" +
				"Counted 2026-01-02 for linux/amd64: m v1.0.0, s v2.\n" +
				"\n" +
				"| package | consts | vars | funcs | types | methods | fields | interface methods | total |\n" +
				"|---|---:|---:|---:|---:|---:|---:|---:|---:|\n" +
				"| `m` | 0 | 0 | 0 | 1 | 0 | 2 | 0 | 3 |\n" +
				"| `m/shapes` | 3 | 2 | 2 | 8 | 5 | 9 | 3 | 32 |\n" +
				"| `m/tests` | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n" +
				"| **m total** | 3 | 3 | 2 | 9 | 5 | 11 | 3 | 36 |\n" +
				"| **s** | 3 | 2 | 2 | 8 | 5 | 9 | 3 | 32 |\n" +
				"\n" +
				"Each module's total sums its packages: m = its root package + `shapes` + `tests`.\n" +
				"\n" + wrap(rulesNote)},
		{name: "package directories, skipped ones reported",
			args: []string{"-per-package", "testdata/mod/tests", "testdata/mod/mainpkg", "testdata/mod/onlytest"},
			wantOut: "" +
				"package             consts  vars  funcs  types  methods  fields  interface methods  total\n" +
				"testdata/mod/tests  0       1     0      0      0        0       0                  1\n",
			wantStderr: "" +
				"apisurface: testdata/mod/mainpkg: package main, skipped\n" +
				"apisurface: testdata/mod/onlytest: no non-test Go file for linux/amd64, skipped\n"},
		{name: "names",
			args:    []string{"-names", "-module", "m=testdata/mod/tests"},
			wantOut: "m: var Counted\n"},
		{name: "nothing to count", args: nil, wantCode: 2},
		{name: "bad -module", args: []string{"-module", "nodir"}, wantCode: 2},
		{name: "missing directory", args: []string{"-module", "m=testdata/nosuchdir"}, wantCode: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit status %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			if code != 0 {
				return
			}
			if diff := cmp.Diff(tt.wantOut, stdout.String()); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantStderr, stderr.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunReadme(t *testing.T) {
	readmeBegin, readmeEnd := readme.Markers(readmeSection)
	path := filepath.Join(t.TempDir(), "README.md")
	before := "# title\n\n" + readmeBegin + "\nstale table\n" + readmeEnd + "\n\n## next\n"
	if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-readme", path, "-per-package", "-module", "t=testdata/mod/tests"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, stderr.String())
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "# title\n\n" + readmeBegin + "\n" +
		"| package | consts | vars | funcs | types | methods | fields | interface methods | total |\n" +
		"|---|---:|---:|---:|---:|---:|---:|---:|---:|\n" +
		"| **t** | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n" +
		"\n" + wrap(rulesNote) +
		readmeEnd + "\n\n## next\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("README (-want +got):\n%s", diff)
	}
	if stdout.Len() != 0 {
		t.Errorf("-readme printed %q", stdout.String())
	}

	// Without markers the file is left alone and the command fails.
	if err := os.WriteFile(path, []byte("no markers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if code := run([]string{"-readme", path, "-module", "t=testdata/mod/tests"}, &stdout, &stderr); code != 1 {
		t.Errorf("exit status %d without markers, want 1", code)
	}
	if got, _ := os.ReadFile(path); string(got) != "no markers\n" {
		t.Errorf("README without markers rewritten to %q", got)
	}
	if !strings.Contains(stderr.String(), "markers") {
		t.Errorf("stderr %q does not mention the markers", stderr.String())
	}
}

func TestWrap(t *testing.T) {
	long := strings.Repeat("x", wrapWidth+5)
	tests := []struct {
		name, in, want string
	}{
		{"short", "a  b\nc", "a b c\n"},
		{"breaks before the word that would pass the width",
			strings.Repeat("abcd ", 18) + "abcdefg",
			strings.TrimSpace(strings.Repeat("abcd ", 18)) + "\nabcdefg\n"},
		{"fits exactly", strings.Repeat("a", wrapWidth-2) + " b", strings.Repeat("a", wrapWidth-2) + " b\n"},
		{"a longer word stays whole", "a " + long + " b", "a\n" + long + "\nb\n"},
		{"code spans stay whole",
			strings.Repeat("a", wrapWidth-10) + " `go doc ./x` b",
			strings.Repeat("a", wrapWidth-10) + "\n`go doc ./x` b\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, wrap(tt.in)); diff != "" {
				t.Errorf("wrap (-want +got):\n%s", diff)
			}
		})
	}
}
