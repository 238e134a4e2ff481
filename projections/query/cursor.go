package query

import (
	"bytes"
	"edgecrm/host"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"edgecrm/domain"
)

// A cursor is base64 of a JSON object holding a row's values for the order
// columns, keyed by column name, e.g. {"id":"…","position":3} — the shape
// Twenty uses. Any cursor that carries every column of the current order is
// accepted, so a cursor stays valid when only directions change.

func encodeCursor(ts []orderTerm, get func(col string) (any, bool)) (string, error) {
	// json.Marshal of the map {col: value}, without the map or reflection:
	// keys sorted, each once.
	var buf [8]int
	order := buf[:0]
	for i, t := range ts {
		if _, ok := get(t.col); !ok {
			return "", fmt.Errorf("query: row has no column %q to build its cursor", t.col)
		}
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(ts[a].col, ts[b].col) })
	var tmp [160]byte
	data := append(tmp[:0], '{')
	for k, i := range order {
		col := ts[i].col
		if k > 0 && ts[order[k-1]].col == col {
			continue
		}
		v, _ := get(col)
		if b, isBytes := v.([]byte); isBytes {
			v = string(b)
		}
		if f, isFloat := v.(float64); isFloat && (math.IsNaN(f) || math.IsInf(f, 0)) {
			v = nil
		}
		if len(data) > 1 {
			data = append(data, ',')
		}
		data = append(host.AppendString(data, col), ':')
		var err error
		if data, err = host.AppendJSON(data, v); err != nil {
			return "", fmt.Errorf("query: encoding cursor: %w", err)
		}
	}
	data = append(data, '}')
	return base64.StdEncoding.EncodeToString(data), nil
}

// decodeCursor returns the cursor's value for each term, typed as stored.
func decodeCursor(s string, ts []orderTerm, arg string) ([]any, error) {
	invalid := func(why string) error {
		return errorf(arg, "Invalid cursor %q for %s: %s", abbreviate(s), arg, why)
	}
	raw, err := decodeBase64(s)
	if err != nil {
		return nil, invalid("not base64")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, invalid("not a JSON object")
	}
	vals := make([]any, len(ts))
	for i, t := range ts {
		v, ok := m[t.col]
		if !ok {
			return nil, invalid(fmt.Sprintf("it has no value for %q (it was issued for a different orderBy)", t.col))
		}
		switch x := v.(type) {
		case nil:
			if t.col == "id" {
				return nil, invalid("its id is null")
			}
		case string:
			if t.typ != domain.SQLText {
				return nil, invalid(fmt.Sprintf("%q should be a number", t.col))
			}
			vals[i] = x
		case json.Number:
			if t.typ == domain.SQLText {
				return nil, invalid(fmt.Sprintf("%q should be a string", t.col))
			}
			n, ok := asNumber(x)
			if !ok {
				return nil, invalid(fmt.Sprintf("%q is not a number", t.col))
			}
			vals[i] = n
		case bool:
			if t.typ == domain.SQLText {
				return nil, invalid(fmt.Sprintf("%q should be a string", t.col))
			}
			vals[i] = map[bool]int64{false: 0, true: 1}[x]
		default:
			return nil, invalid(fmt.Sprintf("%q is not a scalar", t.col))
		}
	}
	return vals, nil
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	var firstErr error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err == nil {
			return b, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}
