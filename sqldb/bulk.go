package sqldb

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"edgecrm/host"
)

// MaxParams is the most bound parameters one statement may carry: Durable
// Object storage and D1 refuse more than 100.
const MaxParams = 100

// InsertRows returns the multi-row statements "head VALUES (?, ...), ..."
// that insert rows (each with the same number of values), as few as the
// parameter limit allows: rows×columns ≤ MaxParams per statement. Full
// chunks share one SQL text, so the storage's statement cache reuses it.
//
// Rows that need more than one such statement and hold only JSON-exact
// values go as JSON instead (InsertJSON): one parameter carries many rows,
// so a bulk insert is a few statements, not one per hundred values.
func InsertRows(head string, rows [][]any) []host.Statement {
	if len(rows) == 0 {
		return nil
	}
	cols := len(rows[0])
	if len(rows)*cols > MaxParams {
		if out, ok := InsertJSON(head, rows); ok {
			return out
		}
	}
	per := max(1, MaxParams/max(1, cols))
	var out []host.Statement
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(chunk)*cols)
		for _, r := range chunk {
			args = append(args, r...)
		}
		out = append(out, host.Statement{SQL: head + " VALUES " + tuples(len(chunk), cols), Args: args})
	}
	return out
}

// InList returns "?, ?, ..." for n values and the values as arguments, in
// chunks of at most max values.
func InList(values []string, max int) (lists []string, args [][]any) {
	for start := 0; start < len(values); start += max {
		chunk := values[start:min(start+max, len(values))]
		a := make([]any, len(chunk))
		for i, v := range chunk {
			a[i] = v
		}
		lists = append(lists, strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", "))
		args = append(args, a)
	}
	return lists, args
}

func tuples(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

// jsonChunkBytes bounds the JSON parameter of one InsertJSON statement
// (the platform's limit on a string is 2 MB).
const jsonChunkBytes = 512 << 10

// InsertJSON returns "head WITH r(v) AS MATERIALIZED (SELECT value FROM
// json_each(?)) SELECT json_extract(v, '$[0]'), ... FROM r" statements,
// each carrying up to jsonChunkBytes of rows as one JSON array of arrays,
// in order. The CTE turns each row back into JSON text once: reading
// json_each's value in every column re-encoded the row per column (2.5x
// slower for 26 columns); the column reads of one row then share SQLite's
// JSON parse cache. A column with the same value in every row (the
// batch's time and actor, nulls) is one bound parameter instead: smaller
// JSON, fewer extractions. It reports false when a value has no exact
// JSON form (a blob, invalid UTF-8, NUL, a non-finite float): those rows
// take bound parameters. SQLite reads a JSON string as TEXT, an integer as
// INTEGER, a number with a fraction or exponent as REAL and true/false as
// 1/0: what binding the Go values gives.
func InsertJSON(head string, rows [][]any) ([]host.Statement, bool) {
	cols := len(rows[0])
	for _, r := range rows {
		if len(r) != cols {
			return nil, false
		}
	}
	same := sameColumns(rows)
	sel := make([]string, cols)
	var consts []any
	var vary []int // the columns in the JSON, in order
	for i := range sel {
		if same[i] {
			sel[i] = "?"
			consts = append(consts, rows[0][i])
			continue
		}
		sel[i] = "json_extract(v, '$[" + strconv.Itoa(len(vary)) + "]')"
		vary = append(vary, i)
	}
	sql := head + " WITH r(v) AS MATERIALIZED (SELECT value FROM json_each(?)) SELECT " + strings.Join(sel, ", ") + " FROM r"
	// The JSON is written into a buffer sized from the rows written so far
	// (grown by append it was a third of a replay's allocations) and
	// becomes the parameter without a copy (unsafe.String: the buffer is
	// not written after).
	var out []host.Statement
	var b []byte
	start, left := 0, len(rows) // the chunk's first row; the rows not yet in a chunk
	for i, r := range rows {
		if b == nil {
			b = make([]byte, 1, 256)
			b[0] = '['
		} else {
			b = append(b, ',')
		}
		if i == start+1 && left > 1 { // one row written: room for the chunk's rest
			b = slices.Grow(b, min(jsonChunkBytes+len(b), len(b)*left*9/8))
		}
		b = append(b, '[')
		for k, j := range vary {
			if k > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendJSON(b, r[j]); !ok {
				return nil, false
			}
		}
		b = append(b, ']')
		if len(b) >= jsonChunkBytes || i == len(rows)-1 {
			b = append(b, ']')
			out = append(out, host.Statement{SQL: sql, Args: append([]any{unsafe.String(&b[0], len(b))}, consts...)})
			b, start, left = nil, i+1, len(rows)-i-1
		}
	}
	return out, true
}

// sameColumns reports the columns whose value is the same scalar in every
// row (two rows at least; at most MaxParams-1 of them, the JSON taking
// the last parameter).
func sameColumns(rows [][]any) []bool {
	same := make([]bool, len(rows[0]))
	if len(rows) < 2 {
		return same
	}
	n := 0
	for j, v := range rows[0] {
		switch v.(type) {
		case nil, bool, int64, int, string:
		case float64: // compared by bits: -0 is not 0
		default:
			continue
		}
		same[j] = n < MaxParams-1
		for _, r := range rows[1:] {
			if !sameValue(v, r[j]) {
				same[j] = false
				break
			}
		}
		if same[j] {
			n++
		}
	}
	return same
}

func sameValue(a, b any) bool {
	if x, ok := a.(float64); ok {
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	}
	switch b.(type) {
	case nil, bool, int64, int, string:
		return a == b
	}
	return false
}

// appendJSON appends v's exact JSON form, or reports false.
func appendJSON(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		return strconv.AppendBool(b, x), true
	case int64:
		return strconv.AppendInt(b, x, 10), true
	case int:
		return strconv.AppendInt(b, int64(x), 10), true
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return b, false
		}
		n := len(b)
		b = strconv.AppendFloat(b, x, 'g', -1, 64)
		if !strings.ContainsAny(string(b[n:]), ".e") {
			b = append(b, ".0"...) // REAL, as the bound float would be
		}
		return b, true
	case string:
		if !utf8.ValidString(x) || strings.IndexByte(x, 0) >= 0 {
			return b, false
		}
		return host.AppendString(b, x), true // not AppendJSON(b, x): x would be boxed again
	}
	return b, false
}
