// Command apisurface counts the exported names of Go packages, so that the size of bronco's
// API can be set beside other WebSocket libraries' (`make api` writes that table into
// README.md).
//
// Usage:
//
//	apisurface [-per-package] [-md] [-names] [-skip DIR,...] [-date DATE] [-readme FILE] \
//		[-module NAME[@VERSION]=DIR ...] [PKGDIR ...]
//
// Each -module walks DIR like `go list DIR/...` does and labels its packages NAME/REL; each
// PKGDIR argument is one package, labeled with the path as given. The output is one row per
// module (the default) or one row per package followed by each module's total
// (-per-package), as aligned text or, with -md, as Markdown; -readme FILE writes the Markdown
// between the <!-- api:begin --> and <!-- api:end --> lines of FILE instead of printing it.
// -names lists every counted name instead of the table.
//
// Counting rules. A package is the non-test .go files of one directory that go/build's
// MatchFile accepts for linux/amd64 with cgo enabled, no extra build tags and the release
// tags of the Go running the command. In it, each of these counts once:
//
//   - an exported package-level const, var, func or type (a type alias included);
//   - an exported method of an exported type (the receiver's base type, generic or not);
//   - an exported field of an exported struct type, an embedded one included under its type's
//     name;
//   - an exported method listed in an exported interface type.
//
// Nothing else counts: methods of unexported types (even when reachable through an exported
// function's result or promoted through an exported struct), fields of a nested anonymous
// struct, fields and methods promoted from an embedded type (they count where that type is
// declared), the fields of a defined type whose struct is declared elsewhere (type T U),
// embedded interfaces and type unions, and exported names of _test.go files.
//
// While walking a module, directories named internal, testdata or vendor, or starting with
// "." or "_", those holding another go.mod, and those -skip names (paths like DIR: absolute
// or relative to the working directory) are left out with everything under them; so are
// packages named main or internal, and directories without a matching file.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/bronco-ws/bronco/internal/readme"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status so tests can drive it.
func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("apisurface", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var modules []*module
	fl.Func("module", "`NAME[@VERSION]=DIR`: walk DIR for packages and label them NAME (repeatable)", func(s string) error {
		m, err := parseModule(s)
		if err == nil {
			modules = append(modules, m)
		}
		return err
	})
	var skip []string
	fl.Func("skip", "comma-separated `DIRs` not to walk, paths like -module's DIR (repeatable)", func(s string) error {
		for _, d := range strings.Split(s, ",") {
			if d != "" {
				skip = append(skip, d)
			}
		}
		return nil
	})
	perPackage := fl.Bool("per-package", false, "one row per package and a total per module, instead of one row per module")
	md := fl.Bool("md", false, "print Markdown")
	names := fl.Bool("names", false, "list every counted name instead of the table")
	date := fl.String("date", "", "date printed above the Markdown table")
	readmePath := fl.String("readme", "", "write the Markdown between the api markers of this `file` instead of printing")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	for _, dir := range fl.Args() {
		modules = append(modules, &module{Name: dir, Dir: dir, single: true})
	}
	if len(modules) == 0 {
		fmt.Fprintln(stderr, "apisurface: no -module and no package directory given")
		fl.Usage()
		return 2
	}
	ctxt := linuxAMD64()
	for _, m := range modules {
		var err error
		if m.single {
			err = m.countOne(ctxt, stderr)
		} else {
			err = m.walk(ctxt, skip)
		}
		if err != nil {
			fmt.Fprintln(stderr, "apisurface:", err)
			return 1
		}
	}
	// A package directory argument that was skipped makes no row.
	kept := modules[:0]
	for _, m := range modules {
		if !m.single || len(m.Pkgs) > 0 {
			kept = append(kept, m)
		}
	}
	modules = kept
	switch {
	case *readmePath != "":
		if err := readme.Write(*readmePath, readmeSection, markdown(modules, *perPackage, *date)); err != nil {
			fmt.Fprintln(stderr, "apisurface:", err)
			return 1
		}
	case *names:
		for _, m := range modules {
			for _, p := range m.Pkgs {
				for _, n := range p.Names {
					fmt.Fprintf(stdout, "%s: %s\n", p.Path, n)
				}
			}
		}
	case *md:
		io.WriteString(stdout, markdown(modules, *perPackage, *date))
	default:
		io.WriteString(stdout, text(modules, *perPackage))
	}
	return 0
}

// linuxAMD64 is the build context every file is matched against, whatever the host.
func linuxAMD64() *build.Context {
	c := build.Default
	c.GOOS, c.GOARCH = "linux", "amd64"
	c.CgoEnabled = true
	c.BuildTags = nil
	c.UseAllFiles = false
	return &c
}

// module is what one -module flag (or one package directory argument) names, with the
// packages found in it.
type module struct {
	Name, Version, Dir string
	Pkgs               []pkg
	single             bool // a package directory argument: count Dir only, do not walk
}

// pkg is one counted package.
type pkg struct {
	Path   string   // module name, then the slash path of the directory inside the module
	Rel    string   // the directory relative to the module's, "." for its root
	Names  []string // "kind name", sorted: every name counted
	Counts counts
}

// counts holds a package's (or a module's) exported names by kind.
type counts struct {
	Consts, Vars, Funcs, Types, Methods, Fields, InterfaceMethods int
}

func (c counts) total() int {
	return c.Consts + c.Vars + c.Funcs + c.Types + c.Methods + c.Fields + c.InterfaceMethods
}

func (c counts) plus(o counts) counts {
	return counts{c.Consts + o.Consts, c.Vars + o.Vars, c.Funcs + o.Funcs, c.Types + o.Types,
		c.Methods + o.Methods, c.Fields + o.Fields, c.InterfaceMethods + o.InterfaceMethods}
}

// The kinds of counted names, as -names prints them.
const (
	kindConst  = "const"
	kindVar    = "var"
	kindFunc   = "func"
	kindType   = "type"
	kindMethod = "method"
	kindField  = "field"
	kindIface  = "interface method"
)

// parseModule reads a -module value: NAME[@VERSION]=DIR.
func parseModule(s string) (*module, error) {
	label, dir, ok := strings.Cut(s, "=")
	if !ok || dir == "" {
		return nil, fmt.Errorf("-module %q: want NAME[@VERSION]=DIR", s)
	}
	name, version, _ := strings.Cut(label, "@")
	if name == "" {
		return nil, fmt.Errorf("-module %q: empty NAME", s)
	}
	return &module{Name: name, Version: version, Dir: dir}, nil
}

// total sums the module's packages.
func (m *module) total() counts {
	var c counts
	for _, p := range m.Pkgs {
		c = c.plus(p.Counts)
	}
	return c
}

// walk counts every package under m.Dir that the rules let through; skip lists directories
// not to walk, absolute or relative to the working directory.
func (m *module) walk(ctxt *build.Context, skip []string) error {
	skipped := make(map[string]bool)
	for _, s := range skip {
		abs, err := filepath.Abs(s)
		if err != nil {
			return err
		}
		skipped[abs] = true
	}
	return filepath.WalkDir(m.Dir, func(dir string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(m.Dir, dir)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel != "." {
			name := d.Name()
			if name == "internal" || name == "testdata" || name == "vendor" ||
				strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if abs, err := filepath.Abs(dir); err != nil {
				return err
			} else if skipped[abs] {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
		}
		p, pkgName, err := countDir(ctxt, dir)
		if err != nil || pkgName == "" || pkgName == "main" || pkgName == "internal" {
			return err
		}
		p.Rel, p.Path = rel, m.Name
		if rel != "." {
			p.Path += "/" + rel
		}
		m.Pkgs = append(m.Pkgs, p)
		return nil
	})
}

// countOne counts the package in m.Dir alone; a main or internal package, or a directory
// without a matching file, is reported on stderr and left out.
func (m *module) countOne(ctxt *build.Context, stderr io.Writer) error {
	p, pkgName, err := countDir(ctxt, m.Dir)
	switch {
	case err != nil:
		return err
	case pkgName == "":
		fmt.Fprintf(stderr, "apisurface: %s: no non-test Go file for linux/amd64, skipped\n", m.Dir)
	case pkgName == "main" || pkgName == "internal":
		fmt.Fprintf(stderr, "apisurface: %s: package %s, skipped\n", m.Dir, pkgName)
	default:
		p.Path, p.Rel = m.Name, "."
		m.Pkgs = append(m.Pkgs, p)
	}
	return nil
}

// countDir counts the exported names of the package in dir. pkgName is the package clause of
// its first matching file, "" when no non-test file matches linux/amd64.
func countDir(ctxt *build.Context, dir string) (p pkg, pkgName string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return pkg{}, "", err
	}
	fset := token.NewFileSet()
	seen := make(map[string]bool)
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		if ok, err := ctxt.MatchFile(dir, name); err != nil {
			return pkg{}, "", err
		} else if !ok {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return pkg{}, "", err
		}
		if pkgName == "" {
			pkgName = f.Name.Name
		}
		countFile(f, func(kind, name string) {
			if key := kind + " " + name; !seen[key] {
				seen[key] = true
				p.Names = append(p.Names, key)
				p.Counts.add(kind)
			}
		})
	}
	sort.Strings(p.Names)
	return p, pkgName, nil
}

func (c *counts) add(kind string) {
	switch kind {
	case kindConst:
		c.Consts++
	case kindVar:
		c.Vars++
	case kindFunc:
		c.Funcs++
	case kindType:
		c.Types++
	case kindMethod:
		c.Methods++
	case kindField:
		c.Fields++
	case kindIface:
		c.InterfaceMethods++
	default:
		panic("apisurface: unknown kind " + kind)
	}
}

// countFile calls add for every name of f the counting rules count; methods, fields and
// interface methods are named TYPE.NAME.
func countFile(f *ast.File, add func(kind, name string)) {
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			switch {
			case !d.Name.IsExported():
			case d.Recv == nil:
				add(kindFunc, d.Name.Name)
			case len(d.Recv.List) == 1:
				if recv := typeName(d.Recv.List[0].Type); ast.IsExported(recv) {
					add(kindMethod, recv+"."+d.Name.Name)
				}
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.ValueSpec:
					kind := kindVar
					if d.Tok == token.CONST {
						kind = kindConst
					}
					for _, n := range s.Names {
						if n.IsExported() {
							add(kind, n.Name)
						}
					}
				case *ast.TypeSpec:
					if s.Name.IsExported() {
						add(kindType, s.Name.Name)
						countMembers(s.Name.Name, s.Type, add)
					}
				}
			}
		}
	}
}

// countMembers counts the exported fields of a struct type literal, or the exported methods
// of an interface type literal, declared as the exported type typ.
func countMembers(typ string, expr ast.Expr, add func(kind, name string)) {
	switch t := expr.(type) {
	case *ast.StructType:
		for _, field := range t.Fields.List {
			if len(field.Names) == 0 { // embedded: the field is named after its type
				if n := typeName(field.Type); ast.IsExported(n) {
					add(kindField, typ+"."+n)
				}
			}
			for _, n := range field.Names {
				if n.IsExported() {
					add(kindField, typ+"."+n.Name)
				}
			}
		}
	case *ast.InterfaceType:
		for _, elem := range t.Methods.List {
			if _, ok := elem.Type.(*ast.FuncType); !ok {
				continue // an embedded interface or a type constraint
			}
			for _, n := range elem.Names {
				if n.IsExported() {
					add(kindIface, typ+"."+n.Name)
				}
			}
		}
	}
}

// typeName is the name of the type a receiver or an embedded field refers to: T for T, *T,
// T[P], pkg.T and (*T); "" for anything else.
func typeName(expr ast.Expr) string {
	for {
		switch t := expr.(type) {
		case *ast.Ident:
			return t.Name
		case *ast.SelectorExpr:
			return t.Sel.Name
		case *ast.StarExpr:
			expr = t.X
		case *ast.ParenExpr:
			expr = t.X
		case *ast.IndexExpr:
			expr = t.X
		case *ast.IndexListExpr:
			expr = t.X
		default:
			return ""
		}
	}
}

// columns heads the count columns of both outputs, in the order of counts' fields.
var columns = []string{"consts", "vars", "funcs", "types", "methods", "fields", "interface methods", "total"}

func (c counts) cells() []string {
	n := []int{c.Consts, c.Vars, c.Funcs, c.Types, c.Methods, c.Fields, c.InterfaceMethods, c.total()}
	s := make([]string, len(n))
	for i, v := range n {
		s[i] = fmt.Sprint(v)
	}
	return s
}

// row is one line of a table: its label, an optional version and the counts.
type row struct {
	label, version string
	packages       int
	counts         counts
	total          bool // a module's total (or the only package of a module)
}

// rows lays the modules out as the table's rows.
func rows(modules []*module, perPackage bool) []row {
	var rs []row
	for _, m := range modules {
		if !perPackage {
			rs = append(rs, row{label: m.Name, version: m.Version, packages: len(m.Pkgs), counts: m.total(), total: true})
			continue
		}
		for _, p := range m.Pkgs {
			rs = append(rs, row{label: p.Path, counts: p.Counts, total: len(m.Pkgs) == 1})
		}
		if len(m.Pkgs) > 1 {
			rs = append(rs, row{label: m.Name + " total", counts: m.total(), total: true})
		}
	}
	return rs
}

// text renders the table with aligned columns.
func text(modules []*module, perPackage bool) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	head := []string{"package"}
	if !perPackage {
		head = []string{"module", "version", "packages"}
	}
	fmt.Fprintln(w, strings.Join(append(head, columns...), "\t"))
	for _, r := range rows(modules, perPackage) {
		cells := []string{r.label}
		if !perPackage {
			cells = append(cells, r.version, fmt.Sprint(r.packages))
		}
		fmt.Fprintln(w, strings.Join(append(cells, r.counts.cells()...), "\t"))
	}
	w.Flush()
	return b.String()
}

// markdown renders the table, the line above it (date, versions) and the footnotes below.
func markdown(modules []*module, perPackage bool, date string) string {
	var b strings.Builder
	var versions []string
	for _, m := range modules {
		if m.Version != "" {
			versions = append(versions, m.Name+" "+m.Version)
		}
	}
	if date != "" || len(versions) > 0 {
		line := "Counted"
		if date != "" {
			line += " " + date
		}
		line += " for linux/amd64"
		if len(versions) > 0 {
			line += ": " + strings.Join(versions, ", ")
		}
		b.WriteString(wrap(line+".") + "\n")
	}
	head := []string{"package"}
	align := []string{"---"}
	if !perPackage {
		head = []string{"module", "version", "packages"}
		align = []string{"---", "---", "---:"}
	}
	for range columns {
		align = append(align, "---:")
	}
	fmt.Fprintf(&b, "| %s |\n|%s|\n", strings.Join(append(head, columns...), " | "), strings.Join(align, "|"))
	for _, r := range rows(modules, perPackage) {
		label := "`" + r.label + "`"
		if r.total {
			label = "**" + r.label + "**"
		}
		cells := []string{label}
		if !perPackage {
			cells = append(cells, r.version, fmt.Sprint(r.packages))
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(append(cells, r.counts.cells()...), " | "))
	}
	var sums []string
	for _, m := range modules {
		if len(m.Pkgs) < 2 {
			continue
		}
		var parts []string
		for _, p := range m.Pkgs {
			if p.Rel == "." {
				parts = append(parts, "its root package")
			} else {
				parts = append(parts, "`"+p.Rel+"`")
			}
		}
		sums = append(sums, m.Name+" = "+strings.Join(parts, " + "))
	}
	b.WriteString("\n")
	if len(sums) > 0 {
		verb := "sums"
		if !perPackage {
			verb = "is the sum of"
		}
		b.WriteString(wrap(fmt.Sprintf("Each module's total %s its packages: %s.", verb, strings.Join(sums, "; "))) + "\n")
	}
	b.WriteString(wrap(rulesNote))
	return b.String()
}

// rulesNote ends every Markdown table: the counting rules in short.
const rulesNote = "Counted: exported package-level consts, vars, funcs and types; exported methods of " +
	"exported types; exported fields of exported struct types; exported methods of exported " +
	"interfaces; each once, in the non-test files that build for linux/amd64. Packages named " +
	"main or internal, and internal/, testdata/ and vendor/ directories, are not counted " +
	"(rules: `go doc ./cmd/apisurface`)."

// wrapWidth is the README's line length for prose.
const wrapWidth = 92

// wrap breaks a paragraph into lines of at most wrapWidth bytes, each ending in a newline;
// a word longer than that, or a `code span`, stays on one line.
func wrap(s string) string {
	var words []string
	open := false // inside a code span: glue the word to the previous one
	for _, w := range strings.Fields(s) {
		if open {
			words[len(words)-1] += " " + w
		} else {
			words = append(words, w)
		}
		if strings.Count(w, "`")%2 == 1 {
			open = !open
		}
	}
	var b strings.Builder
	n := 0
	for _, w := range words {
		switch {
		case n == 0:
		case n+1+len(w) > wrapWidth:
			b.WriteString("\n")
			n = 0
		default:
			b.WriteString(" ")
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String() + "\n"
}

// readmeSection names the README's markers (internal/readme) between which -readme puts the
// table.
const readmeSection = "api"
