package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgSchema is the PostgreSQL schema schema.sql creates Twenty's tables in.
const pgSchema = "workspace_bench"

// postLoadMarker splits schema.sql: tables above, indexes and FKs below.
const postLoadMarker = "-- @@POST-LOAD@@"

// twentySchemaPath is Twenty's workspace schema, kept in shared/ beside the repo.
func twentySchemaPath(root string) string {
	return filepath.Join(root, "..", "shared", "twenty-pg", "schema.sql")
}

// pgColumns maps a generated record (API shape) to Twenty's columns.
var pgColumns = map[string]struct {
	cols []string
	row  func(r map[string]any) []any
}{
	"company": {[]string{"id", "position", "name", "employees", "domainNamePrimaryLinkUrl"}, func(r map[string]any) []any {
		return []any{r["id"], r["position"], r["name"], float64(r["employees"].(int)), sub(r, "domainName", "primaryLinkUrl")}
	}},
	"person": {[]string{"id", "position", "nameFirstName", "nameLastName", "emailsPrimaryEmail", "city", "jobTitle", "companyId"}, func(r map[string]any) []any {
		return []any{r["id"], r["position"], sub(r, "name", "firstName"), sub(r, "name", "lastName"), sub(r, "emails", "primaryEmail"), r["city"], r["jobTitle"], r["companyId"]}
	}},
	"opportunity": {[]string{"id", "position", "name", "stage", "amountAmountMicros", "amountCurrencyCode", "companyId", "pointOfContactId"}, func(r map[string]any) []any {
		return []any{r["id"], r["position"], r["name"], r["stage"], sub(r, "amount", "amountMicros"), sub(r, "amount", "currencyCode"), r["companyId"], r["pointOfContactId"]}
	}},
	"note": {[]string{"id", "position", "title"}, func(r map[string]any) []any {
		return []any{r["id"], r["position"], r["title"]}
	}},
	"task": {[]string{"id", "position", "title", "status"}, func(r map[string]any) []any {
		return []any{r["id"], r["position"], r["title"], r["status"]}
	}},
}

func sub(r map[string]any, field, subfield string) any {
	m, _ := r[field].(map[string]any)
	return m[subfield]
}

// loadPostgres creates database "bench", applies Twenty's schema and COPYs
// the dataset into it (indexes and foreign keys after the data), then
// runs VACUUM ANALYZE (as autovacuum would soon after). It returns a connection to the loaded database.
func loadPostgres(ctx context.Context, pg *pgServer, schemaFile string, d *dataset) (*pgx.Conn, time.Duration, error) {
	ddl, err := os.ReadFile(schemaFile)
	if err != nil {
		return nil, 0, fmt.Errorf("the PostgreSQL comparison needs Twenty's schema at %s (shared/twenty-pg/schema.sql beside the repo): %w", schemaFile, err)
	}
	before, after, ok := strings.Cut(string(ddl), postLoadMarker)
	if !ok {
		return nil, 0, fmt.Errorf("%s has no %q marker", schemaFile, postLoadMarker)
	}
	_, after, _ = strings.Cut(after, "\n") // the rest of the marker's line is comment

	admin, err := pg.connect(ctx, "postgres")
	if err != nil {
		return nil, 0, err
	}
	_, err = admin.Exec(ctx, "CREATE DATABASE bench")
	admin.Close(ctx)
	if err != nil {
		return nil, 0, err
	}
	conn, err := pg.connect(ctx, "bench")
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	fail := func(err error) (*pgx.Conn, time.Duration, error) {
		conn.Close(ctx)
		return nil, 0, err
	}
	// No arguments: the simple protocol, which runs a whole script.
	if _, err := conn.Exec(ctx, before); err != nil {
		return fail(fmt.Errorf("schema.sql (tables): %w", err))
	}
	for _, enum := range []string{"opportunity_stage_enum", "task_status_enum"} {
		t, err := conn.LoadType(ctx, enum)
		if err != nil {
			return fail(err)
		}
		conn.TypeMap().RegisterType(t)
	}
	for _, part := range []struct {
		table string
		recs  []map[string]any
	}{{"company", d.companies}, {"person", d.people}, {"opportunity", d.opportunities}, {"note", d.notes}, {"task", d.tasks}} {
		c := pgColumns[part.table]
		rows := make([][]any, len(part.recs))
		for i, r := range part.recs {
			rows[i] = c.row(r)
		}
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{pgSchema, part.table}, c.cols, pgx.CopyFromRows(rows)); err != nil {
			return fail(fmt.Errorf("COPY %s: %w", part.table, err))
		}
	}
	if _, err := conn.Exec(ctx, after); err != nil {
		return fail(fmt.Errorf("schema.sql (indexes and foreign keys): %w", err))
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return fail(err)
	}
	return conn, time.Since(start), nil
}
