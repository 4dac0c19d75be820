package main

// verdict is one of the strings wstest writes into a case's "behavior" and "behaviorClose".
type verdict string

// The verdicts wstest writes. The last three appear only in behaviorClose.
const (
	verdictOK             verdict = "OK"
	verdictNonStrict      verdict = "NON-STRICT"
	verdictInformational  verdict = "INFORMATIONAL"
	verdictUnimplemented  verdict = "UNIMPLEMENTED"
	verdictFailed         verdict = "FAILED"
	verdictWrongCode      verdict = "WRONG CODE"
	verdictUnclean        verdict = "UNCLEAN"
	verdictFailedByClient verdict = "FAILED BY CLIENT"
)

// severity ranks verdicts so a case's two verdicts fold into the worse one for the table.
// Unknown strings rank with the close-only failures: they are never mistaken for OK.
func (v verdict) severity() int {
	switch v {
	case verdictOK:
		return 0
	case verdictInformational:
		return 1
	case verdictUnimplemented:
		return 2
	case verdictNonStrict:
		return 3
	case verdictFailed:
		return 5
	default:
		return 4
	}
}

// known reports whether wstest can write v.
func (v verdict) known() bool {
	switch v {
	case verdictOK, verdictNonStrict, verdictInformational, verdictUnimplemented,
		verdictFailed, verdictWrongCode, verdictUnclean, verdictFailedByClient:
		return true
	}
	return false
}

// worse returns whichever of a and b ranks higher in severity.
func worse(a, b verdict) verdict {
	if b.severity() > a.severity() {
		return b
	}
	return a
}
