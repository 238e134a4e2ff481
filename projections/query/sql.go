package query

import (
	"encoding/json"
	"fmt"
	"strings"

	"edgecrm/domain"
)

// The SQL back end of the filter tree.

// MaxParams is the most bound parameters one statement may carry: Durable
// Object storage and D1 both refuse more than 100. Every statement this
// package emits stays within it or the request is refused with a 400.
const MaxParams = 100

// LiveRule is the soft-delete rule's SQL: what Where compiles a filter
// that constrains nothing else to.
const LiveRule = `+"deletedAt" IS NULL`

// WhereReserve is how many parameters Where leaves to its caller's own
// statement (search adds 5 around it).
const WhereReserve = 10

// sqlWhere compiles tree (from parseFilter on obj) into a condition over
// table.
func sqlWhere(n *fnode, obj *domain.Object, table string) (frag, error) {
	return (&compiler{obj: obj, table: table}).sql(n)
}

func (c *compiler) sql(n *fnode) (frag, error) {
	if n == nil {
		return frag{}, nil
	}
	switch n.op {
	case opAnd, opOr:
		parts := make([]frag, len(n.kids))
		for i, k := range n.kids {
			f, err := c.sql(k)
			if err != nil {
				return frag{}, err
			}
			parts[i] = f
		}
		if n.op == opOr {
			return join(parts, "OR"), nil
		}
		return andAll(parts), nil
	case opNot:
		f, err := c.sql(n.kids[0])
		if err != nil {
			return frag{}, err
		}
		return frag{sql: "NOT (" + f.sql + ")", args: f.args}, nil
	case opLive:
		// Unary + keeps this term from choosing an index: it matches almost
		// every row, and without ANALYZE statistics SQLite would otherwise
		// prefer a deletedAt index over the filter's own or the order's.
		return frag{sql: LiveRule}, nil
	case opRel:
		return c.relation(n.rel)
	}
	return c.cond(n.cond)
}

// relation compiles `company: {...}` into "companyId" IN (SELECT "id" FROM
// <company table> WHERE ...). The target's table is the caller's table name
// with this object's name replaced by the target's (the DO names tables
// after objects, D1 prefixes them per workspace).
func (c *compiler) relation(r *relFilter) (frag, error) {
	if !strings.HasSuffix(c.table, r.owner.NameSingular) {
		return frag{}, errorf(r.key, "cannot filter on relation %q: table %q is not named <prefix>%s", r.key, c.table, r.owner.NameSingular)
	}
	ttable := strings.TrimSuffix(c.table, r.owner.NameSingular) + r.target.NameSingular
	w, err := sqlWhere(r.where, r.target, ttable)
	if err != nil {
		return frag{}, err
	}
	q := fmt.Sprintf("%s IN (SELECT \"id\" FROM %s", quote(r.join), quote(ttable))
	if w.sql != "" {
		q += " WHERE " + w.sql
	}
	return frag{sql: q + ")", args: w.args}, nil
}

var sqlOps = map[string]string{"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}

func (c *compiler) cond(d *cond) (frag, error) {
	q := quote(d.col.Name)
	switch d.op {
	case "is":
		switch {
		case d.k == kText:
			if d.flag {
				return frag{sql: fmt.Sprintf("(%s IS NULL OR %s = '')", q, q)}, nil
			}
			return frag{sql: fmt.Sprintf("(%s IS NOT NULL AND %s <> '')", q, q)}, nil
		case jsonArrayColumn(d.col):
			if d.flag {
				return frag{sql: fmt.Sprintf("(%s IS NULL OR json_array_length(%s) = 0)", q, q)}, nil
			}
			return frag{sql: fmt.Sprintf("(%s IS NOT NULL AND json_array_length(%s) > 0)", q, q)}, nil
		}
		if d.flag {
			return frag{sql: q + " IS NULL"}, nil
		}
		return frag{sql: q + " IS NOT NULL"}, nil
	case "isEmptyArray":
		if d.flag {
			return frag{sql: fmt.Sprintf("(%s IS NULL OR json_array_length(%s) = 0)", q, q)}, nil
		}
		return frag{sql: fmt.Sprintf("json_array_length(%s) > 0", q)}, nil
	case "like":
		return frag{sql: q + " GLOB ?", args: []any{likeToGlob(d.text)}}, nil
	case "ilike":
		return frag{sql: q + ` LIKE ? ESCAPE '\'`, args: []any{d.text}}, nil
	case "startsWith":
		return frag{sql: q + " GLOB ?", args: []any{globEscape(d.text) + "*"}}, nil
	case "endsWith":
		return frag{sql: q + " GLOB ?", args: []any{"*" + globEscape(d.text)}}, nil
	case "containsIlike":
		return frag{sql: fmt.Sprintf(`EXISTS (SELECT 1 FROM json_each(%s) AS "je" WHERE "je"."value" LIKE ? ESCAPE '\')`, c.qualified(d)), args: []any{d.text}}, nil
	case "in", "containsAny":
		if len(d.list) == 0 {
			return frag{sql: "0"}, nil
		}
		// The list is one JSON parameter, however long (the platform
		// allows 100 parameters per statement).
		list, err := json.Marshal(d.list)
		if err != nil {
			return frag{}, errorf(d.name, "invalid value for %s.%s: %v", d.name, d.op, err)
		}
		in := `IN (SELECT "value" FROM json_each(?))`
		if d.op == "containsAny" {
			return frag{sql: fmt.Sprintf(`EXISTS (SELECT 1 FROM json_each(%s) AS "je" WHERE "je"."value" %s)`, c.qualified(d), in), args: []any{string(list)}}, nil
		}
		return frag{sql: q + " " + in, args: []any{string(list)}}, nil
	}
	if d.emptyTextEq() {
		return frag{sql: fmt.Sprintf("(%s = ? OR %s IS NULL)", q, q), args: []any{d.val}}, nil
	}
	return frag{sql: fmt.Sprintf("%s %s ?", q, sqlOps[d.op]), args: []any{d.val}}, nil
}

func (c *compiler) qualified(d *cond) string { return quote(c.table) + "." + quote(d.col.Name) }

// checkParams refuses a statement that would carry more than max bound
// parameters (what is the argument or clause to blame: "filter", "orderBy").
func checkParams(what string, args []any, max int) error {
	if len(args) <= max {
		return nil
	}
	return errorf(what, "the query needs %d bound parameters, more than the %d it may use (Durable Object storage and D1 take at most %d per statement): use fewer filter conditions (an in list counts as one) or fewer orderBy fields with a cursor", len(args), max, MaxParams)
}
