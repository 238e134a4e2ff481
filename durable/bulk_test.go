package durable_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"edgecrm/domain"
	"edgecrm/durable"
	"edgecrm/durable/stream"
	"edgecrm/events"
	"edgecrm/projections"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
	"edgecrm/tests/benchdata"
)

// paramLimited refuses statements over the platform's 100 parameters, as
// DO storage and D1 do.
type paramLimited struct {
	*sqlitedb.DB
	n     *int      // statements run, when set
	times *sqlTimes // their time by kind, when set
}

func (p paramLimited) Exec(q string, args ...any) (*sqldb.Rows, error) {
	if p.n != nil {
		*p.n++
	}
	if len(args) > sqldb.MaxParams {
		return nil, fmt.Errorf("%d bound parameters (sql: %.80s)", len(args), q)
	}
	if p.times != nil {
		defer p.times.add(q, time.Now())
	}
	return p.DB.Exec(q, args...)
}

// sqlTimes sums the time of a replay's statements by what they do: reads
// (the log's chunks), the deferred secondary indexes and search fills
// (built once the rows are in), and the rest (drops, tables, rows).
type sqlTimes struct{ read, index, rows time.Duration }

func (t *sqlTimes) add(q string, start time.Time) {
	d := time.Since(start)
	switch {
	case strings.HasPrefix(q, "SELECT"):
		t.read += d
	case strings.HasPrefix(q, "CREATE INDEX") || strings.HasPrefix(q, "INSERT INTO") && strings.Contains(q, "_fts"):
		t.index += d
	default:
		t.rows += d
	}
}

// loadDataset creates the benchmark dataset at scale in a new workspace,
// in batch creates of benchdata.LoadBatch records, each in a transaction.
func loadDataset(tb testing.TB, scale float64) (*sqlitedb.DB, *durable.Workspace, int) {
	db, w, n, _ := loadCounted(tb, scale, nil, nil)
	return db, w, n
}

// loadCounted is loadDataset counting the statements the batches run in
// *stmts (when set) and timing them; the workspace's statements add their
// time to *times (when set) from then on.
func loadCounted(tb testing.TB, scale float64, stmts *int, times *sqlTimes) (*sqlitedb.DB, *durable.Workspace, int, time.Duration) {
	tb.Helper()
	// A WAL file, as Durable Object storage is, with a page cache that
	// holds the dataset: ":memory:" journals every page a transaction
	// changes into 1 KB chunks that modernc allocates and frees one by one
	// (half of a replay's time, a cost workerd's storage does not have).
	db, err := sqlitedb.Open(filepath.Join(tb.TempDir(), "bench.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Exec("PRAGMA cache_size=-1000000"); err != nil {
		tb.Fatal(err)
	}
	var w *durable.Workspace
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := db.Tx(func() (err error) {
		w, err = durable.Open("bench", paramLimited{db, stmts, times}, func() time.Time { return at })
		return err
	}); err != nil {
		tb.Fatal(err)
	}
	d := benchdata.Generate(scale)
	n := 0
	if stmts != nil {
		*stmts = 0
	}
	var took time.Duration
	for _, part := range []struct {
		object string
		recs   []map[string]any
	}{{"company", d.Companies}, {"person", d.People}, {"opportunity", d.Opportunities}, {"note", d.Notes}, {"task", d.Tasks}} {
		for i := 0; i < len(part.recs); i += benchdata.LoadBatch {
			var cmds []domain.RecordCommand
			for _, r := range part.recs[i:min(i+benchdata.LoadBatch, len(part.recs))] {
				cmds = append(cmds, domain.RecordCommand{Kind: domain.Create, Object: part.object, ID: r["id"].(string), Data: r})
			}
			start := time.Now()
			if err := db.Tx(func() error {
				_, err := w.ExecuteCreates(cmds, "api", durable.NewRecordID(at))
				return err
			}); err != nil {
				tb.Fatalf("%s at %d: %v", part.object, i, err)
			}
			took += time.Since(start)
			n += len(cmds)
		}
	}
	// The search entries, as the flush writes them (durable/search.go),
	// outside the load's time and statements.
	counted := 0
	if stmts != nil {
		counted = *stmts
	}
	if err := db.Tx(w.SettleSearch); err != nil {
		tb.Fatal(err)
	}
	if stmts != nil {
		*stmts = counted
	}
	return db, w, n, took
}

// BenchmarkBulkCreate loads the dataset through Workspace.ExecuteCreates
// in batches of benchdata.LoadBatch, each in a transaction (natively, on
// SQLite), reporting events/s and SQL statements per event.
// EDGECRM_BULK_SCALE sets the scale (default 0.02: about 4,200 events).
func BenchmarkBulkCreate(b *testing.B) {
	scale := 0.02
	if s, err := strconv.ParseFloat(os.Getenv("EDGECRM_BULK_SCALE"), 64); err == nil {
		scale = s
	}
	var took time.Duration
	events, stmts := 0, 0
	for i := 0; i < b.N; i++ {
		var s int
		_, _, n, t := loadCounted(b, scale, &s, nil)
		took, events, stmts = took+t, events+n, stmts+s
	}
	b.ReportMetric(float64(events)/took.Seconds(), "events/s")
	b.ReportMetric(float64(stmts)/float64(events), "stmts/event")
}

// BenchmarkReplay replays the dataset's log into the inline projection
// natively (Workspace.Replay: events.ReplayChunks and the bulk projector),
// reporting events/s. EDGECRM_REPLAY_SCALE sets the dataset's scale
// (default 0.25: about 52,000 record events; 1 is 210,000).
func BenchmarkReplay(b *testing.B) {
	scale := 0.25
	if s, err := strconv.ParseFloat(os.Getenv("EDGECRM_REPLAY_SCALE"), 64); err == nil {
		scale = s
	}
	var times sqlTimes
	db, w, n, _ := loadCounted(b, scale, nil, &times)
	times = sqlTimes{}
	var inside time.Duration // the replay without its commit
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := db.Tx(func() error {
			defer func(start time.Time) { inside += time.Since(start) }(time.Now())
			_, _, err := w.Replay()
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	// Where the time went, in ms an op: Go is the replay's time outside its
	// statements (decoding the log, projecting the events, encoding rows).
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(times.read), "read-ms/op")
	b.ReportMetric(ms(inside-times.read-times.index-times.rows), "go-ms/op")
	b.ReportMetric(ms(times.rows), "rows-ms/op")
	b.ReportMetric(ms(times.index), "index-ms/op")
	b.ReportMetric(ms(b.Elapsed()-inside), "commit-ms/op")
}

// TestReplayMatchesBulkLoad: the bulk-created read model and its search
// index are what a replay rebuilds (the same rows, the same matches).
func TestReplayMatchesBulkLoad(t *testing.T) {
	db, w, _ := loadDataset(t, 0.002)
	dump := func() []any {
		var out []any
		for _, q := range []string{`SELECT * FROM person ORDER BY id`, `SELECT * FROM company ORDER BY id`,
			`SELECT t.id, i.id = t.id, f.title, f.body FROM person_fts AS f JOIN person AS t ON t._rowid_ = f.rowid JOIN person_fts_ids AS i ON i.rid = f.rowid ORDER BY t.id`,
			`SELECT t.id FROM company_fts AS f JOIN company AS t ON t._rowid_ = f.rowid WHERE company_fts MATCH 'acme' ORDER BY t.id`} {
			rows, err := db.Exec(q)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows.Values) == 0 {
				t.Fatalf("%s: no rows", q)
			}
			out = append(out, rows.Values)
		}
		return out
	}
	before := dump()
	if err := db.Tx(func() error { _, _, err := w.Replay(); return err }); err != nil {
		t.Fatal(err)
	}
	if after := dump(); !reflect.DeepEqual(before, after) {
		t.Fatal("replay rebuilt a different read model than the bulk load wrote")
	}
	// The same log projected one event at a time (Projector.Apply).
	schema := w.Schema()
	if err := sqldb.ExecAll(db, projections.DropStatements("", schema)); err != nil {
		t.Fatal(err)
	}
	p := &projections.Projector{Schema: &domain.Schema{}}
	if _, err := events.Replay(w.Store, stream.Apply(p.Apply).Exec(paramLimited{DB: db})); err != nil {
		t.Fatal(err)
	}
	if after := dump(); !reflect.DeepEqual(before, after) {
		t.Fatal("projecting one event at a time gives another read model than the bulk projection")
	}
}

// TestExecuteCreatesDecidesInOrder: a batch sees the records created
// before it in the batch (a duplicate id is refused, with its index), and
// a refused batch writes nothing.
func TestExecuteCreatesDecidesInOrder(t *testing.T) {
	db, w, _ := loadDataset(t, 0.0001)
	at := time.Now()
	id := durable.NewRecordID(at)
	cmds := []domain.RecordCommand{
		{Kind: domain.Create, Object: "company", ID: id, Data: map[string]any{"name": "A"}},
		{Kind: domain.Create, Object: "company", ID: durable.NewRecordID(at), Data: map[string]any{"name": "B"}},
		{Kind: domain.Create, Object: "company", ID: id, Data: map[string]any{"name": "A again"}},
	}
	head := func() int64 { r, _ := db.Exec(`SELECT max(seq) FROM _events`); return r.Int() }
	before := head()
	err := db.Tx(func() error { _, err := w.ExecuteCreates(cmds, "api", "c1"); return err })
	var be *durable.BatchError
	if !errors.As(err, &be) || be.Index != 2 {
		t.Fatalf("err = %v; want a refusal of command 2", err)
	}
	if head() != before {
		t.Fatal("a refused batch appended events")
	}
	if err := db.Tx(func() error { _, err := w.ExecuteCreates(cmds[:2], "api", "c2"); return err }); err != nil {
		t.Fatal(err)
	}
	if got := head() - before; got != 2 {
		t.Fatalf("appended %d events; want 2", got)
	}
}

// TestExecuteCreatesRowsAsRead: the rows a batch create answers from
// (ExecuteCreatesRows) are the rows SELECT * reads back, value for value
// and type for type, for the dataset's five objects and a record with
// every kind of value; a value that might read back otherwise (a float
// of 17 digits) leaves the caller to read the rows.
func TestExecuteCreatesRowsAsRead(t *testing.T) {
	db, err := sqlitedb.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var w *durable.Workspace
	if err := db.Tx(func() (err error) {
		w, err = durable.Open("rows", paramLimited{DB: db}, func() time.Time { return at })
		return err
	}); err != nil {
		t.Fatal(err)
	}
	create := func(object string, recs []map[string]any, actor string) []map[string]any {
		t.Helper()
		var cmds []domain.RecordCommand
		for _, r := range recs {
			id, _ := r["id"].(string)
			if id == "" {
				id = durable.NewRecordID(at)
			}
			cmds = append(cmds, domain.RecordCommand{Kind: domain.Create, Object: object, ID: id, Data: r})
		}
		var rows []map[string]any
		if err := db.Tx(func() (err error) {
			_, rows, err = w.ExecuteCreatesRows(cmds, actor, durable.NewRecordID(at))
			return err
		}); err != nil {
			t.Fatalf("%s: %v", object, err)
		}
		if rows == nil {
			return nil
		}
		for i, c := range cmds {
			read, err := db.Exec(fmt.Sprintf(`SELECT * FROM %s WHERE id = ?`, projections.Q(object)), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			// The same values, type for type; an absent column is NULL.
			want, got := read.Maps()[0], map[string]any{}
			for k := range want {
				got[k] = rows[i][k]
			}
			for k := range rows[i] {
				if _, ok := want[k]; !ok {
					t.Fatalf("%s %d: column %q is not in the table", object, i, k)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s %d: row\n%#v\nread back\n%#v", object, i, rows[i], want)
			}
		}
		return rows
	}
	d := benchdata.Generate(0.001)
	for _, part := range []struct {
		object string
		recs   []map[string]any
	}{{"company", d.Companies}, {"person", d.People}, {"opportunity", d.Opportunities}, {"note", d.Notes}, {"task", d.Tasks}} {
		for i := 0; i < len(part.recs); i += benchdata.LoadBatch {
			if create(part.object, part.recs[i:min(i+benchdata.LoadBatch, len(part.recs))], "api") == nil {
				t.Fatalf("%s: no rows kept", part.object)
			}
		}
	}
	const member = "0190aaaa-0000-7000-8000-0000000000aa"
	odd := []map[string]any{
		{"name": "Every kind", "employees": float64(12), "idealCustomerProfile": true, "position": 2.5, "xLink": map[string]any{"primaryLinkUrl": ""},
			"address":                map[string]any{"addressCity": "Paris", "addressLat": 48.8566, "addressLng": -2.25},
			"annualRecurringRevenue": map[string]any{"amountMicros": float64(5e12), "currencyCode": "EUR"},
			"domainName":             map[string]any{"primaryLinkUrl": "https://x.com", "secondaryLinks": []any{map[string]any{"url": "https://y.com", "label": "y"}}}},
		{"name": "Nothing else"},
		{"name": "Unicode é 漢字 \"quoted\" <b>", "idealCustomerProfile": false, "employees": float64(0)},
	}
	if create("company", odd, member) == nil {
		t.Fatal("company: no rows kept")
	}
	if rows := create("company", []map[string]any{{"name": "Long", "position": 0.30000000000000004}}, "api"); rows != nil {
		t.Fatalf("a float of 17 digits: rows kept (%v); want them read back", rows[0]["position"])
	}
}
