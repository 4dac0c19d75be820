package readme

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplice(t *testing.T) {
	begin, end := Markers("t")
	tests := []struct {
		name, doc, want string
		wantErr         bool
	}{
		{name: "replaces the region",
			doc:  "intro\n" + begin + "\nold\n" + end + "\nafter\n",
			want: "intro\n" + begin + "\n| new |\n" + end + "\nafter\n"},
		{name: "empty region", doc: begin + end, want: begin + "\n| new |\n" + end},
		{name: "another section's markers", doc: "<!-- u:begin -->\n<!-- u:end -->\n", wantErr: true},
		{name: "no markers", doc: "intro\n", wantErr: true},
		{name: "end only", doc: "intro\n" + end, wantErr: true},
		{name: "markers reversed", doc: end + begin, wantErr: true},
		{name: "markers twice", doc: begin + end + begin + end, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Splice(tt.doc, "t", "| new |\n")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("doc (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWrite rewrites a file's section and keeps its permissions; a file without the
// section is left as it was.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	begin, end := Markers("t")
	with, without := filepath.Join(dir, "with.md"), filepath.Join(dir, "without.md")
	if err := os.WriteFile(with, []byte("# x\n"+begin+"\nstale\n"+end+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(without, []byte("# y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(with, "t", "fresh\n"); err != nil {
		t.Fatal(err)
	}
	if err := Write(without, "t", "fresh\n"); err == nil {
		t.Error("a file without the markers was accepted")
	}
	type file struct {
		Doc  string
		Perm os.FileMode
	}
	read := func(path string) file {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return file{string(b), info.Mode().Perm()}
	}
	got := []file{read(with), read(without)}
	want := []file{{"# x\n" + begin + "\nfresh\n" + end + "\n", 0o600}, {"# y\n", 0o644}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}
