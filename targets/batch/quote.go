package batch

import "strings"

// Every value that reaches a generated script goes through Quote: nothing
// the compose file says is ever interpreted by the shell.

// Quote returns s as one bash word that evaluates to exactly the bytes of
// s: plain when it holds only characters bash never treats specially,
// else in single quotes, inside which bash interprets nothing (a single
// quote is written as '\”). Newlines, non-UTF-8 bytes and leading dashes
// pass unchanged. s must not contain a NUL byte, which no argument or
// environment value can hold; the planner rejects those first.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	if plain(s) {
		return s
	}
	return singleQuoted(s)
}

// singleQuoted is s in single quotes, always: Quote's form for values
// that must not look like a word to a reader or to shellcheck
// (`project=docker` reads like a mistaken command).
func singleQuoted(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// plain reports whether s needs no quotes. '~' (tilde expansion), '='
// and ':' after it (assignment words) and glob characters are left out on
// purpose; so is everything outside ASCII.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("_-./+,@%", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// quoteAll quotes each word and joins them with spaces.
func quoteAll(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = Quote(w)
	}
	return strings.Join(q, " ")
}
