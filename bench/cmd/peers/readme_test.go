package main

import "testing"

func TestSpliceTable(t *testing.T) {
	tests := []struct {
		name, doc, want string
		wantErr         bool
	}{
		{name: "replaces the old table, keeps the rest",
			doc:  "intro\n" + readmeBegin + "\nold\n" + readmeEnd + "\nafter\n",
			want: "intro\n" + readmeBegin + "\n| new |\n" + readmeEnd + "\nafter\n"},
		{name: "empty region", doc: readmeBegin + readmeEnd, want: readmeBegin + "\n| new |\n" + readmeEnd},
		{name: "no markers", doc: "intro\n", wantErr: true},
		{name: "markers reversed", doc: readmeEnd + readmeBegin, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := spliceTable(tt.doc, "| new |\n")
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}
