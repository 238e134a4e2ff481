package domain

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// Input normalisation: every API hands the domain record data as its
// decoder left it (json.Number from REST, int64/float64 from GraphQL
// variables and literals, typed slices from Go callers), and Decide turns
// it into the one form events carry. The same input thus makes the same
// event whichever API carried it.
//
// Canonical forms, by field type:
//   - NUMBER, POSITION: float64 (Twenty's Float); "first" / "last" become a
//     number before the lowest / after the highest position of the object's
//     records (0 when none has one).
//   - NUMERIC (BigFloat, amountMicros, addressLat/Lng), and every number in
//     RAW_JSON: by value, int64 when the number is an integer that fits,
//     else float64; a numeric string is parsed.
//   - DATE_TIME: UTC with milliseconds, TimeLayout.
//   - RAW_JSON: maps as map[string]any, arrays as []any; ARRAY and
//     MULTI_SELECT: []any.
//   - composites: an object of the subfields given, each in its part's form.
//   - TEXT, UUID, DATE, SELECT, RATING, BOOLEAN, relation ids: unchanged.

// TimeLayout is the one layout of DATE_TIME values in events and read
// models: UTC with milliseconds, so that text order is time order.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Position keywords a POSITION input may give instead of a number.
const (
	PositionFirst = "first"
	PositionLast  = "last"
)

// PositionRange is where an object's records sit: the lowest and highest
// numeric position; Any is false when no record has one.
type PositionRange struct {
	Min, Max float64
	Any      bool
}

// NormalizeData returns data (already accepted by ValidateData for obj) in
// canonical form. It does not modify data. Position keywords are resolved
// against st.Positions.
func NormalizeData(st State, obj *Object, data map[string]any) (map[string]any, error) {
	return normalizeInto(st, obj, data, make(map[string]any, len(data)))
}

// normalizeInto is NormalizeData writing into out, which may be data
// itself (Decide's own copy: one map less per record).
func normalizeInto(st State, obj *Object, data, out map[string]any) (map[string]any, error) {
	for k, v := range data {
		f := InputField(obj, k)
		switch {
		case f == nil || v == nil || f.Type == TypeRelation:
			out[k] = v
		case f.Type == TypePosition && isPositionKeyword(v):
			p, err := resolvePosition(st, obj, v.(string))
			if err != nil {
				return nil, err
			}
			out[k] = p
		default:
			out[k] = NormalizeValue(f, v)
		}
	}
	return out, nil
}

// NormalizeValue returns a value of field f in canonical form (a position
// keyword is left as is: only NormalizeData knows the records). v must be
// valid for f.
func NormalizeValue(f *Field, v any) any {
	if v == nil {
		return nil
	}
	if IsComposite(f.Type) {
		m, ok := asMap(v)
		if !ok {
			return v
		}
		out := make(map[string]any, len(m))
		for k, sv := range m {
			sub, _ := subfield(f.Type, k)
			out[k] = normalizeScalar(sub.Type, sv)
		}
		return out
	}
	return normalizeScalar(f.Type, v)
}

func normalizeScalar(t FieldType, v any) any {
	if v == nil {
		return nil
	}
	switch t {
	case TypeNumber, TypePosition:
		if isPositionKeyword(v) {
			return v
		}
		if x, ok := numberValue(v); ok {
			return x
		}
	case TypeNumeric:
		if x, ok := numberValue(v); ok {
			return canonicalNumber(x, v)
		}
	case TypeDateTime:
		if s, ok := v.(string); ok {
			if at, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return at.UTC().Format(TimeLayout)
			}
		}
	case TypeRawJSON, TypeArray, TypeMultiSelect:
		return NormalizeNumbers(v)
	}
	return v
}

func isPositionKeyword(v any) bool {
	s, ok := v.(string)
	return ok && (s == PositionFirst || s == PositionLast)
}

func resolvePosition(st State, obj *Object, keyword string) (float64, error) {
	r, err := st.Positions(obj.NameSingular)
	if err != nil || !r.Any {
		return 0, err
	}
	if keyword == PositionFirst {
		return r.Min - 1, nil
	}
	return r.Max + 1, nil
}

// NormalizeNumbers returns a copy of a decoded JSON value with its numbers
// in canonical form (json.Number from a decoder with UseNumber, and any Go
// number: int64 for an integer that fits, else float64), maps as
// map[string]any and arrays as []any. Other values are returned as is.
func NormalizeNumbers(v any) any {
	switch x := v.(type) {
	case nil, string, bool:
		return v
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = NormalizeNumbers(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = NormalizeNumbers(e)
		}
		return out
	}
	if f, ok := numberValue(v); ok {
		if _, isStr := v.(string); !isStr {
			return canonicalNumber(f, v)
		}
	}
	if m, ok := asMap(v); ok {
		return NormalizeNumbers(m)
	}
	if s, ok := asSlice(v); ok {
		return NormalizeNumbers(s)
	}
	return v
}

// numberValue reads a number: any Go number, a json.Number or a numeric
// string.
func numberValue(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		return parseNumber(string(n))
	case string:
		return parseNumber(n)
	}
	return asFloat(v)
}

// canonicalNumber is x as int64 when it is an integer that int64 holds,
// else as float64. raw is the input x was read from: an integer written
// in decimal (json.Number, a string, a Go integer) keeps all its digits.
func canonicalNumber(x float64, raw any) any {
	switch n := raw.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return i
		}
	case string:
		if i, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64); err == nil {
			return i
		}
	case int:
		return int64(n)
	case int8:
		return int64(n)
	case int16:
		return int64(n)
	case int32:
		return int64(n)
	case int64:
		return n
	case uint8:
		return int64(n)
	case uint16:
		return int64(n)
	case uint32:
		return int64(n)
	case uint:
		if uint64(n) <= math.MaxInt64 {
			return int64(n)
		}
	case uint64:
		if n <= math.MaxInt64 {
			return int64(n)
		}
	}
	// 2^63 is exactly representable; anything below it that is whole fits.
	if x == math.Trunc(x) && x >= -(1<<63) && x < 1<<63 {
		return int64(x)
	}
	return x
}
