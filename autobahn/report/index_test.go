package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadIndexFixture(t *testing.T) {
	res, err := loadIndex("testdata/pass/index.json", "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range res.Cases {
		ids = append(ids, c.ID.String())
	}
	want := []string{"1.1.1", "1.1.2", "6.4.1", "7.1.6", "7.9.1", "9.1.1", "9.1.2", "9.1.10", "9.2.1", "12.1.1", "13.1.1"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("case order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(caseResult{
		ID: caseID{7, 9, 1}, Behavior: verdictOK, BehaviorClose: verdictWrongCode,
		DurationMS: 3, ReportFile: "bronco_case_7_9_1.json",
	}, res.Cases[4]); diff != "" {
		t.Errorf("7.9.1 (-want +got):\n%s", diff)
	}
	if res.Agent != "bronco" || res.Dir != filepath.Join("testdata", "pass") {
		t.Errorf("agent %q dir %q", res.Agent, res.Dir)
	}
}

func TestLoadIndexRejects(t *testing.T) {
	tests := []struct {
		name    string
		index   string
		agent   string
		wantErr error
	}{
		{"no agent", `{}`, "", errNoAgent},
		{"two agents, none picked", `{"a":{"1.1.1":{"behavior":"OK","behaviorClose":"OK"}},"b":{}}`, "", errAgentAmbiguous},
		{"picked agent missing", `{"a":{"1.1.1":{"behavior":"OK","behaviorClose":"OK"}}}`, "b", errUnknownAgent},
		{"agent without cases", `{"a":{}}`, "", errNoCases},
		{"bad case id", `{"a":{"1.x":{"behavior":"OK","behaviorClose":"OK"}}}`, "", errBadCaseID},
		{"missing behaviorClose", `{"a":{"1.1.1":{"behavior":"OK"}}}`, "", errMissingVerdict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "index.json")
			if err := os.WriteFile(path, []byte(tt.index), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := loadIndex(path, tt.agent)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("loadIndex error = %v, want %v", err, tt.wantErr)
			}
		})
	}
	t.Run("two agents, one picked", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "index.json")
		index := `{"a":{"1.1.1":{"behavior":"OK","behaviorClose":"OK"}},"b":{"2.1":{"behavior":"FAILED","behaviorClose":"OK"}}}`
		if err := os.WriteFile(path, []byte(index), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := loadIndex(path, "b")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Cases) != 1 || res.Cases[0].Behavior != verdictFailed {
			t.Errorf("picked the wrong agent: %+v", res.Cases)
		}
	})
}
