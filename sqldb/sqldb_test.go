package sqldb

import (
	"errors"
	"strings"
	"testing"

	"edgecrm/host"
)

// batchDB records the calls it gets and fails the statement named "bad".
type batchDB struct{ calls []int }

func (d *batchDB) Exec(query string, args ...any) (*Rows, error) {
	d.calls = append(d.calls, 1)
	return &Rows{}, nil
}

func (d *batchDB) ExecBatch(stmts []host.Statement) (int, error) {
	d.calls = append(d.calls, len(stmts))
	for i, s := range stmts {
		if s.SQL == "bad" {
			return i, errors.New("no such table")
		}
	}
	return 0, nil
}

func TestExecAllBatches(t *testing.T) {
	db := &batchDB{}
	timed := &Timed{DB: db}
	if err := ExecAll(timed, []host.Statement{{SQL: "a"}, {SQL: "b"}, {SQL: "c"}}); err != nil {
		t.Fatal(err)
	}
	err := ExecAll(timed, []host.Statement{{SQL: "a"}, {SQL: "bad"}, {SQL: "c"}})
	if err == nil || !strings.Contains(err.Error(), "no such table (sql: bad)") {
		t.Fatalf("error %v does not name the failing statement", err)
	}
	if len(db.calls) != 2 || db.calls[0] != 3 || timed.Count != 5 || timed.Calls != 2 {
		t.Fatalf("calls %v, counted %d statements; want one call per ExecAll and 3+2 statements run", db.calls, timed.Count)
	}
}
