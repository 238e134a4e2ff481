package sqlitedb_test

import (
	"reflect"
	"strings"
	"testing"

	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

// TestInsertJSONKeepsTypes: rows inserted through one JSON parameter are
// stored exactly as bound parameters store them (value and SQLite type),
// in order, in tables with and without column affinity.
func TestInsertJSONKeepsTypes(t *testing.T) {
	db, err := sqlitedb.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows [][]any
	// 60 rows × 7 values: more than one statement's parameters. r, z and
	// big are the same in every row (bound once), the others go as JSON.
	for i := 0; i < 60; i++ {
		rows = append(rows, []any{int64(i), float64(i), 2.5, "x\"y\\z\n\u00e9😀\x01" + strings.Repeat("!", i%2), nil, i%2 == 0, int64(-1) << 60})
	}
	for _, ddl := range []string{
		`CREATE TABLE a (n, f, r, s, z, b, big)`,
		`CREATE TABLE b (n INTEGER, f REAL, r REAL, s TEXT, z TEXT, b INTEGER, big INTEGER)`,
		`CREATE TABLE a2 (n, f, r, s, z, b, big)`,
		`CREATE TABLE b2 (n INTEGER, f REAL, r REAL, s TEXT, z TEXT, b INTEGER, big INTEGER)`,
	} {
		if _, err := db.Exec(ddl); err != nil {
			t.Fatal(err)
		}
	}
	dump := func(table string) [][]any {
		r, err := db.Exec(`SELECT n, typeof(n), f, typeof(f), r, typeof(r), s, z, typeof(z), b, typeof(b), big FROM ` + table + ` ORDER BY rowid`)
		if err != nil {
			t.Fatal(err)
		}
		return r.Values
	}
	for _, p := range [][2]string{{"a", "a2"}, {"b", "b2"}} {
		st, ok := sqldb.InsertJSON(`INSERT INTO `+p[0]+` (n, f, r, s, z, b, big)`, rows)
		if !ok || len(st) != 1 {
			t.Fatalf("InsertJSON: %v %d statements", ok, len(st))
		}
		if err := sqldb.ExecAll(db, st); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows { // bound parameters, one row a statement
			if _, err := db.Exec(`INSERT INTO `+p[1]+` (n, f, r, s, z, b, big) VALUES (?, ?, ?, ?, ?, ?, ?)`, r...); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := dump(p[0]), dump(p[1]); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: JSON rows\n%v\nbound rows\n%v", p[0], got[:2], want[:2])
		}
	}
	if _, ok := sqldb.InsertJSON(`INSERT INTO a (n)`, [][]any{{[]byte("blob")}, {[]byte("blob2")}}); ok {
		t.Fatal("a blob has no JSON form")
	}
}

// TestInsertJSONChunks: rows over one statement's JSON bound split into
// several statements, each holding whole rows, all of them inserted in
// order (the buffer of each chunk is sized from its first row, so rows of
// other sizes must still fit).
func TestInsertJSONChunks(t *testing.T) {
	db, err := sqlitedb.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE c (n INTEGER, s TEXT)`); err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	for i := 0; i < 3000; i++ {
		rows = append(rows, []any{int64(i), strings.Repeat("é", 40+(i*37)%400)})
	}
	st, ok := sqldb.InsertJSON(`INSERT INTO c (n, s)`, rows)
	if !ok || len(st) < 2 {
		t.Fatalf("InsertJSON: %v, %d statements for about 1.3 MB of rows", ok, len(st))
	}
	if err := sqldb.ExecAll(db, st); err != nil {
		t.Fatal(err)
	}
	got, err := db.Exec(`SELECT n, s FROM c ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Values) != len(rows) {
		t.Fatalf("%d rows inserted, want %d", len(got.Values), len(rows))
	}
	for i, r := range got.Values {
		if !reflect.DeepEqual(r, rows[i]) {
			t.Fatalf("row %d: %v, want %v", i, r, rows[i])
		}
	}
}
