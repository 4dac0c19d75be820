package main

import (
	"fmt"
	"os"
	"strings"
)

// The README's table lives between these markers; -readme replaces what is between them
// with the table of the run, so the README shows what the command printed, not a copy.
const (
	readmeBegin = "<!-- bench-peers:begin -->"
	readmeEnd   = "<!-- bench-peers:end -->"
)

// spliceTable returns doc with the text between its markers replaced by table.
func spliceTable(doc, table string) (string, error) {
	i := strings.Index(doc, readmeBegin)
	j := strings.Index(doc, readmeEnd)
	if i < 0 || j < i {
		return "", fmt.Errorf("peers: no %s ... %s markers, in that order", readmeBegin, readmeEnd)
	}
	return doc[:i+len(readmeBegin)] + "\n" + table + doc[j:], nil
}

// writeReadme puts table into the README at path.
func writeReadme(path, table string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc, err := spliceTable(string(b), table)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}
