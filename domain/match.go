package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Hand-written matchers instead of regexp: the regexp package and the
// Unicode tables it pulls in cost ~100 KB of gzipped wasm (see
// docs/architecture.md, Size budget). Each says which pattern it replaces.

// ASCII byte classes for the matchers here and in other packages.
func IsLower(c byte) bool    { return 'a' <= c && c <= 'z' }
func IsDigit(c byte) bool    { return '0' <= c && c <= '9' }
func IsLetter(c byte) bool   { return IsLower(c | 0x20) }
func IsAlnum(c byte) bool    { return IsLetter(c) || IsDigit(c) }
func isHexDigit(c byte) bool { return IsDigit(c) || ('a' <= c|0x20 && c|0x20 <= 'f') }

// Span reports whether s is first then rest*, with a length (in bytes)
// within [min, max]; first nil means rest for every byte.
func Span(s string, min, max int, first, rest func(byte) bool) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 0 && first != nil {
			if !first(s[0]) {
				return false
			}
		} else if !rest(s[i]) {
			return false
		}
	}
	return true
}

// isUUID: ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return false
			}
		} else if !isHexDigit(s[i]) {
			return false
		}
	}
	return true
}

// isEmailLocal: ^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$
func isEmailLocal(s string) bool {
	for _, atom := range strings.Split(s, ".") {
		if atom == "" {
			return false
		}
		for i := 0; i < len(atom); i++ {
			if c := atom[i]; !IsAlnum(c) && !strings.ContainsRune("!#$%&'*+/=?^_`{|}~-", rune(c)) {
				return false
			}
		}
	}
	return true
}

// isHostName: ^(?:L(?:[L-]{0,61}L)?\.)+\p{L}{2,63}$ where L is
// [\p{L}\p{N}]; lengths count runes.
func isHostName(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	tld := labels[len(labels)-1]
	if n := utf8.RuneCountInString(tld); n < 2 || n > 63 || strings.IndexFunc(tld, func(r rune) bool { return !unicode.IsLetter(r) }) >= 0 {
		return false
	}
	ln := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }
	for _, l := range labels[:len(labels)-1] {
		rs := []rune(l)
		if len(rs) == 0 || len(rs) > 63 || !ln(rs[0]) || !ln(rs[len(rs)-1]) {
			return false
		}
		for _, r := range rs {
			if r != '-' && !ln(r) {
				return false
			}
		}
	}
	return true
}

// isIPv4ish: ^\d{1,3}(?:\.\d{1,3}){3}$ (no range check, like the pattern).
func isIPv4ish(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if !Span(p, 1, 3, nil, IsDigit) {
			return false
		}
	}
	return true
}

// isSpace is RE2's \s: [\t\n\f\r ].
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

// isURL: (?i)^(?:https?://)?(?:hostName|localhost|ipv4)(?::\d{1,5})?(?:[/?#]\S*)?$
// An optional http(s) scheme, a host (domain with a TLD, localhost or
// IPv4), an optional port, then anything without spaces after / ? or #.
func isURL(s string) bool {
	for _, scheme := range []string{"http://", "https://"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			s = s[len(scheme):]
			break
		}
	}
	// The host runs to the first : / ? # (none of them can be in a host).
	end := strings.IndexAny(s, ":/?#")
	if end < 0 {
		end = len(s)
	}
	host, rest := s[:end], s[end:]
	if !isHostName(host) && !strings.EqualFold(host, "localhost") && !isIPv4ish(host) {
		return false
	}
	if strings.HasPrefix(rest, ":") {
		n := 1
		for n < len(rest) && IsDigit(rest[n]) {
			n++
		}
		if n == 1 || n > 6 {
			return false
		}
		rest = rest[n:]
	}
	if rest == "" {
		return true
	}
	if c := rest[0]; c != '/' && c != '?' && c != '#' {
		return false
	}
	for i := 1; i < len(rest); i++ {
		if isSpace(rest[i]) {
			return false
		}
	}
	return true
}
