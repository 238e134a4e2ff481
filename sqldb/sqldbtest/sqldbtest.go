// Package sqldbtest is the conformance suite every sqldb.DB must pass (the
// native modernc SQLite and the workerd bridge over ctx.storage.sql), and
// the helper native tests open a database with.
//
// One difference is known and allowed: workerd hands every number to the
// bridge as a JS number, so a REAL with an integral value (2.0) comes back
// as int64 there. Callers convert with sqldb.AsInt / AsFloat as needed.
//
// Check does not import "testing", so the wasm core can run it inside a
// Durable Object (a test hook) and the end-to-end tests compare the bridge
// with the native driver on the same cases.
package sqldbtest

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"edgecrm/sqldb"
)

// table is the scratch table the suite creates and drops again.
const table = "_sqldb_conformance"

// A check runs against db and returns what differs from the contract.
type check struct {
	name string
	run  func(db sqldb.DB) error
}

var checks = []check{
	{"values round-trip with their Go types", roundTrip},
	{"booleans are stored as 0 and 1", booleans},
	{"pointers bind as their value, nil pointers as NULL", pointers},
	{"an empty result still names its columns", emptyResult},
	{"rows come back in statement order", rowOrder},
	{"a failing statement returns an error, not rows", failingStatement},
	{"a constraint violation returns an error and writes nothing", constraint},
	{"100 bound parameters are accepted", hundredParams},
	{"rows inserted as JSON (sqldb.InsertJSON) keep their values and order", insertJSON},
}

// Check runs every case against db and returns one line per failure (none
// when db conforms). It leaves nothing behind in db.
func Check(db sqldb.DB) (failures []string) {
	for _, c := range checks {
		if _, err := db.Exec("DROP TABLE IF EXISTS " + table); err != nil {
			return append(failures, "setup: "+err.Error())
		}
		if _, err := db.Exec("CREATE TABLE " + table + " (k INTEGER PRIMARY KEY, v ANY) STRICT"); err != nil {
			return append(failures, "setup: "+err.Error())
		}
		if err := c.run(db); err != nil {
			failures = append(failures, c.name+": "+err.Error())
		}
	}
	if _, err := db.Exec("DROP TABLE IF EXISTS " + table); err != nil {
		failures = append(failures, "teardown: "+err.Error())
	}
	return failures
}

func roundTrip(db sqldb.DB) error {
	// Texts: ASCII, non-ASCII first, in the middle and last, a character
	// outside the BMP (a UTF-16 pair in JS), and long ones (the shell
	// writes a short string's ASCII by hand and the rest with encodeInto).
	values := []any{nil, int64(0), int64(-1), int64(math.MaxInt32) + 7, 1.5, -0.25, "", "héllo \"wörld\"\n", []byte{0, 1, 2, 255},
		"plain ascii", "ß first", "last ü", "emoji 😀 in the middle", strings.Repeat("a", 255) + "é", strings.Repeat("é", 300), strings.Repeat("ab", 200)}
	for i, v := range values {
		if _, err := db.Exec("INSERT INTO "+table+" (k, v) VALUES (?, ?)", int64(i), v); err != nil {
			return fmt.Errorf("insert %#v: %w", v, err)
		}
	}
	rows, err := db.Exec("SELECT k, v FROM " + table + " ORDER BY k")
	if err != nil {
		return err
	}
	if len(rows.Values) != len(values) {
		return fmt.Errorf("got %d rows, want %d", len(rows.Values), len(values))
	}
	for i, want := range values {
		got := rows.Values[i][1]
		if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", want) {
			return fmt.Errorf("value %d: got %T %#v, want %T %#v", i, got, got, want, want)
		}
		if gb, ok := got.([]byte); ok {
			if !bytes.Equal(gb, want.([]byte)) {
				return fmt.Errorf("value %d: got %v, want %v", i, gb, want)
			}
		} else if got != want {
			return fmt.Errorf("value %d: got %#v, want %#v", i, got, want)
		}
	}
	return nil
}

func booleans(db sqldb.DB) error {
	if _, err := db.Exec("INSERT INTO "+table+" (k, v) VALUES (1, ?), (2, ?)", true, false); err != nil {
		return err
	}
	rows, err := db.Exec("SELECT v FROM " + table + " ORDER BY k")
	if err != nil {
		return err
	}
	if len(rows.Values) != 2 || rows.Values[0][0] != int64(1) || rows.Values[1][0] != int64(0) {
		return fmt.Errorf("got %v, want [[1] [0]]", rows.Values)
	}
	return nil
}

// Optional fields (*string and the like) bind as database/sql binds them.
func pointers(db sqldb.DB) error {
	s, n := "x", int64(2)
	if _, err := db.Exec("INSERT INTO "+table+" (k, v) VALUES (1, ?), (2, ?), (3, ?)", &s, &n, (*string)(nil)); err != nil {
		return err
	}
	rows, err := db.Exec("SELECT v FROM " + table + " ORDER BY k")
	if err != nil {
		return err
	}
	if len(rows.Values) != 3 || rows.Values[0][0] != "x" || rows.Values[1][0] != int64(2) || rows.Values[2][0] != nil {
		return fmt.Errorf("got %v, want [[x] [2] [<nil>]]", rows.Values)
	}
	return nil
}

func emptyResult(db sqldb.DB) error {
	rows, err := db.Exec("SELECT k, v AS value FROM " + table + " WHERE k < 0")
	if err != nil {
		return err
	}
	if len(rows.Values) != 0 || strings.Join(rows.Columns, ",") != "k,value" {
		return fmt.Errorf("got columns %v and %d rows, want [k value] and none", rows.Columns, len(rows.Values))
	}
	return nil
}

func rowOrder(db sqldb.DB) error {
	for i := 5; i > 0; i-- {
		if _, err := db.Exec("INSERT INTO "+table+" (k, v) VALUES (?, ?)", int64(i), fmt.Sprint("row", i)); err != nil {
			return err
		}
	}
	rows, err := db.Exec("SELECT v FROM " + table + " ORDER BY k DESC")
	if err != nil {
		return err
	}
	var got []string
	for _, r := range rows.Values {
		got = append(got, sqldb.AsString(r[0]))
	}
	if strings.Join(got, " ") != "row5 row4 row3 row2 row1" {
		return fmt.Errorf("got %v", got)
	}
	return nil
}

func failingStatement(db sqldb.DB) error {
	rows, err := db.Exec("SELECT no_such_column FROM " + table)
	if err == nil {
		return fmt.Errorf("no error (rows %v)", rows)
	}
	if !strings.Contains(err.Error(), "no_such_column") {
		return fmt.Errorf("error %q does not name the column", err)
	}
	return nil
}

func constraint(db sqldb.DB) error {
	if _, err := db.Exec("INSERT INTO " + table + " (k, v) VALUES (1, 'a')"); err != nil {
		return err
	}
	if _, err := db.Exec("INSERT INTO " + table + " (k, v) VALUES (2, 'b'), (1, 'c')"); err == nil {
		return fmt.Errorf("duplicate primary key accepted")
	}
	n, err := db.Exec("SELECT count(*) FROM " + table)
	if err != nil {
		return err
	}
	if n.Int() != 1 {
		return fmt.Errorf("%d rows after a failed statement, want 1", n.Int())
	}
	return nil
}

func hundredParams(db sqldb.DB) error {
	args := make([]any, 100)
	marks := make([]string, 100)
	for i := range args {
		args[i], marks[i] = int64(i), "?"
	}
	rows, err := db.Exec("SELECT "+strings.Join(marks, "+"), args...)
	if err != nil {
		return err
	}
	if rows.Int() != 4950 {
		return fmt.Errorf("sum = %d, want 4950", rows.Int())
	}
	return nil
}

func insertJSON(db sqldb.DB) error {
	var rows [][]any
	for i := 0; i < 150; i++ { // v the same in every row: one bound parameter
		rows = append(rows, []any{int64(i), "same"})
	}
	for i := 150; i < 300; i++ { // both in the JSON
		rows = append(rows, []any{int64(i), fmt.Sprintf("é\"%d", i)})
	}
	for _, part := range [][][]any{rows[:150], rows[150:]} {
		st, ok := sqldb.InsertJSON("INSERT INTO "+table+" (k, v)", part)
		if !ok {
			return fmt.Errorf("no JSON form")
		}
		if err := sqldb.ExecAll(db, st); err != nil {
			return err
		}
	}
	got, err := db.Exec("SELECT k, v FROM " + table + " ORDER BY rowid")
	if err != nil {
		return err
	}
	if len(got.Values) != len(rows) {
		return fmt.Errorf("%d rows, want %d", len(got.Values), len(rows))
	}
	for i, r := range got.Values {
		if sqldb.AsInt(r[0]) != rows[i][0] || sqldb.AsString(r[1]) != rows[i][1] {
			return fmt.Errorf("row %d is %v, want %v", i, r, rows[i])
		}
	}
	return nil
}

// Counting counts the statements that reach its DB (in N).
type Counting struct {
	sqldb.DB
	N int
}

func (c *Counting) Exec(q string, args ...any) (*sqldb.Rows, error) {
	c.N++
	return c.DB.Exec(q, args...)
}
