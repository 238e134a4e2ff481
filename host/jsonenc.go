package host

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendJSON appends v as json.Marshal encodes it, without reflection for
// the shapes responses are made of (maps, slices, strings, numbers): a
// batch create's answer is thousands of records. Any other value, and any
// string needing escapes, goes through json.Marshal itself, so the bytes
// are always encoding/json's.
func appendJSON(b []byte, v any) ([]byte, error) {
	return AppendJSON(b, v)
}

// AppendJSON appends v as json.Marshal encodes it (appendJSON).
func AppendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		return appendString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int8: // decoded msgpack payloads hold the smallest kinds
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return appendMarshal(b, x)
		}
		f := byte('f') // encoding/json's choice of format
		if a := math.Abs(x); a != 0 && (a < 1e-6 || a >= 1e21) {
			f = 'e'
		}
		b = strconv.AppendFloat(b, x, f, -1, 64)
		if n := len(b); f == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1] // e-09 → e-9
			b = b[:n-1]
		}
		return b, nil
	case RawJSON:
		return append(b, x...), nil
	case map[string]any:
		if x == nil {
			return append(b, "null"...), nil
		}
		return appendMap(b, x, appendJSON)
	case []any:
		return appendList(b, x)
	case []map[string]any:
		return appendList(b, x)
	}
	return appendMarshal(b, v)
}

// RawJSON is JSON text already written (projections.RecordJSON): the
// encoders append it as it is.
type RawJSON []byte

// MarshalJSON lets encoding/json embed it as well.
func (r RawJSON) MarshalJSON() ([]byte, error) { return r, nil }

// appendMap writes a map with sorted keys, as json.Marshal does, each
// value with val. A record's entries are taken out once, with their
// values, and sorted by key in place: looking each value up again by its
// sorted key hashed every key a second time (wasm has no hardware hash).
func appendMap[V any](b []byte, m map[string]V, val func([]byte, V) ([]byte, error)) ([]byte, error) {
	var buf [48]entry[V] // the fields of most records, without an allocation
	es := buf[:0]
	if len(m) <= len(buf) {
		for k, v := range m {
			es = append(es, entry[V]{k, v})
		}
		for i := 1; i < len(es); i++ { // insertion sort: a few dozen keys
			for j := i; j > 0 && es[j].k < es[j-1].k; j-- {
				es[j], es[j-1] = es[j-1], es[j]
			}
		}
	} else {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			es = append(es, entry[V]{k, m[k]})
		}
	}
	b = append(b, '{')
	for i := range es {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendString(b, es[i].k); err != nil {
			return nil, err
		}
		if b, err = val(append(b, ':'), es[i].v); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

type entry[V any] struct {
	k string
	v V
}

// AppendString appends s as json.Marshal encodes it.
func AppendString(b []byte, s string) []byte {
	b, _ = appendString(b, s)
	return b
}

// appendString is appendJSON of a string (a string passed as any would be
// boxed: an allocation per map key). It escapes as encoding/json does
// (HTML-safe: <, > and & as \u00XX; U+2028, U+2029; invalid UTF-8 as
// \ufffd) without calling it: any string with one byte to escape or one
// accented letter went through json.Marshal's reflection (a short name
// with accents: 0.7 µs → 0.1 µs inside wasm). FuzzAppendString holds it
// to json.Marshal's bytes.
func appendString(b []byte, x string) ([]byte, error) {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(x); {
		c := x[i]
		if plain[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(x[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				b = append(append(b, x[start:i]...), `\ufffd`...)
			case r == '\u2028' || r == '\u2029':
				b = append(append(b, x[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			default:
				i += size
				continue
			}
			i += size
			start = i
			continue
		}
		b = append(b, x[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default: // other control bytes, <, > and &
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	return append(append(b, x[start:]...), '"'), nil
}

const hexDigits = "0123456789abcdef"

// plain marks the bytes a JSON string holds as they are (ASCII only:
// the others are checked as UTF-8).
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendList writes a list of maps or of any values (nil: null).
func appendList[T any](b []byte, x []T) ([]byte, error) {
	if x == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, e := range x {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendJSON(b, e); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

func appendMarshal(b []byte, v any) ([]byte, error) {
	m, err := json.Marshal(v)
	return append(b, m...), err
}
