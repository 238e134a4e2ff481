package query

import (
	"fmt"
	"strings"

	"edgecrm/domain"
)

// IndexDDL returns the CREATE INDEX statements the compiled queries rely on;
// the projector runs them after creating obj's table:
//
//   - (position, id): the default order — a page of live rows walks it with
//     no sort (the soft-delete term, +"deletedAt" IS NULL, never picks an
//     index: it matches nearly every row);
//   - (deletedAt) of the deleted rows: queries that mention deletedAt (the
//     trash, restore);
//   - (<relation>Id, position, id) per MANY_TO_ONE relation, of the rows
//     that have one: a lookup by relation id (companyId eq/in), already in
//     the default order;
//   - (<column>) for unique fields (a composite's primary column), for
//     equality lookups such as duplicate checks;
//   - (<select>, position, id, deletedAt) per SELECT field: a board's
//     column (Twenty groups a board by a select field and orders it by
//     position) walks it with no sort, and its count reads the index alone
//     (deletedAt is there so the soft-delete term needs no row);
//   - sort indexes for the standard objects' usual numeric orders (sortDDL).
//
// The deletedAt and relation indexes are partial (WHERE <column> IS NOT
// NULL): most rows are live, and most relation columns of a row are NULL (a
// timeline activity targets one of six objects), so a full index would
// hold, and every insert would write, entries no query reads. SQLite uses
// them for any comparison or IN on the column, which implies NOT NULL; an
// IS NULL filter reads the table instead. Columns the object lacks (an
// object without position) are left out.
func IndexDDL(obj *domain.Object, table string) []string {
	has := func(name string) bool { return obj.Field(name) != nil }
	var out []string
	idx := func(name, where string, cols ...string) {
		var use []string
		for _, c := range cols {
			if c == "id" || has(c) || isJoinColumn(obj, c) {
				use = append(use, quote(c))
			}
		}
		out = append(out, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)%s",
			quote(table+"__by_"+name), quote(table), strings.Join(use, ", "), where))
	}
	if has("position") {
		idx("position", "", "position", "id")
	}
	if has("deletedAt") {
		idx("deletedAt", ` WHERE "deletedAt" IS NOT NULL`, "deletedAt")
	}
	for _, f := range obj.Fields {
		if f.Type == domain.TypeRelation && f.Relation != nil && f.Relation.Type == domain.ManyToOne {
			idx(f.JoinColumn(), " WHERE "+quote(f.JoinColumn())+" IS NOT NULL", f.JoinColumn(), "position", "id")
		}
	}
	for _, f := range obj.Fields {
		if f.Type == domain.TypeSelect {
			name := "sel_" + f.Name
			out = append(out, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)",
				quote(table+"__"+name), quote(table), strings.Join(present(obj, f.Name, "position", "id", "deletedAt"), ", ")))
		}
	}
	out = append(out, sortDDL(obj, table)...)
	for _, key := range obj.UniqueKeys() {
		out = append(out, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)",
			quote(table+"__by_"+key.Name), quote(table), quote(key.Name)))
	}
	// Custom indexes (createOneIndex), named by their id: the name stays
	// when a field is renamed, the definition (and so the index) changes.
	for _, idx := range obj.Indexes {
		cols := make([]string, len(idx.Fields))
		for i, f := range idx.Fields {
			cols[i] = quote(f.Column(obj))
		}
		out = append(out, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)",
			quote(table+"__custom_"+idx.Name), quote(table), strings.Join(cols, ", ")))
	}
	return out
}

// indexLeads is the set of columns leading an index of obj's table: id
// (the primary key) and the first column of each of IndexDDL's indexes
// (TestIndexLeadsFollowIndexDDL holds the two together).
func indexLeads(obj *domain.Object) map[string]bool {
	leads := map[string]bool{"id": true}
	for _, name := range []string{"position", "deletedAt"} {
		if obj.Field(name) != nil {
			leads[name] = true
		}
	}
	for _, f := range obj.Fields {
		switch {
		case f.Type == domain.TypeRelation && f.Relation != nil && f.Relation.Type == domain.ManyToOne:
			leads[f.JoinColumn()] = true
		case f.Type == domain.TypeSelect:
			leads[f.Name] = true
		}
	}
	if !obj.IsCustom {
		for _, cols := range standardSorts[obj.NameSingular] {
			if len(present(obj, append(cols, "id", "deletedAt")...)) == len(cols)+2 {
				leads[cols[0]] = true
			}
		}
	}
	for _, key := range obj.UniqueKeys() {
		leads[key.Name] = true
	}
	for _, idx := range obj.Indexes {
		if len(idx.Fields) > 0 {
			leads[idx.Fields[0].Column(obj)] = true
		}
	}
	return leads
}

func isJoinColumn(obj *domain.Object, name string) bool {
	for _, f := range obj.Fields {
		if f.Type == domain.TypeRelation && f.Relation != nil && f.Relation.Type == domain.ManyToOne && f.JoinColumn() == name {
			return true
		}
	}
	return false
}

// standardSorts are indexes for orders and ranges Twenty's standard
// objects are usually read in, each ending in id and deletedAt: the page
// walks the index with no sort, and a count or the soft-delete term reads
// no row. PostgreSQL's Twenty schema has IDX_opportunity_stage; here the
// stage index also carries the amount (a pipeline stage by amount).
var standardSorts = map[string][][]string{
	"opportunity": {{"stage", "amountAmountMicros"}, {"amountAmountMicros"}},
	"company":     {{"employees"}},
}

// sortDDL creates standardSorts' indexes of a standard object that has all
// their columns.
func sortDDL(obj *domain.Object, table string) []string {
	if obj.IsCustom {
		return nil
	}
	var out []string
	for _, cols := range standardSorts[obj.NameSingular] {
		use := present(obj, append(cols, "id", "deletedAt")...)
		if len(use) != len(cols)+2 {
			continue
		}
		out = append(out, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)",
			quote(table+"__sort_"+strings.Join(cols, "_")), quote(table), strings.Join(use, ", ")))
	}
	return out
}

// present quotes the columns of cols that obj's table has (id always).
func present(obj *domain.Object, cols ...string) []string {
	have := map[string]bool{"id": true}
	for _, c := range obj.Columns() {
		have[c.Name] = true
	}
	var out []string
	for _, c := range cols {
		if have[c] {
			out = append(out, quote(c))
		}
	}
	return out
}
