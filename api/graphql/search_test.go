package graphql_test

import (
	"testing"

	"edgecrm/api/graphql"
	"edgecrm/domain"
	"edgecrm/sqldb"
)

const searchQuery = `query($q: String!, $limit: Int, $after: String, $inc: [String!], $exc: [String!], $filter: ObjectRecordFilterInput) {
  search(searchInput: $q, limit: $limit, after: $after, includedObjectNameSingulars: $inc, excludedObjectNameSingulars: $exc, filter: $filter) {
    edges { cursor node { recordId objectNameSingular objectLabelSingular label imageUrl tsRankCD tsRank } }
    pageInfo { hasNextPage endCursor } } }`

type hit struct{ object, label string }

func searchHits(t *testing.T, r result) []hit {
	t.Helper()
	var out []hit
	for _, e := range dig(r.Data, "search", "edges").([]any) {
		out = append(out, hit{str(e, "node", "objectNameSingular"), str(e, "node", "label")})
	}
	return out
}

// TestSearch runs the same cases against the FTS5 search and the LIKE
// fallback.
func TestSearch(t *testing.T) {
	impls := map[string]graphql.SearchFunc{"fts": graphql.FTSSearch, "like": graphql.LikeSearch}
	for name, impl := range impls {
		t.Run(name, func(t *testing.T) {
			defer func(old graphql.SearchFunc) { graphql.SearchRecords = old }(graphql.SearchRecords)
			graphql.SearchRecords = impl
			if name == "like" { // LikeSearch matches what the index may not
				defer func(old func(sqldb.DB, []*domain.Object, []string, string) (map[string]bool, error)) {
					graphql.SearchMatching = old
				}(graphql.SearchMatching)
				graphql.SearchMatching = nil
			}
			f := seed(t)
			run := func(vars map[string]any) result {
				t.Helper()
				return ok(t, gql(t, f.h, searchQuery, vars))
			}

			r := run(map[string]any{"q": "acme"})
			hits := searchHits(t, r)
			if len(hits) != 3 || hits[0] != (hit{"company", "Acme"}) {
				t.Fatalf("search acme: %v", hits)
			}
			people := map[hit]bool{hits[1]: true, hits[2]: true}
			if !people[hit{"person", "Ada Lovelace"}] || !people[hit{"person", "Alan Turing"}] {
				t.Errorf("search acme people: %v", hits)
			}
			first := dig(r.Data, "search", "edges", 0, "node")
			eq(t, "recordId", str(first, "recordId"), f.acme)
			eq(t, "objectLabelSingular", str(first, "objectLabelSingular"), "Company")
			eq(t, "company imageUrl", str(first, "imageUrl"), "https://twenty-icons.com/acme.com")
			if dig(first, "tsRankCD").(float64) <= dig(r.Data, "search", "edges", 1, "node", "tsRankCD").(float64) {
				t.Errorf("label match does not rank first: %s", r.Raw)
			}

			eq(t, "prefix of a word", searchHits(t, run(map[string]any{"q": "lovel"})), []hit{{"person", "Ada Lovelace"}})
			eq(t, "every word must match", searchHits(t, run(map[string]any{"q": "ada love"})), []hit{{"person", "Ada Lovelace"}})
			eq(t, "no match", searchHits(t, run(map[string]any{"q": "zzzz"})), []hit(nil))
			// Twenty's search leaves the timeline out ("company.created", ...).
			eq(t, "timeline", searchHits(t, run(map[string]any{"q": "created"})), []hit(nil))
			eq(t, "included", searchHits(t, run(map[string]any{"q": "acme", "inc": []any{"company"}})), []hit{{"company", "Acme"}})
			if got := searchHits(t, run(map[string]any{"q": "acme", "exc": []any{"company"}})); len(got) != 2 || got[0].object != "person" {
				t.Errorf("excluded company: %v", got)
			}
			eq(t, "opportunity by name", searchHits(t, run(map[string]any{"q": "Deal2"})), []hit{{"opportunity", "Deal2"}})

			// Pagination: one at a time.
			p1 := run(map[string]any{"q": "acme", "limit": 1})
			eq(t, "page 1", searchHits(t, p1), []hit{{"company", "Acme"}})
			eq(t, "page 1 hasNextPage", dig(p1.Data, "search", "pageInfo", "hasNextPage"), true)
			p2 := run(map[string]any{"q": "acme", "limit": 5, "after": str(p1.Data, "search", "pageInfo", "endCursor")})
			if got := searchHits(t, p2); len(got) != 2 || got[0].object != "person" {
				t.Errorf("page 2: %v", got)
			}
			eq(t, "page 2 hasNextPage", dig(p2.Data, "search", "pageInfo", "hasNextPage"), false)

			// Soft-deleted records are not found, unless the filter asks for them.
			ok(t, gql(t, f.h, `mutation { deleteCompany(id: "`+f.acme+`") { id } }`, nil))
			if got := searchHits(t, run(map[string]any{"q": "acme", "inc": []any{"company"}})); len(got) != 0 {
				t.Errorf("deleted company found: %v", got)
			}
			got := searchHits(t, run(map[string]any{"q": "acme", "inc": []any{"company"}, "filter": map[string]any{"deletedAt": map[string]any{"is": "NOT_NULL"}}}))
			eq(t, "deleted via filter", got, []hit{{"company", "Acme"}})

			// A filter on id narrows the results.
			got = searchHits(t, run(map[string]any{"q": "acme", "filter": map[string]any{"id": map[string]any{"eq": f.ada}}}))
			eq(t, "id filter", got, []hit{{"person", "Ada Lovelace"}})

			r = gql(t, f.h, searchQuery, map[string]any{"q": "acme", "after": "bad"})
			if r.code() != "BAD_USER_INPUT" || r.Data != nil {
				t.Errorf("bad search cursor: %s", r.Raw)
			}
		})
	}
}
