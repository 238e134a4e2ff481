package query_test

import (
	"encoding/json"
	"errors"
	"testing"

	"edgecrm/domain"
	"edgecrm/projections"
	"edgecrm/projections/query"
	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

// FuzzSearch: a search text with a filter (GraphQL search's `filter`), as
// api/graphql runs it: query.Where, then projections.SearchObject on real
// SQLite with FTS5. No panic, a filter error is a 400 *query.Error, the
// statement fits the platform's 100 parameters, and every hit satisfies the
// filter.
func FuzzSearch(f *testing.F) {
	for _, c := range [][2]string{
		{"ann", ``}, {"ann", `{"city":{"eq":"Paris"}}`}, {"", `{"city":{"eq":"Oslo"}}`}, {`"ann*" OR x`, `{"deletedAt":{"is":"NOT_NULL"}}`},
		{"é ü 1 2 3", `{"name":{"firstName":{"ilike":"%a%"}}}`}, {"NEAR(a b)", `{"city":{"in":["Paris","Oslo"]}}`}, {"@@@", ``},
		{"a b c d e f g h i j k l m n o p q r", `{"or":[{"city":{"like":"%"}},{"not":{"city":{"is":"NULL"}}}]}`},
	} {
		f.Add(c[0], c[1])
	}
	db := sqlitedb.MustOpen(f)
	f.Cleanup(func() { db.Close() })
	person := &domain.Object{NameSingular: "person", NamePlural: "people", LabelIdentifier: "name", Searchable: []string{"name", "city", "emails"},
		Fields: []*domain.Field{
			{Name: "id", Type: domain.TypeUUID, IsSystem: true},
			{Name: "deletedAt", Type: domain.TypeDateTime, IsSystem: true, IsNullable: true},
			{Name: "position", Type: domain.TypePosition, IsSystem: true},
			{Name: "name", Type: domain.TypeFullName, IsNullable: true},
			{Name: "city", Type: domain.TypeText, IsNullable: true},
			{Name: "emails", Type: domain.TypeEmails, IsNullable: true},
		}}
	stmts := projections.CreateTableDDL("", person)
	stmts = append(stmts,
		`INSERT INTO "person" ("id","position","nameFirstName","nameLastName","city","emailsPrimaryEmail") VALUES `+
			`('p1',1,'Ann','Lee','Paris','ann@x.org'),('p2',2,'Anna','Berg','Oslo',NULL),('p3',3,'Bob','Ann','',NULL),('p4',4,'Élodie','Müller',NULL,'e@m.fr')`,
		`INSERT INTO "person" ("id","position","nameFirstName","deletedAt") VALUES ('p5',5,'Ann Gone','2024-01-01T00:00:00.000Z')`)
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			f.Fatalf("%s: %v", s, err)
		}
	}
	for _, s := range projections.SearchReindexStatements("", person) {
		if _, err := db.Exec(s.SQL, s.Args...); err != nil {
			f.Fatalf("%s: %v", s.SQL, err)
		}
	}
	f.Fuzz(func(t *testing.T, text, filterJSON string) {
		var filter map[string]any
		if filterJSON != "" && json.Unmarshal([]byte(filterJSON), &filter) != nil {
			return
		}
		where, args, err := query.Where(nil, person, "person", filter)
		if err != nil {
			var qe *query.Error
			if !errors.As(err, &qe) {
				t.Fatalf("Where: not a client error: %v", err)
			}
			return
		}
		if len(args)+5 > query.MaxParams {
			t.Fatalf("search with %d filter parameters exceeds %d", len(args), query.MaxParams)
		}
		hits, err := projections.SearchObject(db, person, "person", text, where, args, 0)
		if err != nil {
			t.Fatalf("search %q where %s: %v", text, where, err)
		}
		allowed := map[string]bool{}
		q := `SELECT "id" FROM "person"`
		if where != "" {
			q += " WHERE " + where
		}
		rows, err := db.Exec(q, args...)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows.Values {
			allowed[sqldb.AsString(r[0])] = true
		}
		for _, h := range hits {
			if !allowed[h.RecordID] {
				t.Fatalf("hit %s does not satisfy the filter %s", h.RecordID, filterJSON)
			}
		}
	})
}
