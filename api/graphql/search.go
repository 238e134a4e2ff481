package graphql

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"edgecrm/domain"
	"edgecrm/projections"
	"edgecrm/projections/query"
	"edgecrm/sqldb"
)

// SearchHit is one record a search matched, with its rank (higher first).
type SearchHit struct {
	Row    map[string]any // the table row (column → value)
	Rank   float64        // tsRank
	RankCD float64        // tsRankCD
}

// SearchFunc finds the records of obj (stored in table) matching the search
// input among the rows where the SQL condition where (with whereArgs; ""
// for none) holds. It returns at most limit hits, best first.
type SearchFunc func(db sqldb.DB, obj *domain.Object, table, input, where string, whereArgs []any, limit int) ([]SearchHit, error)

// SearchRecords is the search the `search` query runs per object:
// FTSSearch over the FTS5 index the projector keeps (projections/search.go).
// LikeSearch is the index-free fallback (and the reference the tests run
// the same cases against).
var SearchRecords SearchFunc = FTSSearch

// SearchMatching goes with SearchRecords: which objects can have hits at
// all (projections.Matching, one statement for every object's FTS index),
// so that the others are not searched one statement each. Nil searches
// every object (LikeSearch needs it nil).
var SearchMatching = projections.Matching

// FTSSearch searches obj's FTS5 index with projections.SearchObject: every
// word must match, as a prefix, case and accents ignored; hits ranked by
// label tier, closeness and bm25.
func FTSSearch(db sqldb.DB, obj *domain.Object, table, input, where string, whereArgs []any, limit int) ([]SearchHit, error) {
	hits, err := projections.SearchObject(db, obj, table, input, where, whereArgs, limit)
	if err != nil {
		return nil, err
	}
	out := make([]SearchHit, len(hits))
	for i, h := range hits {
		out[i] = SearchHit{Row: h.Row, Rank: h.Rank, RankCD: h.Rank}
	}
	return out, nil
}

// DefaultSearchLimit is search's limit when the client gives none.
const DefaultSearchLimit = 60

// maxSearchTerms bounds the words of a search input that are matched.
const maxSearchTerms = 8

// LikeSearch matches every word of input (case-insensitively for ASCII,
// as SQLite LIKE does) somewhere in the object's searchable fields (text
// columns of its Searchable fields, composites included, rich text by its
// markdown). The rank is 1 plus, per word, 2 when the record's text starts
// with it (the label identifier comes first) and 1 when a word of the text
// does; ties go to position order.
func LikeSearch(db sqldb.DB, obj *domain.Object, table, input, where string, whereArgs []any, limit int) ([]SearchHit, error) {
	hay := haystack(obj)
	if hay == "" {
		return nil, nil
	}
	terms := strings.Fields(input)
	if len(terms) > maxSearchTerms {
		terms = terms[:maxSearchTerms]
	}
	var conds []string
	var args []any
	rank := "1"
	var rankArgs []any
	for _, t := range terms {
		esc := likeEscape(t)
		conds = append(conds, hay+` LIKE ? ESCAPE '\'`)
		args = append(args, "%"+esc+"%")
		rank += fmt.Sprintf(` + (CASE WHEN %[1]s LIKE ? ESCAPE '\' THEN 2 ELSE 0 END) + (CASE WHEN %[1]s LIKE ? ESCAPE '\' THEN 1 ELSE 0 END)`, hay)
		rankArgs = append(rankArgs, esc+"%", "% "+esc+"%")
	}
	if len(terms) == 0 {
		rank = "0"
	}
	if where != "" {
		conds = append([]string{"(" + where + ")"}, conds...)
		args = append(append([]any(nil), whereArgs...), args...)
	}
	sql := fmt.Sprintf(`SELECT *, %s AS "_rank" FROM %s`, rank, projections.Q(table))
	if len(conds) > 0 {
		sql += " WHERE " + strings.Join(conds, " AND ")
	}
	order := `"_rank" DESC, "id"`
	if obj.Field("position") != nil {
		order = `"_rank" DESC, "position", "id"`
	}
	sql += fmt.Sprintf(" ORDER BY %s LIMIT %d", order, limit)
	rows, err := db.Exec(sql, append(rankArgs, args...)...)
	if err != nil {
		return nil, err
	}
	out := make([]SearchHit, 0, len(rows.Values))
	for _, row := range rows.Maps() {
		r := float64(sqldb.AsInt(row["_rank"]))
		delete(row, "_rank")
		out = append(out, SearchHit{Row: row, Rank: r, RankCD: r})
	}
	return out, nil
}

// haystack is the SQL text expression LikeSearch matches: the searchable
// text columns joined by spaces, the label identifier's first.
func haystack(obj *domain.Object) string {
	names := append([]string(nil), obj.Searchable...)
	if obj.LabelIdentifier != "" {
		for i, n := range names {
			if n == obj.LabelIdentifier {
				names = append([]string{n}, append(names[:i:i], names[i+1:]...)...)
				break
			}
		}
	}
	var parts []string
	for _, n := range names {
		f := obj.Field(n)
		if f == nil || f.Type == domain.TypeRelation {
			continue
		}
		for _, c := range f.Columns() {
			switch {
			case c.Subfield == "blocknote":
			case c.Type == domain.TypeText, c.Subfield == "additionalEmails", c.Subfield == "additionalPhones":
				parts = append(parts, "COALESCE("+projections.Q(c.Name)+", '')")
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, " || ' ' || ") + ")"
}

func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// searchPriority orders objects whose hits rank the same (Twenty's
// STANDARD_OBJECTS_BY_PRIORITY_RANK: people first).
var searchPriority = map[string]int{"person": 0, "company": 1, "opportunity": 2, "note": 3, "task": 4}

type searchResult struct {
	obj *domain.Object
	hit SearchHit
	lbl string
}

// search answers Twenty's cross-object search.
func (e *executor) search(args map[string]any) (any, error) {
	input, _ := args["searchInput"].(string)
	limit := DefaultSearchLimit
	if n, err := intArg(args["limit"]); err != nil {
		return nil, err
	} else if n != nil {
		limit = *n
	}
	if limit < 0 {
		return nil, &query.Error{Field: "limit", Message: "limit must not be negative"}
	}
	if limit > query.MaxPageSize {
		return nil, fmt.Errorf("%w: limit is %d, the maximum is %d", query.ErrTooManyRows, limit, query.MaxPageSize)
	}
	offset := 0
	if n, err := intArg(args["offset"]); err != nil {
		return nil, err
	} else if n != nil {
		offset = *n
	}
	if after, _ := args["after"].(string); after != "" {
		n, err := decodeSearchCursor(after)
		if err != nil {
			return nil, err
		}
		offset = n
	}
	if offset < 0 {
		return nil, &query.Error{Field: "offset", Message: "offset must not be negative"}
	}
	if offset > query.MaxPageSize-limit { // every object is searched for offset+limit+1 hits
		return nil, fmt.Errorf("%w: offset + limit is %d, the maximum is %d", query.ErrTooManyRows, offset+limit, query.MaxPageSize)
	}
	filter, err := filterArg(args["filter"])
	if err != nil {
		return nil, err
	}
	included := stringSet(args["includedObjectNameSingulars"])
	excluded := stringSet(args["excludedObjectNameSingulars"])

	var objs []*domain.Object
	for _, obj := range e.meta.SortedObjects() {
		if ti := e.c.types[typeNameOf(obj)]; len(obj.Searchable) == 0 || ti.role != roleRecord || ti.object != obj.NameSingular {
			continue
		}
		if len(included) > 0 && !included[obj.NameSingular] || excluded[obj.NameSingular] {
			continue
		}
		if e.w.Allow(obj, domain.ActRead) != nil {
			continue // objects the caller may not read are not searched
		}
		objs = append(objs, obj)
	}
	// The index first takes in the records written since it last caught up.
	if err := e.w.SettleSearch(); err != nil {
		return nil, err
	}
	// The objects searched through their index (no hidden field) that
	// hold no match at all are skipped.
	var matching map[string]bool
	if SearchMatching != nil {
		var indexed []*domain.Object
		var tables []string
		for _, obj := range objs {
			if e.w.HiddenFields(obj) == nil {
				indexed, tables = append(indexed, obj), append(tables, table(obj))
			}
		}
		if matching, err = SearchMatching(e.w.DB, indexed, tables, input); err != nil {
			return nil, err
		}
		if matching != nil {
			for _, obj := range objs {
				if e.w.HiddenFields(obj) != nil {
					matching[obj.NameSingular] = true // searched without the index
				}
			}
		}
	}
	var results []searchResult
	for _, obj := range objs {
		if matching != nil && !matching[obj.NameSingular] {
			continue
		}
		where, wargs, err := query.Where(e.meta, obj, table(obj), filter)
		if err != nil {
			return nil, err
		}
		search, readable := e.searchFor(obj)
		hits, err := search(e.w.DB, readable, table(obj), input, where, wargs, offset+limit+1)
		if err != nil {
			return nil, err
		}
		if err := e.charge(len(hits)); err != nil {
			return nil, err
		}
		for _, h := range hits {
			results = append(results, searchResult{obj: readable, hit: h, lbl: recordLabel(readable, h.Row)})
		}
	}
	sort.SliceStable(results, func(i, j int) bool {
		a, b := results[i], results[j]
		if a.hit.RankCD != b.hit.RankCD {
			return a.hit.RankCD > b.hit.RankCD
		}
		pa, oka := searchPriority[a.obj.NameSingular]
		pb, okb := searchPriority[b.obj.NameSingular]
		if oka != okb {
			return oka
		}
		if pa != pb {
			return pa < pb
		}
		return a.obj.NameSingular < b.obj.NameSingular
	})
	hasNext := len(results) > offset+limit
	if offset > len(results) {
		offset = len(results)
	}
	page := results[offset:min(len(results), offset+limit)]
	edges := make([]any, len(page))
	var end any
	for i, r := range page {
		cursor := encodeSearchCursor(offset + i + 1)
		edges[i] = map[string]any{
			"cursor": cursor,
			"node": map[string]any{
				"recordId":            sqldb.AsString(r.hit.Row["id"]),
				"objectNameSingular":  r.obj.NameSingular,
				"objectLabelSingular": r.obj.LabelSingular,
				"label":               r.lbl,
				"imageUrl":            imageURL(r.obj, r.hit.Row),
				"tsRankCD":            r.hit.RankCD,
				"tsRank":              r.hit.Rank,
			},
		}
		end = cursor
	}
	return map[string]any{
		"edges":    edges,
		"pageInfo": map[string]any{"endCursor": end, "hasNextPage": hasNext},
	}, nil
}

// searchFor is how the caller searches obj: matching a field it may not
// read would leak it, so then only the readable fields are searched
// (without the index, which holds them all), and obj's copy without them
// shows no hidden label or image.
func (e *executor) searchFor(obj *domain.Object) (SearchFunc, *domain.Object) {
	hidden := e.w.HiddenFields(obj)
	if hidden == nil {
		return SearchRecords, obj
	}
	o := *obj
	o.Searchable = slices.DeleteFunc(slices.Clone(obj.Searchable), func(n string) bool { return hidden[n] })
	o.Fields = slices.DeleteFunc(slices.Clone(obj.Fields), func(f *domain.Field) bool { return hidden[f.Name] })
	return LikeSearch, &o
}

func stringSet(v any) map[string]bool {
	out := map[string]bool{}
	items, _ := v.([]any)
	for _, it := range items {
		if s, ok := it.(string); ok {
			out[s] = true
		}
	}
	return out
}

// recordLabel is the value of the object's label identifier field.
func recordLabel(obj *domain.Object, row map[string]any) string {
	f := obj.Field(obj.LabelIdentifier)
	if f == nil {
		return ""
	}
	if f.Type == domain.TypeFullName {
		first := sqldb.AsString(row[f.Name+"FirstName"])
		last := sqldb.AsString(row[f.Name+"LastName"])
		return strings.TrimSpace(first + " " + last)
	}
	cols := f.Columns()
	if len(cols) == 0 {
		return ""
	}
	return sqldb.AsString(row[cols[0].Name])
}

// imageURL is the avatar of a person or member, or the favicon of a
// company's domain (Twenty's twenty-icons service).
func imageURL(obj *domain.Object, row map[string]any) any {
	if f := obj.Field("avatarUrl"); f != nil {
		if s := sqldb.AsString(row["avatarUrl"]); s != "" {
			return s
		}
	}
	if f := obj.Field("domainName"); f != nil && f.Type == domain.TypeLinks {
		raw := sqldb.AsString(row["domainNamePrimaryLinkUrl"])
		if raw == "" {
			return nil
		}
		if !strings.Contains(raw, "://") {
			raw = "https://" + raw
		}
		if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
			return "https://twenty-icons.com/" + strings.TrimPrefix(u.Hostname(), "www.")
		}
	}
	return nil
}

func encodeSearchCursor(n int) string {
	return base64.StdEncoding.EncodeToString([]byte("search:" + strconv.Itoa(n)))
}

func decodeSearchCursor(s string) (int, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err == nil && strings.HasPrefix(string(b), "search:") {
		if n, err := strconv.Atoi(strings.TrimPrefix(string(b), "search:")); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, &query.Error{Field: "after", Message: fmt.Sprintf("invalid search cursor %q", s)}
}
