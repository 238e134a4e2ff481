// Package migrations holds versioned SQL: do/ for each workspace Durable
// Object's own storage (applied by the core when an object starts), account/
// for each account Durable Object's storage, and d1/ for the shared D1
// database (applied by wrangler d1 migrations).
package migrations

import (
	"embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"edgecrm/host"
	"edgecrm/sqldb"
)

//go:embed do/*.sql d1/*.sql account/*.sql event_log.sql
var files embed.FS

// ApplyDO brings a Durable Object's storage up to the newest version. It is
// idempotent and cheap when nothing is pending (one SELECT).
func ApplyDO(db sqldb.DB) error { return apply(db, "do") }

// ApplyAccount brings an account Durable Object's storage up to the newest
// version (its own sequence: an account object never holds workspace tables).
func ApplyAccount(db sqldb.DB) error { return apply(db, "account") }

// ApplyD1 applies the D1 migrations to a native stand-in for D1 (workerd's
// D1 gets them from `wrangler d1 migrations apply`).
func ApplyD1(db sqldb.DB) error { return apply(db, "d1") }

// LatestDO is the version of the newest DO migration: storage at it needs
// no ApplyDO. Read once: every call of a workspace object checks it.
var LatestDO = sync.OnceValue(func() int64 {
	v, _ := latest("do")
	return v
})

func latest(dir string) (int64, error) {
	entries, err := files.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	return fileVersion(entries[len(entries)-1].Name())
}

func apply(db sqldb.DB, dir string) error {
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS _migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return err
	}
	rows, err := db.Exec(`SELECT coalesce(max(version), 0) FROM _migrations`)
	if err != nil {
		return err
	}
	current := rows.Int()
	entries, err := files.ReadDir(dir)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	// Every pending statement goes in one batch: in workerd that is one
	// crossing of the bridge instead of one per statement (a new object
	// runs them all).
	var stmts []host.Statement
	var from []string // the file of each statement, for errors
	for _, name := range names {
		v, err := fileVersion(name)
		if err != nil {
			return err
		}
		if v <= current {
			continue
		}
		body, _ := files.ReadFile(dir + "/" + name)
		for _, stmt := range strings.Split(string(body), ";") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			stmts = append(stmts, host.Statement{SQL: expand(stmt)})
			from = append(from, name)
		}
		stmts = append(stmts, host.Statement{SQL: `INSERT INTO _migrations (version, name) VALUES (?, ?)`, Args: []any{v, name}})
		from = append(from, name)
	}
	if len(stmts) == 0 {
		return nil
	}
	if i, err := sqldb.ExecBatch(db, stmts); err != nil {
		return fmt.Errorf("migrations: %s: %w", from[i], err)
	}
	return nil
}

// expand replaces a statement `EVENT_LOG <table>` (after any comment
// lines) with the one event-log DDL (event_log.sql) for that table, so
// that every log (a workspace's records and access, an account's) has the
// shape events.SQLStore reads.
func expand(stmt string) string {
	var code []string
	for _, line := range strings.Split(stmt, "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "--") {
			code = append(code, t)
		}
	}
	table, ok := strings.CutPrefix(strings.Join(code, " "), "EVENT_LOG ")
	if !ok {
		return stmt
	}
	ddl, _ := files.ReadFile("event_log.sql")
	return strings.ReplaceAll(string(ddl), "{{table}}", strings.TrimSpace(table))
}

// fileVersion is the number before the first "_" of a migration file name
// ("0007_webhooks.sql": 7).
func fileVersion(name string) (int64, error) {
	num, _, ok := strings.Cut(name, "_")
	v, err := strconv.ParseInt(num, 10, 64)
	if !ok || err != nil || len(num) > 4 || v < 0 {
		return 0, fmt.Errorf("migrations: bad file name %q", name)
	}
	return v, nil
}
