//go:build !js

package pagebench

import (
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"edgecrm/host"
	"edgecrm/host/dispatch"
	"edgecrm/host/native"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
	"edgecrm/tests/benchdata"
)

// Scale of the dataset: 200 companies, 1,000 people, 500 opportunities
// (PAGEBENCH_SCALE sets another, e.g. 1 for the bench's 100,000 people).
var scale = 0.01

func init() {
	if s, err := strconv.ParseFloat(os.Getenv("PAGEBENCH_SCALE"), 64); err == nil && s > 0 {
		scale = s
	}
}

var (
	loadOnce sync.Once
	loaded   *sqlitedb.DB
	loadErr  error
	dataset  *benchdata.Dataset
)

// load fills a native workspace with the bench's dataset, as the bench's
// load does (REST batches).
func load(tb testing.TB) *sqlitedb.DB {
	loadOnce.Do(func() {
		if path := os.Getenv("PAGEBENCH_DB"); path != "" { // a dump of TestDump
			dataset = benchdata.Generate(scale)
			loaded, loadErr = sqlitedb.Open(path)
			return
		}
		h, err := native.New()
		if err != nil {
			loadErr = err
			return
		}
		dataset = benchdata.Generate(scale)
		for _, part := range []struct {
			plural string
			recs   []map[string]any
		}{{"companies", dataset.Companies}, {"people", dataset.People}, {"opportunities", dataset.Opportunities}, {"notes", dataset.Notes}, {"tasks", dataset.Tasks}} {
			for i := 0; i < len(part.recs); i += benchdata.LoadBatch {
				body, _ := json.Marshal(part.recs[i:min(i+benchdata.LoadBatch, len(part.recs))])
				resp, err := h.Fetch(ws, host.Request{Method: "POST", Path: "/rest/batch/" + part.plural, Body: string(body)})
				if err != nil || resp.Status != 201 {
					loadErr = errors.New(resp.Body)
					return
				}
			}
		}
		loaded, loadErr = h.Object(ws)
	})
	if loadErr != nil {
		tb.Fatal(loadErr)
	}
	return loaded
}

// recorder records every statement's answer.
type recorder struct {
	db sqldb.DB
	f  *fixture
}

func (r recorder) Exec(sql string, args ...any) (*sqldb.Rows, error) {
	rows, err := r.db.Exec(sql, args...)
	k := key(sql, args)
	if err != nil {
		r.f.Errors[k] = err.Error()
	} else {
		r.f.Answers[k] = encodeRows(rows)
	}
	return rows, err
}

var errRollback = errors.New("rollback")

// inTx serves raw in a transaction rolled back afterwards (a read leaves
// nothing behind, so every run sees the same statements).
func inTx(tb testing.TB, db *sqlitedb.DB, on sqldb.DB, p page, raw []byte) *host.Response {
	var r *host.Response
	db.Tx(func() error {
		r = run(tb, on, p, raw)
		return errRollback
	})
	return r
}

func fixedNow() func() {
	dispatch.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	return func() { dispatch.Now = time.Now }
}

var (
	fixOnce sync.Once
	fix     *fixture
)

// loadFixture records the pages' statements on the loaded workspace.
func loadFixture(tb testing.TB) *fixture {
	if path := os.Getenv("PAGEBENCH_REPLAY"); path != "" { // a fixture written before
		return readFixture(tb, path)
	}
	db := load(tb)
	fixOnce.Do(func() {
		defer fixedNow()()
		// A new isolate: what the isolate caches (the schema) is read
		// again, so a replay in a new process finds its statements.
		dispatch.ForgetIsolateMemory()
		fix = &fixture{Answers: map[string][]byte{}, Errors: map[string]string{}, CompanyID: dataset.Companies[3]["id"].(string), PersonID: dataset.People[7]["id"].(string)}
		for _, p := range pages(fix.CompanyID, fix.PersonID) {
			raw := input(p.req)
			for i := 0; i < 2; i++ {
				inTx(tb, db, recorder{db, fix}, p, raw)
			}
		}
	})
	return fix
}

// TestReplayAnswersAsSQLite: the replay answers every page as SQLite does
// (the benchmark times what is served); with PAGEBENCH_FIXTURE set, it
// writes the fixture there for the wasm benchmark.
func TestReplayAnswersAsSQLite(t *testing.T) {
	f := loadFixture(t)
	db := load(t)
	defer fixedNow()()
	for _, p := range pages(f.CompanyID, f.PersonID) {
		raw := input(p.req)
		want := inTx(t, db, db, p, raw)
		got := run(t, replayDB{f}, p, raw)
		if got.Body != want.Body {
			t.Errorf("%s: replay answered\n%.500s\nSQLite\n%.500s", p.name, got.Body, want.Body)
		}
		if out := os.Getenv("PAGEBENCH_ANSWERS"); out != "" {
			os.WriteFile(out+"/"+p.name+".json", []byte(want.Body), 0o644)
		}
	}
	if out := os.Getenv("PAGEBENCH_FIXTURE"); out != "" {
		if err := os.WriteFile(out, f.encode(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkSQLite serves each page on the native SQLite workspace.
func BenchmarkSQLite(b *testing.B) {
	f := loadFixture(b)
	db := load(b)
	defer fixedNow()()
	for _, p := range pages(f.CompanyID, f.PersonID) {
		raw := input(p.req)
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				inTx(b, db, db, p, raw)
			}
		})
	}
}

// TestDump writes the loaded workspace to PAGEBENCH_DUMP (a SQLite file),
// to study its plans with the sqlite3 shell.
func TestDump(t *testing.T) {
	out := os.Getenv("PAGEBENCH_DUMP")
	if out == "" {
		t.Skip("PAGEBENCH_DUMP is not set")
	}
	os.Remove(out)
	if _, err := load(t).Exec("VACUUM INTO ?", out); err != nil {
		t.Fatal(err)
	}
}

// tracer prints each statement with its time and row count.
type tracer struct {
	db sqldb.DB
	tb testing.TB
}

func (t tracer) Exec(sql string, args ...any) (*sqldb.Rows, error) {
	start := time.Now()
	rows, err := t.db.Exec(sql, args...)
	n := 0
	if rows != nil {
		n = len(rows.Values)
	}
	t.tb.Logf("%8.2f ms %5d rows %v\n    %s %v", float64(time.Since(start).Microseconds())/1000, n, err, sql, args)
	return rows, err
}

// TestTrace logs the statements of the pages whose name contains
// PAGEBENCH_TRACE, with their times.
func TestTrace(t *testing.T) {
	only := os.Getenv("PAGEBENCH_TRACE")
	if only == "" {
		t.Skip("PAGEBENCH_TRACE is not set")
	}
	db := load(t)
	defer fixedNow()()
	for _, p := range pages(dataset.Companies[3]["id"].(string), dataset.People[7]["id"].(string)) {
		if !strings.Contains(p.name, only) && only != "all" {
			continue
		}
		raw := input(p.req)
		inTx(t, db, db, p, raw) // warm
		t.Logf("== %s", p.name)
		start := time.Now()
		r := inTx(t, db, tracer{db, t}, p, raw)
		t.Logf("== %s: %.2f ms, %.300s", p.name, float64(time.Since(start).Microseconds())/1000, r.Body)
	}
}
