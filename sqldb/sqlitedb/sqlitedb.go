// Package sqlitedb implements sqldb.DB natively over modernc.org/sqlite. It
// stands in for Durable Object storage and for D1 in native tests and tools.
package sqlitedb

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"edgecrm/sqldb"
	"edgecrm/sqldb/wire"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DB is one SQLite database file (or ":memory:") with a single connection,
// so that it behaves like DO storage: one writer, statements in order.
type DB struct {
	mu   sync.Mutex
	conn *sql.DB
	tx   *sql.Tx
}

var _ sqldb.DB = (*DB)(nil)

// Open opens path (":memory:" for a private in-memory database).
func Open(path string) (*DB, error) {
	conn, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(0)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1)
	if _, err := conn.Exec("PRAGMA journal_mode=WAL"); err != nil && path != ":memory:" {
		return nil, err
	}
	if err := limit(conn); err != nil {
		return nil, err
	}
	return &DB{conn: conn}, nil
}

// platformLimits are the Durable Object SQLite's own limits (workerd
// refuses a statement past them: measured with ctx.storage.sql.exec), set
// on the one connection so that native code fails where production would.
var platformLimits = map[int]int{
	sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER: sqldb.MaxParams, // bound parameters
	sqlite3.SQLITE_LIMIT_COLUMN:          100,             // columns of a result, a table, an index
	sqlite3.SQLITE_LIMIT_COMPOUND_SELECT: 5,               // terms of a UNION (ALL)
}

func limit(db *sql.DB) error {
	c, err := db.Conn(context.Background())
	if err != nil {
		return err
	}
	defer c.Close()
	for id, v := range platformLimits {
		if _, err := sqlite.Limit(c, id, v); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the database.
func (d *DB) Close() error { return d.conn.Close() }

type execer interface {
	Query(string, ...any) (*sql.Rows, error)
}

// Exec runs one statement, inside the open transaction if there is one.
func (d *DB) Exec(query string, args ...any) (*sqldb.Rows, error) {
	var q execer = d.conn
	if d.tx != nil {
		q = d.tx
	}
	args, err := wire.Bind(args)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := &sqldb.Rows{Columns: cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = append([]byte(nil), b...)
			}
		}
		out.Values = append(out.Values, vals)
	}
	return out, rows.Err()
}

// Tx runs fn in a transaction, like ctx.storage.transactionSync: an error
// (or a panic) rolls back every statement fn ran.
func (d *DB) Tx(fn func() error) (err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tx != nil {
		return fmt.Errorf("sqlitedb: nested transaction")
	}
	tx, err := d.conn.Begin()
	if err != nil {
		return err
	}
	d.tx = tx
	defer func() {
		d.tx = nil
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
			return
		}
		err = tx.Commit()
	}()
	return fn()
}

// TB is the part of testing.TB MustOpen needs (so that this package does
// not import "testing").
type TB interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// MustOpen returns a private in-memory database for a test, closed when the
// test ends, after running each setup on it (migrations.ApplyDO, ...).
func MustOpen(t TB, setup ...func(sqldb.DB) error) *DB {
	t.Helper()
	db, err := Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, f := range setup {
		if err := f(db); err != nil {
			t.Fatal(err)
		}
	}
	return db
}
