// Package shellquote writes file names into the commands pwagen prints, so
// that a user can paste them into a POSIX shell as they are.
package shellquote

import (
	"strings"
	"unicode"
)

// Quote returns s as one shell word: as it is when every character is a
// letter, a digit or one of _ - . / : @ % + = , (non-ASCII letters
// included), else in single quotes.
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, unsafe) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func unsafe(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("_-./:@%+=,", r)
}
