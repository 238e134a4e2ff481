package query

import (
	"fmt"
	"strings"

	"edgecrm/domain"
)

// Direction is Twenty's OrderByDirection.
type Direction string

const (
	AscNullsFirst  Direction = "AscNullsFirst"
	AscNullsLast   Direction = "AscNullsLast"
	DescNullsFirst Direction = "DescNullsFirst"
	DescNullsLast  Direction = "DescNullsLast"
)

func parseDirection(v any) (Direction, bool) {
	s, _ := v.(string)
	switch d := Direction(s); d {
	case AscNullsFirst, AscNullsLast, DescNullsFirst, DescNullsLast:
		return d, true
	}
	return "", false
}

// orderTerm is one column of the total order.
type orderTerm struct {
	col        string
	typ        domain.SQLType
	desc       bool
	nullsFirst bool
	notNull    bool // id: never NULL, so no NULL cases in keyset conditions
}

// orderTerms resolves orderBy into columns, drops repeated columns, and
// appends id (AscNullsFirst) so the order is total. With no orderBy the
// order is position AscNullsFirst, id.
func (c *compiler) orderTerms(orderBy []map[string]any) ([]orderTerm, error) {
	var terms []orderTerm
	seen := map[string]bool{}
	add := func(col domain.Column, d Direction) {
		if seen[col.Name] {
			return
		}
		seen[col.Name] = true
		terms = append(terms, orderTerm{
			col:        col.Name,
			typ:        col.SQLType(),
			desc:       d == DescNullsFirst || d == DescNullsLast,
			nullsFirst: d == AscNullsFirst || d == DescNullsFirst,
			notNull:    col.Name == "id",
		})
	}
	badDir := func(name string, v any) error {
		return errorf(name, "invalid orderBy direction %s for %q: expected AscNullsFirst, AscNullsLast, DescNullsFirst or DescNullsLast", describe(v), name)
	}
	for _, item := range orderBy {
		if len(item) == 0 {
			continue
		}
		if len(item) > 1 {
			return nil, errorf("orderBy", "each orderBy item must name exactly one field (got %d); list several items to order by several fields", len(item))
		}
		for key, v := range item {
			f, jc := c.lookup(key)
			if f == nil {
				return nil, errorf(key, "unknown field %q on object %s", key, c.obj.NameSingular)
			}
			switch {
			case jc != nil:
				d, ok := parseDirection(v)
				if !ok {
					return nil, badDir(key, v)
				}
				add(*jc, d)
			case f.Type == domain.TypeRelation:
				if f.Relation != nil && f.Relation.Type == domain.ManyToOne {
					return nil, errorf(key, "cannot order by relation %q of object %s; order by %q", key, c.obj.NameSingular, f.JoinColumn())
				}
				return nil, errorf(key, "cannot order by one-to-many relation %q of object %s", key, c.obj.NameSingular)
			case domain.IsComposite(f.Type):
				// Several subfields in one item ({name: {firstName: d,
				// lastName: d}}, as Twenty's frontend sends) are taken in
				// the composite's declared order: JSON key order is lost.
				sub, ok := v.(map[string]any)
				if !ok || len(sub) == 0 {
					return nil, errorf(key, "order by composite field %q (%s) names its subfields, e.g. {%q: {%q: AscNullsFirst}}",
						key, f.Type, key, domain.Subfields(f.Type)[0].Name)
				}
				for sk := range sub {
					if subColumn(f, sk) == nil {
						return nil, errorf(key+"."+sk, "unknown subfield %q of field %q (%s) on object %s", sk, key, f.Type, c.obj.NameSingular)
					}
				}
				for _, col := range f.Columns() {
					sv, ok := sub[col.Subfield]
					if !ok {
						continue
					}
					d, ok := parseDirection(sv)
					if !ok {
						return nil, badDir(key+"."+col.Subfield, sv)
					}
					add(col, d)
				}
			default:
				d, ok := parseDirection(v)
				if !ok {
					return nil, badDir(key, v)
				}
				add(f.Columns()[0], d)
			}
		}
	}
	if len(terms) == 0 {
		if f := c.obj.Field("position"); f != nil {
			add(f.Columns()[0], AscNullsFirst)
		}
	}
	if !seen["id"] {
		add(domain.Column{Name: "id", Type: domain.TypeUUID}, AscNullsFirst)
	}
	return terms, nil
}

func reverseTerms(ts []orderTerm) []orderTerm {
	out := make([]orderTerm, len(ts))
	for i, t := range ts {
		out[i] = orderTerm{col: t.col, typ: t.typ, desc: !t.desc, nullsFirst: !t.nullsFirst, notNull: t.notNull}
	}
	return out
}

// orderClause writes the ORDER BY list. SQLite puts NULLs first for ASC and
// last for DESC; only the other placements are spelled out, so that the
// default ones can walk an index without a sort.
func orderClause(ts []orderTerm) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		s := quote(t.col)
		switch {
		case !t.desc && t.nullsFirst:
			s += " ASC"
		case !t.desc:
			s += " ASC NULLS LAST"
		case !t.nullsFirst:
			s += " DESC"
		default:
			s += " DESC NULLS FIRST"
		}
		parts[i] = s
	}
	return strings.Join(parts, ", ")
}

// keysetAfter returns the conditions selecting the rows strictly after the
// row whose order values are vals, in the order ts: for some i, the first i
// columns equal the row's and column i comes after it, with NULL placed
// first or last as the term says. A redundant bound on the first column is
// added when it is a plain range, so an index on it can seek. When there
// are several branches, the column each branch compares carries a unary +:
// the branches filter the rows the bound or the order's index walk
// yields, and SQLite would otherwise answer the OR with one index search
// per branch, merged and sorted (a MULTI-INDEX OR: the page after a cursor
// in employees DESC order took 55 ms instead of 1 on 20,000 companies with
// an index on employees). unindexed puts the + on every column: the rows
// come from another index (the trash's deleted ones), which a bound on the
// order's first column would otherwise win over.
func keysetAfter(ts []orderTerm, vals []any, unindexed bool) []frag {
	col := func(c string) string {
		if unindexed {
			return "+" + quote(c)
		}
		return quote(c)
	}
	var out []frag
	first, v0 := ts[0], vals[0]
	q0 := col(first.col)
	switch {
	case v0 == nil && !first.nullsFirst:
		out = append(out, frag{sql: q0 + " IS NULL"})
	case v0 != nil && first.nullsFirst && !first.desc:
		out = append(out, frag{sql: q0 + " >= ?", args: []any{v0}})
	case v0 != nil && first.nullsFirst && first.desc:
		out = append(out, frag{sql: q0 + " <= ?", args: []any{v0}})
	}
	branches := 0
	for i, t := range ts {
		if vals[i] != nil || t.nullsFirst {
			branches++
		}
	}
	var ors []frag
	for i, t := range ts {
		var parts []frag
		for j := 0; j < i; j++ {
			qj := col(ts[j].col)
			if vals[j] == nil {
				parts = append(parts, frag{sql: qj + " IS NULL"})
			} else {
				parts = append(parts, frag{sql: qj + " = ?", args: []any{vals[j]}})
			}
		}
		q := quote(t.col)
		if branches > 1 || unindexed {
			q = "+" + q
		}
		var next frag
		switch {
		case vals[i] == nil && t.nullsFirst:
			next = frag{sql: q + " IS NOT NULL"}
		case vals[i] == nil:
			continue // nothing sorts after NULL when NULLs are last
		default:
			cmp := ">"
			if t.desc {
				cmp = "<"
			}
			next = frag{sql: fmt.Sprintf("%s %s ?", q, cmp), args: []any{vals[i]}}
			if !t.nullsFirst && !t.notNull {
				next = frag{sql: fmt.Sprintf("(%s %s ? OR %s IS NULL)", q, cmp, q), args: []any{vals[i]}}
			}
		}
		ors = append(ors, andAll(append(parts, next)))
	}
	if len(ors) == 0 {
		return append(out, frag{sql: "0"})
	}
	return append(out, join(ors, "OR"))
}
