package main

import "testing"

func TestEndpointURLs(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"case count", caseCountURL("ws://127.0.0.1:9010"), "ws://127.0.0.1:9010/getCaseCount"},
		{"case count, base with a slash", caseCountURL("ws://127.0.0.1:9010/"), "ws://127.0.0.1:9010/getCaseCount"},
		{"run case", runCaseURL("ws://127.0.0.1:9010", 12, "bronco-client"), "ws://127.0.0.1:9010/runCase?case=12&agent=bronco-client"},
		{"run case, agent escaped", runCaseURL("ws://h:1/", 1, "a b&c"), "ws://h:1/runCase?case=1&agent=a+b%26c"},
		{"update reports", updateReportsURL("ws://127.0.0.1:9010", "bronco-client"), "ws://127.0.0.1:9010/updateReports?agent=bronco-client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestParseCaseCount(t *testing.T) {
	tests := []struct {
		msg     string
		want    int
		wantErr bool
	}{
		{msg: "517", want: 517},
		{msg: " 45\n", want: 45},
		{msg: "0", wantErr: true},
		{msg: "-3", wantErr: true},
		{msg: "", wantErr: true},
		{msg: "many", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			got, err := parseCaseCount([]byte(tt.msg))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseCaseCount(%q) = %d, %v; want %d, error %v", tt.msg, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
