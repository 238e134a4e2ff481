package query

import (
	"strings"
	"unicode/utf8"
)

// LIKE patterns, for both back ends. SQL runs `like` as GLOB (after
// likeToGlob: case-sensitive) and `ilike`/`containsIlike` as LIKE ...
// ESCAPE '\' (SQLite folds ASCII letters only); the Matcher runs the parsed
// pattern with the same semantics.

// likePattern is a parsed LIKE pattern: literal runes, % (any run) and _
// (one character). For `like` (run as GLOB after likeToGlob) a trailing
// backslash is a literal backslash; for `ilike` (SQLite LIKE ... ESCAPE '\')
// it makes the pattern match nothing.
type likePattern struct {
	toks    []likeTok
	fold    bool // ASCII case-insensitive
	invalid bool
}

type likeTok struct {
	kind byte // 'l' literal, '%' any run, '_' one character
	r    rune
}

func parseLike(p string, ilike bool) likePattern {
	lp := likePattern{fold: ilike}
	esc := false
	for _, r := range p {
		if esc {
			lp.toks = append(lp.toks, likeTok{'l', r})
			esc = false
			continue
		}
		switch r {
		case '\\':
			esc = true
		case '%':
			lp.toks = append(lp.toks, likeTok{kind: '%'})
		case '_':
			lp.toks = append(lp.toks, likeTok{kind: '_'})
		default:
			lp.toks = append(lp.toks, likeTok{'l', r})
		}
	}
	if esc {
		if ilike {
			lp.invalid = true
		} else {
			lp.toks = append(lp.toks, likeTok{'l', '\\'})
		}
	}
	return lp
}

func foldASCII(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

// match reports whether s matches the whole pattern, and the steps it took.
//
// It is the greedy wildcard match that backtracks only to the last %: a
// later % can absorb whatever an earlier one would have, so earlier choices
// never need revisiting. The restart point only moves forward, so the steps
// are at most (len(s)+1)·(len(toks)+2): linear in each of s and the pattern
// (a naive recursive match is exponential in the number of %).
func (lp likePattern) match(s string) (bool, int) {
	if lp.invalid {
		return false, 1
	}
	s = cString(s)
	toks := lp.toks
	steps := 0
	ti, si := 0, 0
	starT, starS := -1, 0 // the last % seen, and where its run ends now
	for {
		steps++
		if ti < len(toks) && toks[ti].kind == '%' {
			starT, starS = ti, si
			ti++
			continue
		}
		if ti < len(toks) && si < len(s) {
			r, n := utf8.DecodeRuneInString(s[si:])
			t := toks[ti]
			if t.kind == '_' || t.r == r || lp.fold && foldASCII(t.r) == foldASCII(r) {
				ti, si = ti+1, si+n
				continue
			}
		} else if ti == len(toks) && si == len(s) {
			return true, steps
		}
		// Mismatch: let the last % absorb one more character.
		if starT < 0 || starS >= len(s) {
			return false, steps
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		ti, si = starT+1, starS
	}
}

// cString is s up to its first NUL: SQLite's LIKE and GLOB see no further.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// likeToGlob translates a LIKE pattern (% any run, _ one character, \
// escapes the next character, a trailing \ is literal) into an equivalent
// GLOB pattern.
func likeToGlob(p string) string {
	var b strings.Builder
	for _, t := range parseLike(p, false).toks {
		switch t.kind {
		case '%':
			b.WriteByte('*')
		case '_':
			b.WriteByte('?')
		default:
			b.WriteString(globEscape(string(t.r)))
		}
	}
	return b.String()
}

// globEscape makes s match itself literally in a GLOB pattern.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[':
			b.WriteByte('[')
			b.WriteRune(r)
			b.WriteByte(']')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
