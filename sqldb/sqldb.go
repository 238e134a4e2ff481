// Package sqldb is the small synchronous SQL port the core runs on: Durable
// Object storage (ctx.storage.sql) inside workerd, modernc.org/sqlite natively.
package sqldb

import (
	"edgecrm/host"
	"fmt"
	"strconv"
	"strings"
)

// DB runs one statement and returns every row. It is synchronous and is
// called from one goroutine at a time. Values in args and in rows are nil,
// int64, float64, string or []byte; implementations convert bools to 0/1.
type DB interface {
	Exec(query string, args ...any) (*Rows, error)
}

// Rows is a fully read result.
type Rows struct {
	Columns []string
	Values  [][]any
}

// Maps returns the rows as column-name maps.
func (r *Rows) Maps() []map[string]any {
	if r == nil {
		return nil
	}
	out := make([]map[string]any, len(r.Values))
	for i, row := range r.Values {
		m := make(map[string]any, len(r.Columns))
		for j, c := range r.Columns {
			m[c] = row[j]
		}
		out[i] = m
	}
	return out
}

// Row is one row read by column name. The rows of a Rows share one column
// index instead of a map each (a page of records is thousands of cells).
type Row struct {
	index map[string]int
	vals  []any
	m     map[string]any // a row given as a map (RowOf)
}

// RowOf is the row of map m.
func RowOf(m map[string]any) Row { return Row{m: m} }

// Records returns the rows as Rows sharing one column index.
func (r *Rows) Records() []Row {
	if r == nil || len(r.Values) == 0 {
		return nil
	}
	index := make(map[string]int, len(r.Columns))
	for j, c := range r.Columns {
		index[c] = j
	}
	out := make([]Row, len(r.Values))
	for i, vals := range r.Values {
		out[i] = Row{index: index, vals: vals}
	}
	return out
}

// IsZero reports whether r is no row.
func (r Row) IsZero() bool { return r.index == nil && r.m == nil }

// Lookup is the value of column name and whether the row has it.
func (r Row) Lookup(name string) (any, bool) {
	if r.m != nil {
		v, ok := r.m[name]
		return v, ok
	}
	j, ok := r.index[name]
	if !ok {
		return nil, false
	}
	return r.vals[j], true
}

// Get is the value of column name (nil when absent).
func (r Row) Get(name string) any {
	v, _ := r.Lookup(name)
	return v
}

// Map is the row as a column-name map (a new map for an indexed row).
func (r Row) Map() map[string]any {
	if r.m != nil || r.index == nil {
		return r.m
	}
	m := make(map[string]any, len(r.index))
	for c, j := range r.index {
		m[c] = r.vals[j]
	}
	return m
}

// Int returns the first column of the first row as an int64 (0 when absent).
func (r *Rows) Int() int64 {
	if r == nil || len(r.Values) == 0 || len(r.Values[0]) == 0 {
		return 0
	}
	return AsInt(r.Values[0][0])
}

// AsInt converts a driver value to int64 (JS numbers arrive as float64).
func AsInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case int:
		return int64(x)
	case string:
		return leadingInt(x)
	}
	return 0
}

// AsString converts a driver value to a string ("" for NULL).
func AsString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	default:
		return fmt.Sprint(x)
	}
}

// Batcher is a DB that can run several statements in one call (the workerd
// bridge: one batch instead of one per statement). ExecBatch stops at
// the first failing statement and returns its index with the error; the
// statements before it have run, as with one Exec after another.
type Batcher interface {
	ExecBatch(stmts []host.Statement) (failed int, err error)
}

// ExecAll runs statements in order and stops at the first error, in one
// call when db is a Batcher. The caller's transaction rolls back on error.
func ExecAll(db DB, stmts []host.Statement) error {
	if i, err := execBatch(db, stmts); err != nil {
		return fmt.Errorf("%w (sql: %.120s)", err, stmts[i].SQL)
	}
	return nil
}

// ExecBatch runs stmts in order, in one call when db is a Batcher, and
// returns the index of the statement that failed with its error.
func ExecBatch(db DB, stmts []host.Statement) (int, error) { return execBatch(db, stmts) }

// execBatch is ExecBatch on any DB: one call on a Batcher, else one
// statement after another.
func execBatch(db DB, stmts []host.Statement) (int, error) {
	if b, ok := db.(Batcher); ok && len(stmts) > 0 {
		return b.ExecBatch(stmts)
	}
	for i, s := range stmts {
		if _, err := db.Exec(s.SQL, s.Args...); err != nil {
			return i, err
		}
	}
	return 0, nil
}

// leadingInt reads the optionally signed decimal at the start of s (after
// spaces), 0 if none: what fmt.Sscan read, without fmt's scanner (its
// code is a cost in the wasm).
func leadingInt(s string) int64 {
	s = strings.TrimLeft(s, " \t\r\n")
	end := 0
	if end < len(s) && (s[0] == '-' || s[0] == '+') {
		end++
	}
	for end < len(s) && '0' <= s[end] && s[end] <= '9' {
		end++
	}
	n, _ := strconv.ParseInt(s[:end], 10, 64)
	return n
}
