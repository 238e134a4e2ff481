package host

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Scanner reads JSON as JSON.stringify writes it, without reflection, for
// the decoders on the hot path (the shell's input, queue messages). It is
// strict: OK turns false at the first thing it does not expect, and the
// caller then decodes the same bytes with encoding/json, which also words
// the errors. So a scan either gives what encoding/json would, or nothing.
type Scanner struct {
	b  []byte
	i  int
	ok bool
}

// NewScanner scans b.
func NewScanner(b []byte) *Scanner { return &Scanner{b: b, ok: true} }

// OK reports whether everything so far was as expected.
func (s *Scanner) OK() bool { return s.ok }

// Fail gives up the scan (the caller falls back to encoding/json).
func (s *Scanner) Fail() { s.ok = false }

// End reports whether the scan succeeded and consumed all of b.
func (s *Scanner) End() bool {
	s.space()
	return s.ok && s.i == len(s.b)
}

func (s *Scanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\n' || s.b[s.i] == '\t' || s.b[s.i] == '\r') {
		s.i++
	}
}

func (s *Scanner) peek() byte {
	s.space()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *Scanner) lit(word string) bool {
	if s.peek() == word[0] && len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}

// Null consumes a null (as encoding/json, the caller leaves its field as
// it was).
func (s *Scanner) Null() bool { return s.ok && s.lit("null") }

// Object calls member for each key, with the scanner at its value (which
// member must consume).
func (s *Scanner) Object(member func(k string)) {
	if !s.open('{', '}') {
		return
	}
	for s.ok {
		if s.peek() != '"' {
			s.ok = false
			return
		}
		k := s.key()
		if !s.ok || s.peek() != ':' {
			s.ok = false
			return
		}
		s.i++
		member(k)
		if !s.closeOr('}') {
			return
		}
	}
}

// Array calls elem for each element, with the scanner at it.
func (s *Scanner) Array(elem func()) {
	if !s.open('[', ']') {
		return
	}
	for s.ok {
		elem()
		if !s.closeOr(']') {
			return
		}
	}
}

// open consumes a container's opening bracket; false when there is
// nothing inside to read: it is empty (its closing bracket consumed too),
// or it is not there (the scan fails).
func (s *Scanner) open(start, end byte) bool {
	if !s.ok || s.peek() != start {
		s.ok = false
		return false
	}
	s.i++
	if s.peek() == end {
		s.i++
		return false
	}
	return true
}

// closeOr consumes the ',' after a member (true: another follows) or the
// closing bracket (false).
func (s *Scanner) closeOr(end byte) bool {
	switch s.peek() {
	case ',':
		s.i++
		return true
	case end:
		s.i++
	default:
		s.ok = false
	}
	return false
}

// Str reads a string. Str, Int and Bool fail on null (encoding/json would
// leave the field as a duplicate key set it): the caller checks Null first
// where null is usual.
func (s *Scanner) Str() string {
	if !s.ok {
		return ""
	}
	start, esc := s.str()
	if !s.ok {
		return ""
	}
	if esc {
		return s.unescape(start)
	}
	return string(s.b[start : s.i-1])
}

// key reads an object key: one of the keys the hot path's decoders know
// without allocating (they are most of the allocations of a queue batch),
// any other as Str does.
func (s *Scanner) key() string {
	start, esc := s.str()
	if !s.ok {
		return ""
	}
	if esc {
		return s.unescape(start)
	}
	if k, ok := knownKeys[string(s.b[start:s.i-1])]; ok {
		return k
	}
	return string(s.b[start : s.i-1])
}

var knownKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"workspace", "account", "token", "instance", "env", "testHooks", "request", "resume", "socket", "messages", // the shell's input
		"method", "path", "query", "body", "headers", "ctx", "result", "error", "id", "attempts", // its parts
		"seq", "type", "schemaVersion", "time", "actor", "commandId", "payload", "ref", "notify", // an EVENTS message
	} {
		m[k] = k
	}
	return m
}()

// str passes a string, from its opening quote to after its closing one;
// it returns where its content starts and whether it has escapes.
func (s *Scanner) str() (start int, esc bool) {
	if s.peek() != '"' {
		s.ok = false
		return 0, false
	}
	s.i++
	start = s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return start, esc
		case c == '\\':
			if s.i+1 >= len(s.b) {
				s.ok = false
				return 0, false
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) || !isHex4(s.b[s.i+2:s.i+6]) {
					s.ok = false
					return 0, false
				}
				s.i += 6
			default:
				s.ok = false
				return 0, false
			}
			esc = true
		case c < 0x20:
			s.ok = false
			return 0, false
		case c >= utf8.RuneSelf: // JSON.stringify leaves non-ASCII as UTF-8
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n == 1 {
				s.ok = false // encoding/json would replace it: let it
				return 0, false
			}
			s.i += n
		default:
			s.i++
		}
	}
	s.ok = false
	return 0, false
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// unescape decodes the string that starts at start and ends before s.i
// (str has checked its escapes).
func (s *Scanner) unescape(start int) string {
	in := s.b[start : s.i-1]
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); {
		c := in[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		e := in[i+1]
		i += 2
		switch e {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(in[i:])
			i += 4
			if utf16.IsSurrogate(r) {
				if i+6 <= len(in) && in[i] == '\\' && in[i+1] == 'u' {
					if r2 := utf16.DecodeRune(r, hex4(in[i+2:])); r2 != utf8.RuneError {
						r = r2
						i += 6
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default: // '"', '\\', '/'
			out = append(out, e)
		}
	}
	return string(out)
}

func hex4(b []byte) rune {
	v, _ := strconv.ParseUint(string(b[:4]), 16, 32)
	return rune(v)
}

// Bool reads true or false.
func (s *Scanner) Bool() bool {
	switch {
	case s.lit("true"):
		return true
	case s.lit("false"):
		return false
	}
	s.ok = false
	return false
}

// Int reads an integer; a fraction or an exponent fails.
func (s *Scanner) Int() int64 {
	if !s.ok {
		return 0
	}
	start := s.i
	if !s.number() {
		return 0
	}
	n, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	if err != nil {
		s.ok = false
	}
	return n
}

// number passes a number as JSON spells it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *Scanner) number() bool {
	s.space()
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	if s.i < len(s.b) && s.b[s.i] == '0' {
		s.i++
	} else if digits() == 0 {
		s.ok = false
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			s.ok = false
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			s.ok = false
			return false
		}
	}
	return true
}

// Raw returns one value's bytes as they are (a json.RawMessage, copied).
func (s *Scanner) Raw() json.RawMessage {
	if !s.ok {
		return nil
	}
	s.space()
	start := s.i
	s.Skip()
	if !s.ok {
		return nil
	}
	return append(json.RawMessage(nil), s.b[start:s.i]...)
}

// Skip passes one value, checking its syntax, without building anything.
func (s *Scanner) Skip() { s.skip(0) }

func (s *Scanner) skip(depth int) {
	if depth > 200 {
		s.ok = false
		return
	}
	switch c := s.peek(); {
	case c == '"':
		s.str()
	case c == '{': // Object's loop, but its keys are passed, not built
		if !s.open('{', '}') {
			return
		}
		for s.ok {
			if s.str(); !s.ok || s.peek() != ':' {
				s.ok = false
				return
			}
			s.i++
			s.skip(depth + 1)
			if !s.closeOr('}') {
				return
			}
		}
	case c == '[':
		s.Array(func() { s.skip(depth + 1) })
	case c == 't' || c == 'f' || c == 'n':
		if !s.lit("true") && !s.lit("false") && !s.lit("null") {
			s.ok = false
		}
	case c == '-' || c >= '0' && c <= '9':
		s.number()
	default:
		s.ok = false
	}
}

// Any reads any value as encoding/json decodes it into an interface with
// UseNumber: objects as map[string]any (a repeated key: the last value),
// arrays as []any, numbers as json.Number.
func (s *Scanner) Any() any { return s.anyValue(0) }

func (s *Scanner) anyValue(depth int) any {
	if !s.ok || depth > 200 {
		s.ok = false
		return nil
	}
	switch c := s.peek(); {
	case c == '"':
		return s.Str()
	case c == '{':
		m := map[string]any{}
		s.Object(func(k string) { m[k] = s.anyValue(depth + 1) })
		return m
	case c == '[':
		l := []any{}
		s.Array(func() { l = append(l, s.anyValue(depth+1)) })
		return l
	case c == 't' || c == 'f':
		return s.Bool()
	case c == 'n':
		if !s.Null() {
			s.ok = false
		}
		return nil
	}
	start := s.i
	if !s.number() {
		return nil
	}
	return json.Number(s.b[start:s.i])
}
