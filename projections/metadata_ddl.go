package projections

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"edgecrm/domain"
	"edgecrm/events"
	"edgecrm/host"
)

// The projection of metadata events other than object.created: the schema
// moves on by domain.ApplyMetadata, and the sink's tables follow by the
// difference between the schema before and after (MetadataDDL). The same
// statements run inline (prefix "") and in D1 (prefix w_<ws>_), and on
// replay, so every sink ends with the same tables.

// applyMetadata projects a metadata event and moves p.Schema on.
func (p *Projector) applyMetadata(ev events.Event) ([]host.Statement, error) {
	pl := domain.MetadataPayload(ev.Type)
	if pl == nil {
		return nil, fmt.Errorf("projections: %s is not a metadata event", ev.Type)
	}
	if err := ev.Decode(pl); err != nil {
		return nil, fmt.Errorf("projections: event %d (%s): %w", ev.Seq, ev.Type, err)
	}
	if p.Schema == nil {
		p.Schema = &domain.Schema{}
	}
	after, err := domain.ApplyMetadata(p.Schema, ev.Type, pl)
	if err != nil {
		return nil, fmt.Errorf("projections: event %d (%s): %w", ev.Seq, ev.Type, err)
	}
	stmts, err := MetadataDDL(p.Prefix, p.Schema, after, ev.Time)
	if err != nil {
		return nil, err
	}
	p.Schema = after
	// A reindex (the search upgrade) during a rebuild is the rebuild's own
	// (IndexStatements).
	if u, ok := pl.(*domain.ObjectUpdated); ok && u.Set.ReindexSearch && !p.DeferIndexes {
		if o := after.ObjectByID(u.ObjectID); o != nil {
			stmts = append(stmts, SearchRebuildStatements(p.Prefix, o)...)
		}
	}
	return stmts, nil
}

// MetadataDDL returns the statements that take a sink's tables and its
// _objects rows from schema before to schema after. Objects are matched by
// id and columns by (field id, subfield), so a renamed field renames its
// columns. An object whose pointer did not change is taken as unchanged
// (domain.ApplyMetadata copies what it changes). For each changed table, in
// order: indexes that went away or changed are dropped (SQLite cannot drop
// an indexed column), columns renamed, dropped and added, new columns
// backfilled with the field's default value (as Postgres fills a new column
// with its default in Twenty; a "now" default is the event's time at), then
// new indexes created.
func MetadataDDL(prefix string, before, after *domain.Schema, at time.Time) ([]host.Statement, error) {
	var out []host.Statement
	objects := Q(prefix + ObjectsTable)
	for _, b := range before.Objects {
		if after.ObjectByID(b.ID) == nil {
			out = append(out, DropObjectStatements(prefix, b)...)
			out = append(out, host.Statement{SQL: fmt.Sprintf("DELETE FROM %s WHERE id = ?", objects), Args: []any{b.ID}})
		}
	}
	for _, a := range after.Objects {
		b := before.ObjectByID(a.ID)
		if b == a {
			continue
		}
		if b == nil {
			for _, ddl := range CreateTableDDL(prefix, a) {
				out = append(out, host.Statement{SQL: ddl})
			}
		} else {
			if b.NameSingular != a.NameSingular {
				return nil, fmt.Errorf("projections: object %s cannot be renamed to %s", b.NameSingular, a.NameSingular)
			}
			out = append(out, AlterTableDDL(prefix, b, a, at)...)
			out = append(out, searchChange(prefix, b, a)...)
		}
		body, err := json.Marshal(a)
		if err != nil {
			return nil, err
		}
		out = append(out, host.Statement{
			SQL:  fmt.Sprintf("INSERT OR REPLACE INTO %s (id, name, body) VALUES (?, ?, ?)", objects),
			Args: []any{a.ID, a.NameSingular, string(body)},
		})
	}
	return out, nil
}

// AlterTableDDL returns the statements that change the table of object b
// into the table of a (same object id and name, fields changed); at is the
// time of the change ("now" defaults of new fields).
func AlterTableDDL(prefix string, b, a *domain.Object, at time.Time) []host.Statement {
	table := Q(prefix + a.NameSingular)
	var out []host.Statement
	add := func(format string, args ...any) {
		out = append(out, host.Statement{SQL: fmt.Sprintf(format, args...)})
	}
	bIdx, bOrder := tableIndexes(prefix, b)
	aIdx, aOrder := tableIndexes(prefix, a)
	for _, name := range bOrder {
		if aIdx[name] != bIdx[name] {
			add("DROP INDEX IF EXISTS %s", name)
		}
	}
	bCols := columnsByKey(b)
	aCols := columnsByKey(a)
	for _, c := range a.Columns() {
		if old, ok := bCols[columnKey(c)]; ok && old.Name != c.Name {
			add("ALTER TABLE %s RENAME COLUMN %s TO %s", table, Q(old.Name), Q(c.Name))
		}
	}
	for _, c := range b.Columns() {
		if _, ok := aCols[columnKey(c)]; !ok {
			add("ALTER TABLE %s DROP COLUMN %s", table, Q(c.Name))
		}
	}
	var added []*domain.Field
	seen := map[*domain.Field]bool{}
	for _, c := range a.Columns() {
		if _, ok := bCols[columnKey(c)]; ok {
			continue
		}
		add("ALTER TABLE %s ADD COLUMN %s %s", table, Q(c.Name), c.SQLType())
		if !seen[c.Field] {
			seen[c.Field] = true
			added = append(added, c.Field)
		}
	}
	for _, f := range added {
		if st, ok := backfill(table, a, f, at); ok {
			out = append(out, st)
		}
	}
	for _, name := range aOrder {
		if aIdx[name] != bIdx[name] {
			add("%s", aIdx[name])
		}
	}
	return out
}

// searchChange rebuilds a's search index when its documents changed
// (searchable fields added, removed or renamed), or drops it when a has no
// searchable field left.
func searchChange(prefix string, b, a *domain.Object) []host.Statement {
	bt, bb := searchExprs(b)
	at, ab := searchExprs(a)
	if Searchable(a) == Searchable(b) && bt == at && bb == ab {
		return nil
	}
	return SearchRebuildStatements(prefix, a)
}

// backfill sets a new field's columns to its default value in every
// existing row: a constant as it is, "now" as the time of the change. Null
// defaults and "uuid" (one id per record) leave existing rows null.
func backfill(table string, obj *domain.Object, f *domain.Field, at time.Time) (host.Statement, bool) {
	def := f.DefaultValue
	if def == nil || f.Type == domain.TypeRelation {
		return host.Statement{}, false
	}
	if domain.IsGeneratedDefault(f) {
		switch f.Type {
		case domain.TypeDateTime:
			def = at.UTC().Format(TimeLayout)
		case domain.TypeDate:
			def = at.UTC().Format("2006-01-02")
		default:
			return host.Statement{}, false
		}
	}
	row := Flatten(obj, map[string]any{f.Name: def})
	if len(row) == 0 {
		return host.Statement{}, false
	}
	cols, args := sortedColumns(row)
	sets := make([]string, len(cols))
	for i, c := range cols {
		sets[i] = Q(c) + " = ?"
	}
	return host.Statement{SQL: fmt.Sprintf("UPDATE %s SET %s", table, strings.Join(sets, ", ")), Args: args}, true
}

func columnKey(c domain.Column) string { return c.Field.ID + "/" + c.Subfield }

func columnsByKey(o *domain.Object) map[string]domain.Column {
	m := map[string]domain.Column{}
	for _, c := range o.Columns() {
		m[columnKey(c)] = c
	}
	return m
}

// indexName matches ^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")*"|\S+)
// (without regexp, for the wasm's size) and returns the group, or "".
func indexName(ddl string) string {
	s, ok := keyword(ddl, "CREATE")
	if !ok {
		return ""
	}
	if t, ok := keyword(s, "UNIQUE"); ok {
		s = t
	}
	if s, ok = keyword(s, "INDEX"); !ok {
		return ""
	}
	if t, ok := keyword(s, "IF"); ok {
		if t, ok = keyword(t, "NOT"); ok {
			if t, ok = keyword(t, "EXISTS"); ok {
				s = t
			}
		}
	}
	if strings.HasPrefix(s, `"`) {
		// The longest "..." where a quote inside is doubled.
		end := -1
		for i := 1; i < len(s); i++ {
			if s[i] == '"' {
				end = i + 1
				if i+1 < len(s) && s[i+1] == '"' {
					i++
					continue
				}
				break
			}
		}
		if end > 0 {
			return s[:end]
		}
	}
	n := 0
	for n < len(s) && !isSQLSpace(s[n]) {
		n++
	}
	return s[:n]
}

// keyword matches word\s+ at the start of s and returns the rest.
func keyword(s, word string) (string, bool) {
	if !strings.HasPrefix(s, word) || len(s) == len(word) || !isSQLSpace(s[len(word)]) {
		return s, false
	}
	s = s[len(word):]
	for len(s) > 0 && isSQLSpace(s[0]) {
		s = s[1:]
	}
	return s, true
}

// isSQLSpace is RE2's \s.
func isSQLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

// CreateIndexStatements creates every secondary index s's tables should
// have and lack (CREATE INDEX IF NOT EXISTS), search indexes aside: an
// existing workspace's tables catching up with IndexDDL.
func CreateIndexStatements(prefix string, s *domain.Schema) []host.Statement {
	var out []host.Statement
	for _, o := range s.SortedObjects() {
		m, order := tableIndexes(prefix, o)
		for _, name := range order {
			out = append(out, host.Statement{SQL: m[name]})
		}
	}
	return out
}

// tableIndexes returns the CREATE INDEX statements CreateTableDDL makes for
// obj, by quoted index name, and the names in order. Going through
// CreateTableDDL keeps this in step with whatever indexes tables get.
func tableIndexes(prefix string, obj *domain.Object) (map[string]string, []string) {
	m := map[string]string{}
	var order []string
	for _, ddl := range CreateTableDDL(prefix, obj) {
		name := indexName(ddl)
		if name == "" {
			continue
		}
		if _, dup := m[name]; !dup {
			order = append(order, name)
		}
		m[name] = ddl
	}
	return m, order
}
