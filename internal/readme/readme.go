// Package readme rewrites the region of a document between a pair of markers, so that a
// README shows the table a command printed, never a copy typed by hand.
package readme

import (
	"fmt"
	"os"
	"strings"
)

// Markers returns the markers of the section called name: <!-- name:begin --> and
// <!-- name:end -->.
func Markers(name string) (begin, end string) {
	return "<!-- " + name + ":begin -->", "<!-- " + name + ":end -->"
}

// Splice returns doc with the text between the markers of the section called name replaced
// by content, which starts on the line after the begin marker. Missing, reversed or repeated
// markers are an error, not a section added: where a section goes is its authors' choice.
func Splice(doc, name, content string) (string, error) {
	begin, end := Markers(name)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	switch {
	case i < 0 || j < i:
		return "", fmt.Errorf("no %s … %s markers, in that order", begin, end)
	case strings.Count(doc, begin) > 1 || strings.Count(doc, end) > 1:
		return "", fmt.Errorf("the %s markers appear more than once", name)
	}
	return doc[:i+len(begin)] + "\n" + content + doc[j:], nil
}

// Write splices content into the section called name of the file at path, keeping the
// file's permissions.
func Write(path, name, content string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc, err := Splice(string(b), name, content)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(doc), info.Mode().Perm())
}
