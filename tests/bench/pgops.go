package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"

	"github.com/jackc/pgx/v5"
)

// A cmpOp is one CRM operation done both ways: a GraphQL request to
// edgecrm and the statements Twenty's ORM sends to PostgreSQL for it
// (TypeORM through Twenty's query runner: the records query with
// "deletedAt" IS NULL, its ORDER BY ending in id and LIMIT first+1; one
// COUNT query when totalCount is asked; one query per nested relation with
// the parents' ids IN (...); for search one query per searchable object).
type cmpOp struct {
	kind, name string
	gql        string
	vars       func(i int) map[string]any // same values for both sides
	pg         func(p *pgRun, v map[string]any) error
	noCompare  string // why the two answers are not compared (empty: compared)
}

// pgRun runs one operation's statements on one connection and collects
// what the answer holds (ids, counts) to compare with edgecrm's.
type pgRun struct {
	ctx   context.Context
	c     *pgx.Conn
	got   []string
	stmts int
}

// q runs one statement; collect > 0 keeps the ids (column "id") and counts
// (column "totalCount") of at most that many rows.
func (p *pgRun) q(collect int, sql string, args ...any) ([][]any, error) {
	p.stmts++
	rows, err := p.c.Query(p.ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]any
	fields := rows.FieldDescriptions()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		if len(out) < collect {
			for i, f := range fields {
				switch f.Name {
				case "id":
					p.got = append(p.got, pgString(vals[i]))
				case "totalCount":
					p.got = append(p.got, fmt.Sprintf("count:%v", vals[i]))
				}
			}
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

func pgString(v any) string {
	if b, ok := v.([16]byte); ok {
		return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	}
	return fmt.Sprint(v)
}

// column returns column i of rows as strings, without repeats.
func column(rows [][]any, i int) []any {
	seen := map[string]bool{}
	var out []any
	for _, r := range rows {
		if r[i] == nil {
			continue
		}
		s := pgString(r[i])
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// in returns "($start, …, $start+n-1)", TypeORM's expansion of IN (:...ids).
func in(start, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", start+i)
	}
	return "(" + strings.Join(ps, ", ") + ")"
}

// Selected fields on both sides.
const (
	companyGQL = `id name employees domainName { primaryLinkUrl }`
	companySQL = `"id", "name", "employees", "domainNamePrimaryLinkUrl"`
	personGQL  = `id name { firstName lastName } emails { primaryEmail } city jobTitle companyId`
	personSQL  = `"id", "nameFirstName", "nameLastName", "emailsPrimaryEmail", "city", "jobTitle", "companyId"`
	oppGQL     = `id name stage amount { amountMicros currencyCode } closeDate companyId pointOfContactId`
	oppSQL     = `"id", "name", "stage", "amountAmountMicros", "amountCurrencyCode", "closeDate", "companyId", "pointOfContactId"`
	noteGQL    = `id title`
	noteSQL    = `"id", "title"`
	taskGQL    = `id title status dueAt`
	taskSQL    = `"id", "title", "status", "dueAt"`
	live       = `"deletedAt" IS NULL`
	byPosition = `ORDER BY "position" ASC NULLS FIRST, "id" ASC NULLS FIRST`
	pageSize   = 60
)

// edgecrmCursor is a cursor as edgecrm (and Twenty) encodes it: base64 of
// the row's order-column values.
func edgecrmCursor(vals map[string]any) string {
	b, _ := json.Marshal(vals)
	return base64.StdEncoding.EncodeToString(b)
}

// searchTerms is Twenty's formatSearchTerms: each word a prefix, joined by
// & (and) or | (or).
func searchTerms(input, op string) string {
	var ts []string
	for _, w := range strings.Fields(input) {
		ts = append(ts, w+":*")
	}
	return strings.Join(ts, " "+op+" ")
}

// Searchable objects in the PostgreSQL schema and their label columns.
var pgSearchObjects = []struct{ table, cols string }{
	{"company", `"id", "name", "domainNamePrimaryLinkUrl"`},
	{"person", `"id", "nameFirstName", "nameLastName", "avatarUrl"`},
	{"opportunity", `"id", "name"`},
	{"note", `"id", "title"`},
	{"task", `"id", "title"`},
	{"workspaceMember", `"id", "nameFirstName", "nameLastName", "avatarUrl"`},
}

// adder registers an operation with its variables' generator.
type adder func(o cmpOp, vars func(r *rand.Rand, i int) map[string]any)

func pick(r *rand.Rand, recs []map[string]any) map[string]any { return recs[r.Intn(len(recs))] }

// choose draws variable name (and the statement's one argument) from list.
func choose(name string, list []string) func(r *rand.Rand) (map[string]any, []any) {
	return func(r *rand.Rand) (map[string]any, []any) {
		v := list[r.Intn(len(list))]
		return map[string]any{name: v}, []any{v}
	}
}

// chooseID draws variable name as the id of one of recs.
func chooseID(name string, recs []map[string]any) func(r *rand.Rand) (map[string]any, []any) {
	return func(r *rand.Rand) (map[string]any, []any) {
		v := pick(r, recs)["id"]
		return map[string]any{name: v}, []any{v}
	}
}

// compareOps builds the operations on the loaded dataset.
func compareOps(d *loaded) []cmpOp {
	var ops []cmpOp
	seed := int64(100)
	var add adder = func(o cmpOp, vars func(r *rand.Rand, i int) map[string]any) {
		seed++
		r := rand.New(rand.NewSource(seed))
		o.vars = func(i int) map[string]any { return vars(r, i) }
		ops = append(ops, o)
	}
	// Reads of one record by id or by a unique key.
	findBy := func(name, object, gqlFields, sqlCols string, recs []map[string]any, varType, gqlFilter, col string, value func(map[string]any) any) {
		add(cmpOp{kind: "read by id", name: name,
			gql: fmt.Sprintf(`query($v: %s) { %s(filter: %s) { %s } }`, varType, object, gqlFilter, gqlFields),
			pg: func(p *pgRun, v map[string]any) error {
				_, err := p.q(1, fmt.Sprintf(`SELECT %s FROM %q WHERE %q = $1 AND %s`, sqlCols, object, col, live), v["v"])
				return err
			}}, func(r *rand.Rand, i int) map[string]any { return map[string]any{"v": value(pick(r, recs))} })
	}
	id, byID := func(rec map[string]any) any { return rec["id"] }, `{ id: { eq: $v } }`
	findBy("company by id", "company", companyGQL, companySQL, d.companies, "UUID!", byID, "id", id)
	findBy("person by id", "person", personGQL, personSQL, d.people, "UUID!", byID, "id", id)
	findBy("opportunity by id", "opportunity", oppGQL, oppSQL, d.opportunities, "UUID!", byID, "id", id)
	findBy("note by id", "note", noteGQL, noteSQL, d.notes, "UUID!", byID, "id", id)
	findBy("task by id", "task", taskGQL, taskSQL, d.tasks, "UUID!", byID, "id", id)
	findBy("person by primary email (unique index)", "person", personGQL, personSQL, d.people, "String",
		`{ emails: { primaryEmail: { eq: $v } } }`, "emailsPrimaryEmail", func(rec map[string]any) any { return sub(rec, "emails", "primaryEmail") })
	findBy("company by domain (unique index)", "company", companyGQL, companySQL, d.companies, "String",
		`{ domainName: { primaryLinkUrl: { eq: $v } } }`, "domainNamePrimaryLinkUrl", func(rec map[string]any) any { return sub(rec, "domainName", "primaryLinkUrl") })

	// Filtered, sorted first pages: GraphQL filter and orderBy, and the
	// WHERE / ORDER BY Twenty compiles them to.
	page := func(name, plural, table, gqlFields, sqlCols, gqlArgs, where, order string, vars func(r *rand.Rand) (map[string]any, []any)) {
		add(cmpOp{kind: "first page", name: name,
			gql: fmt.Sprintf(`query%s { %s(%s, first: %d) { edges { node { %s } } } }`, gqlParams(gqlArgs), plural, gqlArgs, pageSize, gqlFields),
			pg: func(p *pgRun, v map[string]any) error {
				_, err := p.q(pageSize, fmt.Sprintf(`SELECT %s FROM %q WHERE (%s) AND %s %s LIMIT %d`, sqlCols, table, where, live, order, pageSize+1), v["_sql"].([]any)...)
				return err
			}}, func(r *rand.Rand, i int) map[string]any {
			v, args := vars(r)
			v["_sql"] = args
			return v
		})
	}
	page("companies, default order", "companies", "company", companyGQL, companySQL,
		`orderBy: [{ position: AscNullsFirst }]`, `TRUE`, byPosition,
		func(r *rand.Rand) (map[string]any, []any) { return map[string]any{}, nil })
	page("people of a company, by position", "people", "person", personGQL, personSQL,
		`filter: { companyId: { eq: $c } }, orderBy: [{ position: AscNullsFirst }]`, `"companyId" = $1`, byPosition,
		chooseID("c", d.companies))
	page("people in a city, by last name (no index on city)", "people", "person", personGQL, personSQL,
		`filter: { city: { eq: $city } }, orderBy: [{ name: { lastName: AscNullsLast } }]`, `"city" = $1`,
		`ORDER BY "nameLastName" ASC NULLS LAST, "id" ASC NULLS FIRST`,
		choose("city", cities))
	page("people with a job title, by first name", "people", "person", personGQL, personSQL,
		`filter: { jobTitle: { eq: $j } }, orderBy: [{ name: { firstName: AscNullsFirst } }]`, `"jobTitle" = $1`,
		`ORDER BY "nameFirstName" ASC NULLS FIRST, "id" ASC NULLS FIRST`,
		choose("j", jobs))
	page("people by last name and city (and)", "people", "person", personGQL, personSQL,
		`filter: { and: [{ name: { lastName: { eq: $l } } }, { city: { eq: $city } }] }, orderBy: [{ position: AscNullsFirst }]`,
		`"nameLastName" = $1 AND "city" = $2`, byPosition,
		func(r *rand.Rand) (map[string]any, []any) {
			l, c := lastNames[r.Intn(len(lastNames))], cities[r.Intn(len(cities))]
			return map[string]any{"l": l, "city": c}, []any{l, c}
		})
	page("people in one of two cities (or), by first name", "people", "person", personGQL, personSQL,
		`filter: { or: [{ city: { eq: $a } }, { city: { eq: $b } }] }, orderBy: [{ name: { firstName: DescNullsLast } }]`,
		`"city" = $1 OR "city" = $2`, `ORDER BY "nameFirstName" DESC NULLS LAST, "id" ASC NULLS FIRST`,
		func(r *rand.Rand) (map[string]any, []any) {
			a, b := cities[r.Intn(len(cities))], cities[r.Intn(len(cities))]
			return map[string]any{"a": a, "b": b}, []any{a, b}
		})
	page("opportunities in a stage, by amount desc", "opportunities", "opportunity", oppGQL, oppSQL,
		`filter: { stage: { eq: $stage } }, orderBy: [{ amount: { amountMicros: DescNullsLast } }]`, `"stage" = $1`,
		`ORDER BY "amountAmountMicros" DESC NULLS LAST, "id" ASC NULLS FIRST`,
		choose("stage", stages))
	page("opportunities of a company, by position", "opportunities", "opportunity", oppGQL, oppSQL,
		`filter: { companyId: { eq: $c } }, orderBy: [{ position: AscNullsFirst }]`, `"companyId" = $1`, byPosition,
		chooseID("c", d.companies))
	page("opportunities above an amount, by position", "opportunities", "opportunity", oppGQL, oppSQL,
		`filter: { amount: { amountMicros: { gte: $m } } }, orderBy: [{ position: AscNullsFirst }]`, `"amountAmountMicros" >= $1`, byPosition,
		func(r *rand.Rand) (map[string]any, []any) {
			m := int64(900_000+r.Intn(90_000)) * 1_000_000
			return map[string]any{"m": m}, []any{m}
		})
	page("tasks with a status, by position", "tasks", "task", taskGQL, taskSQL,
		`filter: { status: { eq: $status } }, orderBy: [{ position: AscNullsFirst }]`, `"status" = $1`, byPosition,
		choose("status", statuses))
	page("notes whose title contains a word (ilike)", "notes", "note", noteGQL, noteSQL,
		`filter: { title: { ilike: $t } }, orderBy: [{ position: AscNullsFirst }]`, `"title" ILIKE $1`, byPosition,
		func(r *rand.Rand) (map[string]any, []any) {
			t := "%" + strings.ToLower(words[r.Intn(len(words))]) + "%"
			return map[string]any{"t": t}, []any{t}
		})
	page("companies above a head count, by employees desc", "companies", "company", companyGQL, companySQL,
		`filter: { employees: { gt: $e } }, orderBy: [{ employees: DescNullsLast }]`, `"employees" > $1`,
		`ORDER BY "employees" DESC NULLS LAST, "id" ASC NULLS FIRST`,
		func(r *rand.Rand) (map[string]any, []any) {
			e := float64(5000 + r.Intn(4000))
			return map[string]any{"e": e}, []any{e}
		})
	// One match on a column no index holds, in an indexed ascending order
	// (the id after it runs the same way): SQLite would walk the order's
	// index through nearly every row (a page's walk is bounded:
	// projections/query/walk.go); PostgreSQL scans.
	page("opportunities with one name, by amount (no index on name)", "opportunities", "opportunity", oppGQL, oppSQL,
		`filter: { name: { eq: $n } }, orderBy: [{ amount: { amountMicros: AscNullsFirst } }]`, `"name" = $1`,
		`ORDER BY "amountAmountMicros" ASC NULLS FIRST, "id" ASC NULLS FIRST`,
		func(r *rand.Rand) (map[string]any, []any) {
			n := pick(r, d.opportunities)["name"].(string)
			return map[string]any{"n": n}, []any{n}
		})
	page("companies with one name, by employees (no index on name)", "companies", "company", companyGQL, companySQL,
		`filter: { name: { eq: $n } }, orderBy: [{ employees: AscNullsFirst }]`, `"name" = $1`,
		`ORDER BY "employees" ASC NULLS FIRST, "id" ASC NULLS FIRST`,
		func(r *rand.Rand) (map[string]any, []any) {
			n := pick(r, d.companies)["name"].(string)
			return map[string]any{"n": n}, []any{n}
		})
	page("companies whose name starts with a word, by name", "companies", "company", companyGQL, companySQL,
		`filter: { name: { ilike: $n } }, orderBy: [{ name: AscNullsFirst }]`, `"name" ILIKE $1`,
		`ORDER BY "name" ASC NULLS FIRST, "id" ASC NULLS FIRST`,
		func(r *rand.Rand) (map[string]any, []any) {
			n := words[r.Intn(len(words))] + "%"
			return map[string]any{"n": n}, []any{n}
		})

	// Later pages through a cursor: the page after a record in the middle
	// of the result (Twenty's keyset: (sort > v) OR (sort = v AND id > id)).
	cursorPage := func(name, plural, table, gqlFields, sqlCols, gqlArgs, where, order, sortCol, op string, recs []map[string]any, match func(r *rand.Rand) (func(map[string]any) bool, map[string]any, []any), sortVal func(map[string]any) any) {
		add(cmpOp{kind: "cursor page", name: name,
			gql: fmt.Sprintf(`query%s { %s(%s, first: %d, after: $after) { edges { node { %s } } } }`, gqlParams(gqlArgs+" $after"), plural, gqlArgs, pageSize, gqlFields),
			pg: func(p *pgRun, v map[string]any) error {
				args := v["_sql"].([]any)
				n := len(args)
				keyset := fmt.Sprintf(`(%q %s $%d OR (%q = $%d AND "id" > $%d))`, sortCol, op, n+1, sortCol, n+1, n+2)
				_, err := p.q(pageSize, fmt.Sprintf(`SELECT %s FROM %q WHERE (%s) AND %s AND %s %s LIMIT %d`, sqlCols, table, where, keyset, live, order, pageSize+1),
					append(args, v["_sort"], v["_id"])...)
				return err
			}}, func(r *rand.Rand, i int) map[string]any {
			ok, v, args := match(r)
			var anchor map[string]any
			for anchor == nil || !ok(anchor) {
				anchor = pick(r, recs)
			}
			v["after"] = edgecrmCursor(map[string]any{sortCol: sortVal(anchor), "id": anchor["id"]})
			v["_sql"], v["_sort"], v["_id"] = args, sortVal(anchor), anchor["id"]
			return v
		})
	}
	all := func(r *rand.Rand) (func(map[string]any) bool, map[string]any, []any) {
		return func(map[string]any) bool { return true }, map[string]any{}, nil
	}
	position := func(rec map[string]any) any { return rec["position"] }
	// matchOne draws a value of field from list: the filter variable and
	// the anchor record's condition.
	matchOne := func(field string, list []string) func(r *rand.Rand) (func(map[string]any) bool, map[string]any, []any) {
		return func(r *rand.Rand) (func(map[string]any) bool, map[string]any, []any) {
			v := list[r.Intn(len(list))]
			return func(rec map[string]any) bool { return rec[field] == v }, map[string]any{field: v}, []any{v}
		}
	}
	cursorPage("companies by position, a later page", "companies", "company", companyGQL, companySQL,
		`orderBy: [{ position: AscNullsFirst }]`, `TRUE`, byPosition, "position", ">", d.companies, all, position)
	cursorPage("people by position, a later page", "people", "person", personGQL, personSQL,
		`orderBy: [{ position: AscNullsFirst }]`, `TRUE`, byPosition, "position", ">", d.people, all, position)
	cursorPage("people in a city by last name, a later page", "people", "person", personGQL, personSQL,
		`filter: { city: { eq: $city } }, orderBy: [{ name: { lastName: AscNullsLast } }]`, `"city" = $1`,
		`ORDER BY "nameLastName" ASC NULLS LAST, "id" ASC NULLS FIRST`, "nameLastName", ">", d.people,
		matchOne("city", cities), func(p map[string]any) any { return sub(p, "name", "lastName") })
	cursorPage("opportunities in a stage by amount desc, a later page", "opportunities", "opportunity", oppGQL, oppSQL,
		`filter: { stage: { eq: $stage } }, orderBy: [{ amount: { amountMicros: DescNullsLast } }]`, `"stage" = $1`,
		`ORDER BY "amountAmountMicros" DESC NULLS LAST, "id" ASC NULLS FIRST`, "amountAmountMicros", "<", d.opportunities,
		matchOne("stage", stages), func(o map[string]any) any { return sub(o, "amount", "amountMicros") })
	cursorPage("tasks with a status by position, a later page", "tasks", "task", taskGQL, taskSQL,
		`filter: { status: { eq: $status } }, orderBy: [{ position: AscNullsFirst }]`, `"status" = $1`, byPosition, "position", ">", d.tasks,
		matchOne("status", statuses), position)

	nestedOps(d, add)
	searchOps(add)
	aggregateOps(d, add)
	writeOps(d, add)
	return ops
}

// gqlParams declares the variables a GraphQL argument list uses ($name),
// typed by name: $c, $id UUID!; $m, $e, $l… by their use.
func gqlParams(args string) string {
	types := map[string]string{"c": "UUID!", "id": "UUID!", "city": "String", "j": "String", "l": "String", "a": "String", "b": "String",
		"stage": "OpportunityStageEnum", "status": "TaskStatusEnum", "m": "BigFloat", "t": "String", "e": "Float", "n": "String", "after": "String", "q": "String!"}
	var ps []string
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(args, func(r rune) bool {
		return !(r == '$' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		if !strings.HasPrefix(f, "$") || seen[f] {
			continue
		}
		seen[f] = true
		t, ok := types[f[1:]]
		if !ok {
			panic("gqlParams: no type for " + f)
		}
		ps = append(ps, f+": "+t)
	}
	if len(ps) == 0 {
		return ""
	}
	return "(" + strings.Join(ps, ", ") + ")"
}
