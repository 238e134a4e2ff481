package projections

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/host"
	"edgecrm/projections/query"
	"edgecrm/sqldb"
)

// Full-text search over an object's Searchable fields (Twenty's searchVector).
//
// Each object with searchable fields gets two tables beside its own:
//
//   - "<table>_fts", an FTS5 table (unicode61 tokenizer without diacritics,
//     prefix indexes for 2 and 3 characters) with two columns: title (the
//     label identifier field, when searchable) and body (the other
//     searchable fields);
//   - "<table>_fts_ids" (rid INTEGER PRIMARY KEY, id TEXT), each entry's
//     record id, a compact table the ranked search reads for its ties.
//
// Contract: an entry's rowid (and rid) is its record's rowid in the object
// table, so nothing is keyed by the record's id, a random key whose index
// would cost a large table a page per row. Record tables are never rebuilt
// or written with REPLACE, and UPDATE keeps a row's rowid; a VACUUM may
// renumber them (their key is text), so one would need a reindex
// (SearchReindexStatements). The object table is read as _rowid_, a name
// no column can take (field names are camelCase).
//
// The projector keeps the index in step (SearchStatements): created and
// updated events re-read the record's searchable columns from the object
// table, so their statements run after the record's own; a destroyed
// event's removal runs before it (it finds the entry by the record's
// rowid). Soft delete and restore leave the index alone: Search joins the
// object table and skips soft-deleted rows. FTS5 runs on DO SQLite and D1.
//
// Workspaces made before this layout had FTS rowids of their own, given by
// "<table>_fts_ids" with a UNIQUE id: their next open rebuilds each index
// (durable's search upgrade, an object.updated event with ReindexSearch,
// which D1 follows through the outbox).

// FTSTable is the FTS5 table of an object table.
func FTSTable(table string) string { return table + "_fts" }

// FTSIDsTable holds the record id of each FTS entry (by rowid).
func FTSIDsTable(table string) string { return table + "_fts_ids" }

// Searchable reports whether obj has an FTS index (any searchable field that
// stores columns).
func Searchable(obj *domain.Object) bool {
	title, body := searchFields(obj)
	return len(title)+len(body) > 0
}

// searchFields splits obj's searchable fields into the title (label
// identifier) and the body.
func searchFields(obj *domain.Object) (title, body []*domain.Field) {
	for _, name := range obj.Searchable {
		f := obj.Field(name)
		if f == nil || f.Type == domain.TypeRelation || len(f.Columns()) == 0 {
			continue
		}
		if f.Name == obj.LabelIdentifier {
			title = append(title, f)
		} else {
			body = append(body, f)
		}
	}
	return title, body
}

// SearchDDL creates obj's search tables (none when obj is not searchable).
func SearchDDL(prefix string, obj *domain.Object) []string {
	if !Searchable(obj) {
		return nil
	}
	table := prefix + obj.NameSingular
	return []string{
		fmt.Sprintf("CREATE VIRTUAL TABLE IF NOT EXISTS %s USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')", Q(FTSTable(table))),
		fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (rid INTEGER PRIMARY KEY, id TEXT NOT NULL)", Q(FTSIDsTable(table))),
	}
}

// SearchDropStatements drops obj's search tables (whether or not they exist).
func SearchDropStatements(prefix string, obj *domain.Object) []host.Statement {
	table := prefix + obj.NameSingular
	return []host.Statement{
		{SQL: "DROP TABLE IF EXISTS " + Q(FTSTable(table))},
		{SQL: "DROP TABLE IF EXISTS " + Q(FTSIDsTable(table))},
	}
}

// SearchReindexStatements refills obj's index (made by SearchDDL) from its
// table.
func SearchReindexStatements(prefix string, obj *domain.Object) []host.Statement {
	if !Searchable(obj) {
		return nil
	}
	table := prefix + obj.NameSingular
	fts, ids := Q(FTSTable(table)), Q(FTSIDsTable(table))
	title, body := searchExprs(obj)
	return []host.Statement{
		{SQL: "DELETE FROM " + fts},
		{SQL: "DELETE FROM " + ids},
		{SQL: fmt.Sprintf("INSERT INTO %s (rid, id) SELECT _rowid_, id FROM %s ORDER BY _rowid_", ids, Q(table))},
		// In rowid order: FTS5 flushes its pending terms when rowids go back.
		{SQL: fmt.Sprintf("INSERT INTO %s (rowid, title, body) SELECT _rowid_, %s, %s FROM %s ORDER BY _rowid_", fts, title, body, Q(table))},
	}
}

// SearchRebuildStatements drops obj's index, whatever its layout, and
// builds it again from its table (only the drop when obj is not
// searchable).
func SearchRebuildStatements(prefix string, obj *domain.Object) []host.Statement {
	out := SearchDropStatements(prefix, obj)
	for _, ddl := range SearchDDL(prefix, obj) {
		out = append(out, host.Statement{SQL: ddl})
	}
	return append(out, SearchReindexStatements(prefix, obj)...)
}

// SearchStatements returns the statements that keep obj's index in step with
// record event ev: for a destroyed event run them before the event's own
// statements, for the others after. It returns nothing for objects without
// searchable fields, for soft delete and restore, and for updates that
// change no searchable field.
func SearchStatements(prefix string, obj *domain.Object, ev events.Event) ([]host.Statement, error) {
	if !Searchable(obj) {
		return nil, nil
	}
	_, action := domain.SplitEventType(ev.Type)
	id, touched, err := searchTouched(obj, ev, action)
	if err != nil || !touched {
		return nil, err
	}
	q := searchSQLCache.get(obj, prefix, func() searchSQL { return newSearchSQL(prefix, obj) })
	if action == domain.ActionDestroyed {
		return []host.Statement{{SQL: q.deleteFTS, Args: []any{id}}, {SQL: q.deleteID, Args: []any{id}}}, nil
	}
	// OR REPLACE: FTS5 deletes the entry the rowid had (an update's).
	out := []host.Statement{{SQL: q.indexFTS, Args: []any{id}}}
	if action == domain.ActionCreated { // an update keeps its rowid, so its id entry
		out = append([]host.Statement{{SQL: q.indexID, Args: []any{id}}}, out...)
	}
	return out, nil
}

// searchTouched reports which record ev (a record event of obj, action
// its action) touches the search entry of, if any: a created or destroyed
// record's, an updated one's when a searchable field changed.
func searchTouched(obj *domain.Object, ev events.Event, action string) (string, bool, error) {
	switch action {
	case domain.ActionCreated, domain.ActionDestroyed:
		id, _, err := recordPart(ev, "")
		return id, err == nil, err
	case domain.ActionUpdated:
		id, changes, err := recordPart(ev, "changes")
		if err != nil {
			return "", false, err
		}
		for _, name := range obj.Searchable {
			if _, ok := changes[name]; ok {
				return id, true, nil
			}
		}
	}
	return "", false, nil
}

// SearchStale returns the statements that bring the search entries of
// the inline projection (no prefix) up to date after record events evs,
// which a Projector with DeferSearch applied: the entries of the records
// they created or updated in a searchable field, written again from
// their rows as they are now, in bulk per object. A record destroyed
// since has no row and gets none.
func SearchStale(schema *domain.Schema, evs []events.Event) ([]host.Statement, error) {
	stale := map[*domain.Object][]string{}
	var order []*domain.Object
	seen := map[string]bool{}
	for _, ev := range evs {
		name, action := domain.SplitEventType(ev.Type)
		if action != domain.ActionCreated && action != domain.ActionUpdated {
			continue
		}
		obj := schema.Object(name)
		if obj == nil || !Searchable(obj) {
			continue
		}
		id, touched, err := searchTouched(obj, ev, action)
		if err != nil {
			return nil, err
		}
		if !touched || seen[name+"\x00"+id] {
			continue
		}
		seen[name+"\x00"+id] = true
		if len(stale[obj]) == 0 {
			order = append(order, obj)
		}
		stale[obj] = append(stale[obj], id)
	}
	var out []host.Statement
	for _, obj := range order {
		out = append(out, SearchCreatedStatements("", obj, stale[obj])...)
	}
	return out, nil
}

// searchSQL is SearchStatements' texts for one record of an object.
type searchSQL struct{ indexID, indexFTS, deleteFTS, deleteID string }

var searchSQLCache perObject[searchSQL]

func newSearchSQL(prefix string, obj *domain.Object) searchSQL {
	table := prefix + obj.NameSingular
	fts, ids := Q(FTSTable(table)), Q(FTSIDsTable(table))
	rowid := fmt.Sprintf("(SELECT _rowid_ FROM %s WHERE id = ?)", Q(table))
	title, body := searchExprs(obj)
	return searchSQL{
		indexID:   fmt.Sprintf("INSERT OR REPLACE INTO %s (rid, id) SELECT _rowid_, id FROM %s WHERE id = ?", ids, Q(table)),
		indexFTS:  fmt.Sprintf("INSERT OR REPLACE INTO %s (rowid, title, body) SELECT _rowid_, %s, %s FROM %s WHERE id = ?", fts, title, body, Q(table)),
		deleteFTS: fmt.Sprintf("DELETE FROM %s WHERE rowid = %s", fts, rowid),
		deleteID:  fmt.Sprintf("DELETE FROM %s WHERE rid = %s", ids, rowid),
	}
}

// SearchCreatedStatements indexes the records ids of obj just inserted,
// in bulk: what SearchStatements does for one created event, for many ids
// per statement (within the parameter limit).
func SearchCreatedStatements(prefix string, obj *domain.Object, ids []string) []host.Statement {
	return searchInsert(prefix, obj, ids, "INSERT OR REPLACE", "INSERT OR REPLACE", "")
}

// SearchNewStatements indexes new records ids of obj (rows a projection
// just inserted, or none when the insert was ignored): as
// SearchCreatedStatements, skipping ids already indexed instead of
// replacing their entries.
func SearchNewStatements(prefix string, obj *domain.Object, ids []string) []host.Statement {
	fts := Q(FTSTable(prefix + obj.NameSingular))
	return searchInsert(prefix, obj, ids, "INSERT OR IGNORE", "INSERT", fmt.Sprintf(" AND NOT EXISTS (SELECT 1 FROM %s WHERE rowid = t._rowid_)", fts))
}

// searchInsert is the statements of SearchCreatedStatements and
// SearchNewStatements for records ids: the id entries (idVerb), then the
// FTS entries (ftsVerb) of the records that also meet cond.
func searchInsert(prefix string, obj *domain.Object, ids []string, idVerb, ftsVerb, cond string) []host.Statement {
	if !Searchable(obj) || len(ids) == 0 {
		return nil
	}
	table := prefix + obj.NameSingular
	fts, idsTable := Q(FTSTable(table)), Q(FTSIDsTable(table))
	lists, args := idLists(ids)
	title, body := searchExprs(obj)
	var out []host.Statement
	for i, in := range lists {
		out = append(out,
			host.Statement{SQL: fmt.Sprintf("%s INTO %s (rid, id) SELECT _rowid_, id FROM %s WHERE id IN (%s) ORDER BY _rowid_", idVerb, idsTable, Q(table), in), Args: args[i]},
			host.Statement{SQL: fmt.Sprintf("%s INTO %s (rowid, title, body) SELECT t._rowid_, %s, %s FROM %s AS t WHERE t.id IN (%s)%s ORDER BY t._rowid_",
				ftsVerb, fts, title, body, Q(table), in, cond), Args: args[i]})
	}
	return out
}

// idLists returns the IN lists of ids with their arguments: bound
// parameters for up to sqldb.MaxParams ids, else one list of all of them
// read from a JSON parameter (a batch's search rows in one statement a
// phase, not one per hundred ids).
func idLists(ids []string) ([]string, [][]any) {
	if len(ids) <= sqldb.MaxParams {
		return sqldb.InList(ids, sqldb.MaxParams)
	}
	b := make([]byte, 0, 2+len(ids)*39)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = host.AppendString(b, id)
	}
	return []string{"SELECT value FROM json_each(?)"}, [][]any{{string(append(b, ']'))}}
}

// searchExprs returns the SQL expressions (over the object table's columns)
// of the title and body documents.
func searchExprs(obj *domain.Object) (title, body string) {
	e := searchExprCache.get(obj, "", func() [2]string {
		t, b := searchFields(obj)
		return [2]string{docExpr(t), docExpr(b)}
	})
	return e[0], e[1]
}

var searchExprCache perObject[[2]string]

func docExpr(fields []*domain.Field) string {
	var parts []string
	for _, f := range fields {
		for _, c := range f.Columns() {
			if f.Type == domain.TypeRichTextV2 && c.Subfield == "blocknote" {
				continue // the editor's JSON: its markdown twin is indexed
			}
			col := Q(c.Name)
			switch c.Type {
			case domain.TypeRawJSON, domain.TypeArray, domain.TypeMultiSelect:
				// Index the JSON's string leaves, not its keys and punctuation.
				parts = append(parts, fmt.Sprintf(
					"coalesce(CASE WHEN json_valid(%[1]s) THEN (SELECT group_concat(value, ' ') FROM json_tree(%[1]s) WHERE type = 'text') ELSE %[1]s END, '')", col))
			default:
				parts = append(parts, fmt.Sprintf("coalesce(CAST(%s AS TEXT), '')", col))
			}
		}
	}
	if len(parts) == 0 {
		return "''"
	}
	return strings.Join(parts, " || ' ' || ")
}

// Hit is one search result.
type Hit struct {
	ObjectNameSingular string         `json:"objectNameSingular"`
	RecordID           string         `json:"recordId"`
	Label              string         `json:"label"`              // label identifier value (FULL_NAME as "first last")
	ImageURL           string         `json:"imageUrl,omitempty"` // avatarUrl, when the object has one
	Rank               float64        `json:"rank"`               // higher is better (see rank); 0 for an empty search
	Row                map[string]any `json:"-"`                  // the record's table row (column → value)
}

// DefaultSearchLimit is the number of hits when limit ≤ 0; MaxSearchLimit caps it.
const (
	DefaultSearchLimit = 60
	MaxSearchLimit     = 10000
)

// maxSearchTerms bounds the words of one query.
const maxSearchTerms = 16

// Search finds records of objects (nameSingular; nil or empty for every
// searchable object) whose searchable fields contain every word of text,
// each word also matching as a prefix ("acm" finds Acme), case and accents
// ignored. Soft-deleted records are left out. Hits are ranked best first:
// the label equal to the text, then the label starting with it, then a match
// in the label, then matches elsewhere; within each, labels the text covers
// more of first, then by bm25 (a label match weighing ten times another);
// ties by object name, then id (see rank). An empty text returns records in
// their default order (position, id). An unknown object name is an
// *domain.UnknownObjectError; objects without searchable fields give no hits.
func Search(db sqldb.DB, schema *domain.Schema, prefix, text string, limit int, objects []string) ([]Hit, error) {
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	if limit > MaxSearchLimit {
		limit = MaxSearchLimit
	}
	var objs []*domain.Object
	if len(objects) == 0 {
		objs = schema.SortedObjects()
	} else {
		for _, name := range objects {
			o := schema.Object(name)
			if o == nil {
				return nil, &domain.UnknownObjectError{Name: name}
			}
			objs = append(objs, o)
		}
	}
	match, empty := MatchQuery(text)
	if match == "" && !empty {
		return []Hit{}, nil // only punctuation: nothing can match
	}
	hits := []Hit{}
	seen := map[string]bool{}
	for _, o := range objs {
		if !Searchable(o) || seen[o.NameSingular] {
			continue
		}
		seen[o.NameSingular] = true
		found, err := SearchObject(db, o, prefix+o.NameSingular, text, "", nil, limit)
		if err != nil {
			return nil, err
		}
		hits = append(hits, found...)
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].Rank != hits[j].Rank {
			return hits[i].Rank > hits[j].Rank
		}
		if hits[i].ObjectNameSingular != hits[j].ObjectNameSingular {
			return hits[i].ObjectNameSingular < hits[j].ObjectNameSingular
		}
		// A listing (empty text) keeps each object's default order
		// (position, id) as SearchObject read it; ids sort by time only to
		// the millisecond, so records made in the same one came out in any order.
		return !empty && hits[i].RecordID < hits[j].RecordID
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits, nil
}

// MatchQuery turns user text into an FTS5 query: each word (a run of
// letters and digits) becomes a quoted prefix term, all of them required.
// empty reports text without any character at all (not even punctuation).
func MatchQuery(text string) (match string, empty bool) {
	words := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	if len(words) > maxSearchTerms {
		words = words[:maxSearchTerms]
	}
	terms := make([]string, len(words))
	for i, w := range words {
		terms[i] = `"` + w + `"*`
	}
	return strings.Join(terms, " "), strings.TrimSpace(text) == ""
}

// SearchObject searches one object: table is its table in db (prefix +
// nameSingular) and text is matched as Search does. where (with whereArgs)
// is an optional condition over the table's columns, unqualified or
// qualified by the table name, as query.Where compiles it; when where is
// empty, soft-deleted records are left out, otherwise where decides (
// query.Where adds that rule unless the filter mentions deletedAt). Hits
// carry the whole row (Row), best first (see rank), at most limit of them
// (limit ≤ 0: DefaultSearchLimit).
func SearchObject(db sqldb.DB, obj *domain.Object, table, text, where string, whereArgs []any, limit int) ([]Hit, error) {
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	if limit > MaxSearchLimit {
		limit = MaxSearchLimit
	}
	match, empty := MatchQuery(text)
	if !Searchable(obj) || match == "" && !empty {
		return []Hit{}, nil
	}
	t := Q(table)
	cond := "1 = 1"
	if where != "" {
		cond = "(" + where + ")"
	} else if obj.Field("deletedAt") != nil {
		cond = t + `."deletedAt" IS NULL`
	}
	order := t + `."id"`
	if obj.Field("position") != nil {
		order = t + `."position", ` + order
	}
	cols := labelColumns(obj)
	var rows *sqldb.Rows
	var err error
	if match == "" {
		rows, err = db.Exec(fmt.Sprintf(`SELECT %s.* FROM %s WHERE %s ORDER BY %s LIMIT %d`, t, t, cond, order, limit), whereArgs...)
	} else if rankedSearch && titleIsLabel(obj) && (where == "" || where == query.LiveRule) {
		// With a filter of its own, most candidates may fail it: the
		// general query, which joins every match, suits it better.
		if hits, ok, err := searchRanked(db, obj, table, text, match, cond, whereArgs, limit); err != nil || ok {
			return hits, err
		}
	}
	if match != "" {
		// The CTE matches the index (bm25 and highlight only work beside
		// MATCH); the outer query sees the object table's own columns only,
		// so where resolves as query.Where meant it. _search_tier: 3 the
		// label equals the text, 2 it starts with it, 1 the label (FTS
		// column 0) holds a match, 0 only other fields do.
		fts := Q(FTSTable(table))
		norm := strings.ToLower(strings.Join(strings.Fields(text), " "))
		label := labelExpr(t, cols)
		sql := fmt.Sprintf(`WITH "_search" AS (SELECT %[1]s.rowid AS "_search_rid", bm25(%[1]s, 10.0, 1.0) AS "_search_score", `+
			`instr(highlight(%[1]s, 0, char(1), char(2)), char(1)) > 0 AS "_search_title" FROM %[1]s WHERE %[1]s MATCH ?) `+
			`SELECT %[2]s.*, "_search_score", CASE WHEN lower(%[3]s) = ? THEN 3 WHEN substr(lower(%[3]s), 1, length(?)) = ? THEN 2 WHEN "_search_title" THEN 1 ELSE 0 END AS "_search_tier", `+
			`length(?) * 1.0 / max(length(%[3]s), 1) AS "_search_closeness" `+
			`FROM %[2]s JOIN "_search" ON "_search_rid" = %[2]s._rowid_ WHERE %[4]s `+
			`ORDER BY "_search_tier" DESC, CASE WHEN "_search_tier" > 0 THEN "_search_closeness" ELSE 0 END DESC, "_search_score", %[2]s."id" LIMIT %[5]d`,
			fts, t, label, cond, limit)
		args := append([]any{match, norm, norm, norm, norm}, whereArgs...)
		rows, err = db.Exec(sql, args...)
	}
	if err != nil {
		return nil, fmt.Errorf("projections: searching %s: %w", obj.NameSingular, err)
	}
	return searchHits(obj, rows.Maps(), match != ""), nil
}

// searchHits turns the rows of a search into hits (ranked when the search
// had words).
func searchHits(obj *domain.Object, rows []map[string]any, ranked bool) []Hit {
	cols := labelColumns(obj)
	avatar := obj.Field("avatarUrl") != nil && obj.Field("avatarUrl").Type == domain.TypeText
	hits := make([]Hit, 0, len(rows))
	for _, m := range rows {
		h := Hit{ObjectNameSingular: obj.NameSingular, RecordID: sqldb.AsString(m["id"]), Label: labelOf(cols, m), Row: m}
		if avatar {
			h.ImageURL = sqldb.AsString(m["avatarUrl"])
		}
		if ranked {
			h.Rank = rank(sqldb.AsInt(m["_search_tier"]), m["_search_closeness"], m["_search_score"])
			for _, k := range []string{"_search_score", "_search_tier", "_search_closeness"} {
				delete(m, k)
			}
		}
		hits = append(hits, h)
	}
	return hits
}

// rankedSearch turns searchRanked on (tests compare it with the general
// query).
var rankedSearch = true

// titleIsLabel reports whether obj's FTS title column holds its label
// (trimmed): the label identifier is the one title field and all its
// columns are plain values, so docExpr and labelExpr read the same
// columns the same way.
func titleIsLabel(obj *domain.Object) bool {
	title, _ := searchFields(obj)
	if len(title) != 1 || title[0].Name != obj.LabelIdentifier || title[0].Type == domain.TypeRichTextV2 {
		return false
	}
	return len(labelColumns(obj)) == len(title[0].Columns())
}

// searchRanked is SearchObject's ranked search for an object whose FTS
// title is its label (titleIsLabel), with the same answer in less work:
// the rank keys (tier, closeness, bm25, id) come from the FTS table and its
// ids alone, and only the best few candidates join the object table (by
// rowid), where cond (with args) decides which are kept. The old query
// joined every match to the object table (a lookup by text key per match,
// most of its time) and ran highlight() on each.
//
// The title is read only for the rows whose title holds a match when text
// is ASCII: then a label that equals or
// starts with the text holds its first word as a token (ASCII letters and
// digits are FTS5's only ASCII token characters, as for MatchQuery), so no
// other row can be in tier 2 or 3. Other text reads every title.
//
// ok is false when too many candidates failed cond to fill limit: the
// caller then runs the general query.
func searchRanked(db sqldb.DB, obj *domain.Object, table, text, match, cond string, whereArgs []any, limit int) ([]Hit, bool, error) {
	t, fts, ids := Q(table), Q(FTSTable(table)), Q(FTSIDsTable(table))
	norm := strings.ToLower(strings.Join(strings.Fields(text), " "))
	// bm25 with the body weighing nothing is below 0 exactly when a word
	// matches in the title (every word's IDF is floored above 0), as
	// highlight() on the title would show, from what FTS5 has already
	// read for the row's rank.
	inTitle := "bm25(" + fts + ", 1.0, 0.0) < 0"
	label, title := "trim("+fts+`."title")`, inTitle
	if isASCII(text) { // a label read means a match in the title
		label, title = "CASE WHEN "+inTitle+" THEN "+label+" END", "1"
	}
	candidates := 2*limit + 10
	sql := fmt.Sprintf(`WITH "_search_m" AS MATERIALIZED (SELECT %[1]s.rowid AS "_search_rid", bm25(%[1]s, 10.0, 1.0) AS "_search_score", `+
		`%[2]s AS "_search_label", %[3]s AS "_search_title" FROM %[1]s WHERE %[1]s MATCH ?), `+
		`"_search" AS (SELECT "_search_rid", i."id" AS "_search_id", "_search_score", `+
		`CASE WHEN "_search_label" IS NULL THEN 0 WHEN lower("_search_label") = ? THEN 3 WHEN substr(lower("_search_label"), 1, length(?)) = ? THEN 2 WHEN "_search_title" THEN 1 ELSE 0 END AS "_search_tier", `+
		`CASE WHEN "_search_label" IS NULL THEN 0 ELSE length(?) * 1.0 / max(length("_search_label"), 1) END AS "_search_closeness" `+
		`FROM "_search_m" JOIN %[4]s AS i ON i."rid" = "_search_rid" `+
		`ORDER BY "_search_tier" DESC, CASE WHEN "_search_tier" > 0 THEN "_search_closeness" ELSE 0 END DESC, "_search_score", "_search_id" LIMIT %[5]d) `+
		`SELECT %[6]s.*, s."_search_score", s."_search_tier", s."_search_closeness", (%[6]s."id" IS NOT NULL AND %[7]s) AS "_search_ok" `+
		`FROM "_search" AS s LEFT JOIN %[6]s ON %[6]s._rowid_ = s."_search_rid" `+
		`ORDER BY s."_search_tier" DESC, CASE WHEN s."_search_tier" > 0 THEN s."_search_closeness" ELSE 0 END DESC, s."_search_score", s."_search_id"`,
		fts, label, title, ids, candidates, t, cond)
	args := append([]any{match, norm, norm, norm, norm}, whereArgs...)
	rows, err := db.Exec(sql, args...)
	if err != nil {
		return nil, false, fmt.Errorf("projections: searching %s: %w", obj.NameSingular, err)
	}
	kept := make([]map[string]any, 0, limit)
	for _, m := range rows.Maps() {
		if len(kept) == limit {
			break
		}
		if sqldb.AsInt(m["_search_ok"]) != 0 {
			delete(m, "_search_ok")
			kept = append(kept, m)
		}
	}
	if len(kept) < limit && len(rows.Values) == candidates {
		return nil, false, nil // more matches than candidates, too few kept
	}
	return searchHits(obj, kept, true), true, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// labelExpr is the SQL of a record's label (labelOf's value, for a label of
// one column or of parts that are not empty).
func labelExpr(table string, cols []domain.Column) string {
	if len(cols) == 0 {
		return "''"
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf("coalesce(CAST(%s.%s AS TEXT), '')", table, Q(c.Name))
	}
	return "trim(" + strings.Join(parts, " || ' ' || ") + ")"
}

// rank is a hit's score across objects: the tier first (3: the label
// equals the text, 2: the label starts with it, 1: the label holds a match,
// 0: only other fields do); within a tier, labels the text covers more of
// (closeness, tiers ≥ 1), then a better bm25 score. Both are squashed into
// [0, 0.5) so they never cross a tier: bm25 scores of different tables are
// not comparable, and small tables give near-zero scores (FTS5 floors a
// negative IDF at 1e-6).
func rank(tier int64, closeness, score any) float64 {
	c, _ := closeness.(float64)
	if tier == 0 {
		c = 0
	}
	s, _ := score.(float64)
	s = math.Max(-s, 0)
	return float64(tier) + 0.499*math.Min(c, 1) + 0.499*s/(1+s)
}

// labelColumns are the text columns of obj's label identifier field (JSON
// parts excluded).
func labelColumns(obj *domain.Object) []domain.Column {
	f := obj.Field(obj.LabelIdentifier)
	if f == nil || f.Type == domain.TypeRelation {
		return nil
	}
	var out []domain.Column
	for _, c := range f.Columns() {
		switch c.Type {
		case domain.TypeRawJSON, domain.TypeArray, domain.TypeMultiSelect:
			continue
		}
		out = append(out, c)
	}
	return out
}

// labelOf joins the non-empty label column values with a space (a FULL_NAME
// gives "first last").
func labelOf(cols []domain.Column, row map[string]any) string {
	var parts []string
	for _, c := range cols {
		if s := strings.TrimSpace(sqldb.AsString(row[c.Name])); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// SearchDocument is the text obj's search index holds for a record (its
// table row): the title document, then the body, as docExpr builds them
// (JSON parts contribute their string leaves). It is "" for an object
// without searchable fields. Twenty exposes it as searchVector.
func SearchDocument(obj *domain.Object, row map[string]any) string {
	return SearchDocumentBy(obj, func(col string) any { return row[col] })
}

// SearchDocumentBy is SearchDocument of the row whose columns get reads.
func SearchDocumentBy(obj *domain.Object, get func(col string) any) string {
	return SearchDocumentOf(SearchColumns(obj), get)
}

// SearchColumns are the columns obj's search document is made of, in
// order (a caller reading many rows lists them once).
func SearchColumns(obj *domain.Object) []domain.Column {
	title, body := searchFields(obj)
	var cols []domain.Column
	for _, fields := range [][]*domain.Field{title, body} {
		for _, f := range fields {
			for _, c := range f.Columns() {
				if f.Type == domain.TypeRichTextV2 && c.Subfield == "blocknote" {
					continue
				}
				cols = append(cols, c)
			}
		}
	}
	return cols
}

// SearchDocumentOf is the search document of the row whose columns get
// reads, made of cols (SearchColumns).
func SearchDocumentOf(cols []domain.Column, get func(col string) any) string {
	var parts []string
	for _, c := range cols {
		s := sqldb.AsString(get(c.Name))
		switch c.Type {
		case domain.TypeRawJSON, domain.TypeArray, domain.TypeMultiSelect:
			s = jsonText(s)
		}
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// jsonText returns the string leaves of a JSON text, space separated (the
// text itself when it is not JSON), as the index's json_tree does.
func jsonText(s string) string {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	var leaves []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			leaves = append(leaves, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(x[k])
			}
		}
	}
	walk(v)
	return strings.Join(leaves, " ")
}

// Matching returns which of objs (their tables named by tables, in step)
// hold at least one match for text in their FTS index, in one statement:
// a search can skip the others, which would find nothing. It returns nil
// (search every object) when text has no word to match or the objects do
// not fit in one statement's parameters.
func Matching(db sqldb.DB, objs []*domain.Object, tables []string, text string) (map[string]bool, error) {
	match, _ := MatchQuery(text)
	if match == "" {
		return nil, nil
	}
	var exists []string
	var names []string
	for i, o := range objs {
		if Searchable(o) {
			fts := Q(FTSTable(tables[i]))
			exists = append(exists, fmt.Sprintf("EXISTS (SELECT 1 FROM %[1]s WHERE %[1]s MATCH ?)", fts))
			names = append(names, o.NameSingular)
		}
	}
	out := map[string]bool{}
	if len(exists) == 0 {
		return out, nil
	}
	if len(exists) > sqldb.MaxParams {
		return nil, nil
	}
	args := make([]any, len(exists))
	for i := range args {
		args[i] = match
	}
	rows, err := db.Exec("SELECT "+strings.Join(exists, ", "), args...)
	if err != nil {
		return nil, fmt.Errorf("projections: searching: %w", err)
	}
	if len(rows.Values) == 1 {
		for i, v := range rows.Values[0] {
			if sqldb.AsInt(v) != 0 {
				out[names[i]] = true
			}
		}
	}
	return out, nil
}
