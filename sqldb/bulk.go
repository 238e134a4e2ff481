package sqldb

import (
	"strings"

	"edgecrm/host"
)

// MaxParams is the most bound parameters one statement may carry: Durable
// Object storage and D1 refuse more than 100.
const MaxParams = 100

// InsertRows returns the multi-row statements "head VALUES (?, ...), ..."
// that insert rows (each with the same number of values), as few as the
// parameter limit allows: rows×columns ≤ MaxParams per statement. Full
// chunks share one SQL text, so the storage's statement cache reuses it.
func InsertRows(head string, rows [][]any) []host.Statement {
	if len(rows) == 0 {
		return nil
	}
	cols := len(rows[0])
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
