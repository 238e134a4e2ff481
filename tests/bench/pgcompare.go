package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"edgecrm/domain"
	"edgecrm/projections"
	"edgecrm/tests/harness"

	"github.com/jackc/pgx/v5"
)

// cmpResult is one operation's measurements on both sides.
type cmpResult struct {
	op               cmpOp
	crm, pg, phase   sample
	phaseName        string
	phaseSum         map[string]float64 // every Server-Timing phase, summed (ms), for the progress line
	pgStmts          int
	match, matchNote string
}

// benchPostgres is the PostgreSQL comparison (issue 10): the dataset in a
// private PostgreSQL with Twenty's schema, and the same operations timed as
// GraphQL against edgecrm and as Twenty's SQL against PostgreSQL, one
// iteration of each side after the other.
func benchPostgres(base, ws string, d *loaded, scale float64, iterations int, report *strings.Builder) error {
	ctx := context.Background()
	schemaFile := twentySchemaPath(harness.Root())
	if _, err := os.Stat(schemaFile); err != nil {
		return fmt.Errorf("the PostgreSQL comparison needs Twenty's schema at %s (shared/twenty-pg/schema.sql beside the repo): %w", schemaFile, err)
	}
	pg, err := startPostgres()
	if err != nil {
		return fmt.Errorf("starting PostgreSQL: %w", err)
	}
	defer pg.Stop()
	conn, load, err := loadPostgres(ctx, pg, schemaFile, d.dataset)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var version string
	conn.QueryRow(ctx, "SHOW server_version").Scan(&version)
	fmt.Fprintln(os.Stderr, "pg: loaded in", load.Round(time.Millisecond))

	const warmup = 5
	ops := compareOps(d)
	// Settle: right after the loads both sides are slower for a few
	// seconds (PostgreSQL's autovacuum, workerd's background work); reads
	// by id, untimed, until that has passed.
	for i := 0; i < 60; i++ {
		v := ops[0].vars(i)
		if _, _, err := gqlTimed(base, ws, ops[0].gql, v); err != nil {
			return fmt.Errorf("settling: %w", err)
		}
		if err := ops[0].pg(&pgRun{ctx: ctx, c: conn}, v); err != nil {
			return fmt.Errorf("settling: %w", err)
		}
	}
	var results []*cmpResult
	for _, op := range ops {
		res := &cmpResult{op: op, phaseSum: map[string]float64{}}
		for i := 0; i < warmup+iterations; i++ {
			v := op.vars(i)
			t0 := time.Now()
			body, timing, err := gqlTimed(base, ws, op.gql, v)
			crmTime := time.Since(t0)
			if err != nil {
				return fmt.Errorf("%s (edgecrm): %w", op.name, err)
			}
			run := &pgRun{ctx: ctx, c: conn}
			t0 = time.Now()
			err = op.pg(run, v)
			pgTime := time.Since(t0)
			if err != nil {
				return fmt.Errorf("%s (PostgreSQL): %w", op.name, err)
			}
			if i == 0 {
				res.pgStmts = run.stmts
				res.match, res.matchNote = compareAnswers(op, body, run.got)
			}
			if i < warmup {
				continue
			}
			res.crm, res.pg = append(res.crm, crmTime), append(res.pg, pgTime)
			res.phaseSum["client"] += float64(crmTime.Microseconds()) / 1000
			for name, ms := range timing {
				res.phaseSum[name] += ms
			}
			for _, name := range []string{"object", "core"} {
				if ms, ok := timing[name]; ok && (res.phaseName == "" || res.phaseName == name) {
					res.phaseName = name
					res.phase = append(res.phase, time.Duration(ms*float64(time.Millisecond)))
					break
				}
			}
		}
		results = append(results, res)
		var phases []string
		for _, name := range slices.Sorted(maps.Keys(res.phaseSum)) {
			phases = append(phases, fmt.Sprintf("%s %.1f", name, res.phaseSum[name]/float64(iterations)))
		}
		fmt.Fprintf(os.Stderr, "pg: %-60s edgecrm p50 %s, PostgreSQL p50 %s; edgecrm's mean Server-Timing (ms): %s\n", op.name, ms(res.crm.Pct(0.5)), ms(res.pg.Pct(0.5)), strings.Join(phases, ", "))
	}
	idx, err := pgIndexes(ctx, conn)
	if err != nil {
		return err
	}
	writePGReport(report, results, iterations, scale, version, load, idx)
	return nil
}

// gqlTimed posts a GraphQL operation (variables starting with _ are the
// PostgreSQL side's and stay here) and returns the answer's data and the
// Server-Timing phases in milliseconds.
func gqlTimed(base, ws, query string, vars map[string]any) (map[string]any, map[string]float64, error) {
	send := map[string]any{}
	for k, v := range vars {
		if !strings.HasPrefix(k, "_") {
			send[k] = v
		}
	}
	body, _ := json.Marshal(map[string]any{"query": query, "variables": send})
	s, err := sessionFor(base, ws)
	if err != nil {
		return nil, nil, err
	}
	req, _ := http.NewRequest("POST", base+"/graphql", strings.NewReader(string(body)))
	req.Header.Set("authorization", "Bearer "+s.AccessToken)
	req.Header.Set("content-type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || resp.StatusCode != 200 || m["errors"] != nil {
		return nil, nil, fmt.Errorf("graphql %d: %.400s", resp.StatusCode, raw)
	}
	return m, parseServerTiming(resp.Header.Values("Server-Timing")), nil
}

// parseServerTiming reads Server-Timing headers ("name;dur=1.5;desc=…, …")
// into name → duration in ms; entries without dur are left out.
func parseServerTiming(headers []string) map[string]float64 {
	out := map[string]float64{}
	for _, h := range headers {
		for _, entry := range strings.Split(h, ",") {
			parts := strings.Split(entry, ";")
			name := strings.TrimSpace(parts[0])
			for _, p := range parts[1:] {
				k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "dur") {
					continue
				}
				if f, err := strconv.ParseFloat(strings.Trim(strings.TrimSpace(v), `"`), 64); err == nil && name != "" {
					out[name] = f
				}
			}
		}
	}
	return out
}

// floorNote sets the bare object's `object` phase (objectFloor, when the
// create-then-read section ran first) beside PostgreSQL's mean time for a
// read by id and for a write: the share of those kinds' ratios the
// platform takes before any of edgecrm's own work.
func floorNote(report *strings.Builder, phase string, pgRead, pgWrite float64) {
	if phase != "object" || objectFloor.read <= 0 || objectFloor.create <= 0 || pgRead <= 0 || pgWrite <= 0 {
		return
	}
	fmt.Fprintf(report, "\nThe floor under the `object` ratios of reads by id and writes: in the create-then-read section a bare JS Durable Object's call answering one read by key took %.3f ms (mean `object` phase, measured as edgecrm's is) and one insert %.3f ms; PostgreSQL's mean here was %.3f ms for a read by id and %.3f ms for a write (geometric means over each kind's operations). The bare object alone is %.2f× and %.2f× PostgreSQL on this machine.\n",
		objectFloor.read, objectFloor.create, pgRead, pgWrite, objectFloor.read/pgRead, objectFloor.create/pgWrite)
}

// compareAnswers checks both sides returned the same records (ids as a
// multiset) or the same count.
func compareAnswers(op cmpOp, crmAnswer map[string]any, pgGot []string) (string, string) {
	if op.noCompare != "" {
		return "–", op.noCompare
	}
	var got []string
	collectIDs(crmAnswer["data"], &got)
	sort.Strings(got)
	want := append([]string(nil), pgGot...)
	sort.Strings(want)
	if strings.Join(got, ",") == strings.Join(want, ",") {
		return fmt.Sprintf("yes (%d)", len(got)), ""
	}
	return "**no**", fmt.Sprintf("edgecrm %d values, PostgreSQL %d", len(got), len(want))
}

func collectIDs(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch k {
			case "id":
				*out = append(*out, fmt.Sprint(e))
			case "totalCount":
				*out = append(*out, fmt.Sprintf("count:%v", e))
			default:
				collectIDs(e, out)
			}
		}
	case []any:
		for _, e := range x {
			collectIDs(e, out)
		}
	}
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

func geomean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range xs {
		s += math.Log(x)
	}
	return math.Exp(s / float64(len(xs)))
}

// pgIndexes lists PostgreSQL's indexes on the compared tables.
func pgIndexes(ctx context.Context, conn *pgx.Conn) ([]string, error) {
	rows, err := conn.Query(ctx, `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename IN ('company', 'person', 'opportunity', 'note', 'task') ORDER BY tablename, indexname`, pgSchema)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// ourIndexes lists the indexes edgecrm's projector creates for the same
// objects (the statements it runs; the workspace object's SQLite has no
// admin endpoint listing sqlite_master).
func ourIndexes() []string {
	var out []string
	for _, o := range domain.StandardObjects() {
		switch o.NameSingular {
		case "company", "person", "opportunity", "note", "task":
			for _, stmt := range projections.CreateTableDDL("", o) {
				if !strings.HasPrefix(stmt, "CREATE TABLE") {
					out = append(out, strings.Replace(stmt, " IF NOT EXISTS", "", 1))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func writePGReport(report *strings.Builder, results []*cmpResult, iterations int, scale float64, version string, load time.Duration, pgIdx []string) {
	phase := ""
	for _, r := range results {
		if len(r.phase) > 0 {
			phase = r.phaseName
			break
		}
	}
	fmt.Fprintf(report, "## Queries beside PostgreSQL (scale %.2f)\n\n", scale)
	fmt.Fprintf(report, "The same dataset (same generator, ids and values) COPY'd into a private PostgreSQL %s on loopback, in Twenty's workspace schema (`shared/twenty-pg/schema.sql`: Twenty's columns and enum types, the generated `searchVector` with its GIN index, Twenty's standard indexes and foreign keys; indexes built after the load, then `VACUUM ANALYZE`; load %s). PostgreSQL runs with its default settings.\n\n",
		version, load.Round(time.Millisecond))
	fmt.Fprintf(report, "Each operation ran %d times after 5 warm-ups, the two sides alternating: **edgecrm** is the GraphQL request through the whole stack (HTTP to `wrangler dev`, the Worker, token check, the workspace object, Go dispatch, SQLite, JSON answer); **PostgreSQL** is the SQL Twenty's query runner sends for the same request (the SQL column counts the statements: records query with `\"deletedAt\" IS NULL`, ORDER BY ending in `id`, LIMIT first+1; a COUNT query for `totalCount`; one query per nested relation with the parents' ids `IN (…)`; for search, Twenty's `searchVector @@ to_tsquery('simple', …)` query ranked by `ts_rank_cd`, `ts_rank` on each of its 6 searchable tables; for writes the position lookup, the INSERT/UPDATE and the read-back), sent by this process on one connection as unnamed extended-protocol statements (one round trip each, as node-postgres does), rows decoded. PostgreSQL's side has no HTTP, no GraphQL and no ORM: Twenty's own server time on top of it is not counted. Ratio = edgecrm ÷ PostgreSQL (below 1: edgecrm faster). \"Same answer\": the first iteration's record ids (or count) were the same on both sides.\n\n", iterations)
	if phase == "" {
		fmt.Fprintf(report, "The responses carried no `Server-Timing` header with an `object` or `core` phase, so only end-to-end times are compared.\n\n")
	} else {
		fmt.Fprintf(report, "The responses carried `Server-Timing` with a `%s` phase (time inside the workspace object); its p50 and its ratio to PostgreSQL's p50 are in the next two columns. The phase comes in whole milliseconds: workerd's clock reads the same within a turn and moves across I/O, by the millisecond. A call shorter than a millisecond reads 0 or 1, so its p50 is 0 or 1 ms whatever it really takes. Each reading is the difference of two clock readings cut to the millisecond, so the mean of many readings does estimate the real time. The last two columns give that mean and its ratio to PostgreSQL's mean.\n\n", phase)
	}
	head := "| kind | operation | SQL | edgecrm p50 | p95 | p99 | PostgreSQL p50 | p95 | p99 | ratio p50 | ratio p95 | same answer |"
	sep := "|---|---|---|---|---|---|---|---|---|---|---|---|"
	if phase != "" {
		head += fmt.Sprintf(" `%s` p50 | `%s` ÷ PostgreSQL | `%s` mean | mean ÷ PostgreSQL mean |", phase, phase, phase)
		sep += "---|---|---|---|"
	}
	fmt.Fprintln(report, head)
	fmt.Fprintln(report, sep)
	type agg struct{ p50, p95, phase, phaseMean, pgMean []float64 }
	byKind, all := map[string]*agg{}, &agg{}
	var kinds []string
	var notes []string
	zeroP50 := 0 // operations whose phase p50 read 0 ms
	for _, r := range results {
		a := byKind[r.op.kind]
		if a == nil {
			a = &agg{}
			byKind[r.op.kind] = a
			kinds = append(kinds, r.op.kind)
		}
		r50, r95 := ratio(r.crm.Pct(0.5), r.pg.Pct(0.5)), ratio(r.crm.Pct(0.95), r.pg.Pct(0.95))
		a.p50, a.p95 = append(a.p50, r50), append(a.p95, r95)
		a.pgMean = append(a.pgMean, float64(r.pg.Mean().Microseconds())/1000)
		all.p50, all.p95 = append(all.p50, r50), append(all.p95, r95)
		fmt.Fprintf(report, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %.2f× | %.2f× | %s |", r.op.kind, r.op.name, r.pgStmts,
			ms(r.crm.Pct(0.5)), ms(r.crm.Pct(0.95)), ms(r.crm.Pct(0.99)), ms(r.pg.Pct(0.5)), ms(r.pg.Pct(0.95)), ms(r.pg.Pct(0.99)), r50, r95, r.match)
		if phase != "" {
			if len(r.phase) > 0 {
				rm := ratio(r.phase.Mean(), r.pg.Mean())
				a.phaseMean, all.phaseMean = append(a.phaseMean, rm), append(all.phaseMean, rm)
				// A p50 of 0 is below the clock's millisecond: no ratio, and
				// none in the geometric mean (a zero would make it 0).
				rp := "–"
				if r.phase.Pct(0.5) > 0 {
					x := ratio(r.phase.Pct(0.5), r.pg.Pct(0.5))
					a.phase, all.phase = append(a.phase, x), append(all.phase, x)
					rp = fmt.Sprintf("%.2f×", x)
				} else {
					zeroP50++
				}
				fmt.Fprintf(report, " %s | %s | %s | %.2f× |", ms(r.phase.Pct(0.5)), rp, ms(r.phase.Mean()), rm)
			} else {
				fmt.Fprintf(report, " – | – | – | – |")
			}
		}
		fmt.Fprintln(report)
		if r.matchNote != "" && r.match != "–" {
			notes = append(notes, fmt.Sprintf("%s: %s", r.op.name, r.matchNote))
		}
	}
	fmt.Fprintln(report)
	if len(notes) > 0 {
		fmt.Fprintf(report, "Answers that differed: %s.\n\n", strings.Join(notes, "; "))
	}
	fmt.Fprintf(report, "Geometric mean of the ratios (edgecrm ÷ PostgreSQL):\n\n| kind | operations | p50 | p95 |")
	if phase != "" {
		fmt.Fprintf(report, " `%s` p50 | `%s` mean |", phase, phase)
	}
	fmt.Fprintf(report, "\n|---|---|---|---|%s\n", map[bool]string{true: "---|---|", false: ""}[phase != ""])
	row := func(name string, a *agg) {
		fmt.Fprintf(report, "| %s | %d | %.2f× | %.2f× |", name, len(a.p50), geomean(a.p50), geomean(a.p95))
		if phase != "" {
			p50 := "–"
			if len(a.phase) > 0 {
				p50 = fmt.Sprintf("%.2f×", geomean(a.phase))
			}
			fmt.Fprintf(report, " %s | %.2f× |", p50, geomean(a.phaseMean))
		}
		fmt.Fprintln(report)
	}
	for _, k := range kinds {
		row(k, byKind[k])
	}
	row("**all**", all)
	pgMeanOf := func(kind string) float64 {
		if a := byKind[kind]; a != nil {
			return geomean(a.pgMean)
		}
		return 0
	}
	floorNote(report, phase, pgMeanOf("read by id"), pgMeanOf("write"))
	if zeroP50 > 0 {
		fmt.Fprintf(report, "\nThe `%s` p50 geometric means leave out the %d operation(s) whose `%s` p50 read 0 ms (under the clock's millisecond); the means of the readings keep every operation.\n", phase, zeroP50, phase)
	}
	fmt.Fprintf(report, "\nIndexes on the compared tables. PostgreSQL (`pg_indexes`):\n\n```sql\n%s\n```\n\nedgecrm (the workspace object's SQLite; the statements its projector runs, `projections.CreateTableDDL`: `query.IndexDDL` and the FTS5 search tables; each table also has its `id` PRIMARY KEY):\n\n```sql\n%s\n```\n\n",
		strings.Join(pgIdx, ";\n")+";", strings.Join(ourIndexes(), ";\n")+";")
}
