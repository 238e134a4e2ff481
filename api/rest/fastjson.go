package rest

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// fastJSON decodes body as decodeJSON does (numbers as json.Number) without
// reflection, for the bodies clients send: it gives up (ok false) on
// anything unusual (escapes, invalid UTF-8, bad syntax, deep nesting,
// trailing data), and decodeJSON then decodes with encoding/json, which
// also words the errors. A batch create's body is decoded in a fraction of
// encoding/json's time and allocations.
func fastJSON(body string) (v any, ok bool) {
	d := fastDecoder{s: body}
	v, ok = d.value(0)
	if !ok {
		return nil, false
	}
	d.space()
	return v, d.i == len(d.s)
}

type fastDecoder struct {
	s string
	i int
	// keys interns object keys: a batch's records repeat the same few,
	// which are then allocated once, not once per record.
	keys map[string]string
}

// key reads an object key (as str), interned.
func (d *fastDecoder) key() (string, bool) {
	k, ok := d.strView()
	if !ok {
		return "", false
	}
	if s, seen := d.keys[k]; seen {
		return s, true
	}
	k = strings.Clone(k)
	if d.keys == nil {
		d.keys = map[string]string{}
	}
	if len(d.keys) < 256 { // bounded: keys of a client's own making vary
		d.keys[k] = k
	}
	return k, true
}

func (d *fastDecoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *fastDecoder) value(depth int) (any, bool) {
	d.space()
	if d.i >= len(d.s) || depth > 500 {
		return nil, false
	}
	switch c := d.s[d.i]; {
	case c == '{':
		d.i++
		m := map[string]any{}
		d.space()
		if d.i < len(d.s) && d.s[d.i] == '}' {
			d.i++
			return m, true
		}
		for {
			d.space()
			k, ok := d.key()
			if !ok {
				return nil, false
			}
			d.space()
			if d.i >= len(d.s) || d.s[d.i] != ':' {
				return nil, false
			}
			d.i++
			if m[k], ok = d.value(depth + 1); !ok {
				return nil, false
			}
			d.space()
			if d.i >= len(d.s) {
				return nil, false
			}
			if d.s[d.i] == '}' {
				d.i++
				return m, true
			}
			if d.s[d.i] != ',' {
				return nil, false
			}
			d.i++
		}
	case c == '[':
		d.i++
		l := []any{}
		d.space()
		if d.i < len(d.s) && d.s[d.i] == ']' {
			d.i++
			return l, true
		}
		for {
			x, ok := d.value(depth + 1)
			if !ok {
				return nil, false
			}
			l = append(l, x)
			d.space()
			if d.i >= len(d.s) {
				return nil, false
			}
			if d.s[d.i] == ']' {
				d.i++
				return l, true
			}
			if d.s[d.i] != ',' {
				return nil, false
			}
			d.i++
		}
	case c == '"':
		s, ok := d.str()
		return s, ok
	case c == 't':
		return true, d.word("true")
	case c == 'f':
		return false, d.word("false")
	case c == 'n':
		return nil, d.word("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	}
	return nil, false
}

func (d *fastDecoder) word(w string) bool {
	if !strings.HasPrefix(d.s[d.i:], w) {
		return false
	}
	d.i += len(w)
	return true
}

// str reads a string without escapes or control characters, in valid UTF-8.
func (d *fastDecoder) str() (string, bool) {
	s, ok := d.strView()
	return strings.Clone(s), ok // not a view that keeps the body alive
}

// strView is str returning a view into the body.
func (d *fastDecoder) strView() (string, bool) {
	if d.i >= len(d.s) || d.s[d.i] != '"' {
		return "", false
	}
	start, ascii := d.i+1, true
	for j := start; j < len(d.s); j++ {
		switch c := d.s[j]; {
		case c == '"':
			s := d.s[start:j]
			if !ascii && !utf8.ValidString(s) {
				return "", false
			}
			d.i = j + 1
			return s, true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= 0x80:
			ascii = false
		}
	}
	return "", false
}

// number reads a number in JSON's grammar as a json.Number.
func (d *fastDecoder) number() (any, bool) {
	start, i := d.i, d.i
	digits := func() bool {
		n := i
		for i < len(d.s) && d.s[i] >= '0' && d.s[i] <= '9' {
			i++
		}
		return i > n
	}
	if d.s[i] == '-' {
		i++
	}
	if i < len(d.s) && d.s[i] == '0' {
		i++
	} else if !digits() {
		return nil, false
	}
	if i < len(d.s) && d.s[i] == '.' {
		i++
		if !digits() {
			return nil, false
		}
	}
	if i < len(d.s) && (d.s[i] == 'e' || d.s[i] == 'E') {
		i++
		if i < len(d.s) && (d.s[i] == '+' || d.s[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false
		}
	}
	d.i = i
	return json.Number(strings.Clone(d.s[start:i])), true
}
