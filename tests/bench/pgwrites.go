package main

import (
	"fmt"
	"math/rand"
	"strings"
)

// writeOps: creates, updates, soft deletes and destroys. Creates come
// first (their ids, drawn here, are the ones the deletes and destroys use,
// so every iteration of those has its own record).
func writeOps(d *loaded, add adder) {
	type created struct{ ids []string }
	type target struct {
		object, table, gqlFields, sqlCols string
		made                              *created
	}
	person := target{"Person", "person", personGQL, personSQL, &created{}}
	company := target{"Company", "company", companyGQL, companySQL, &created{}}
	opportunity := target{"Opportunity", "opportunity", oppGQL, oppSQL, &created{}}
	note := target{"Note", "note", noteGQL, noteSQL, &created{}}
	task := target{"Task", "task", taskGQL, taskSQL, &created{}}

	// create: Twenty resolves position "first" (MIN(position) - 1), inserts
	// (RETURNING the generated columns), then reads the record back.
	create := func(t target, gen func(r *rand.Rand, i int) (api map[string]any, cols []string, vals []any)) {
		ids := rand.New(rand.NewSource(int64(len(t.table)) * 977))
		add(cmpOp{kind: "write", name: "create" + t.object,
			gql: fmt.Sprintf(`mutation($d: %sCreateInput!) { create%s(data: $d) { %s } }`, t.object, t.object, t.gqlFields),
			pg: func(p *pgRun, v map[string]any) error {
				rows, err := p.q(0, fmt.Sprintf(`SELECT MIN("position") AS "position" FROM %q`, t.table))
				if err != nil {
					return err
				}
				pos := 0.0
				if len(rows) > 0 && rows[0][0] != nil {
					pos = rows[0][0].(float64) - 1
				}
				cols, vals := v["_cols"].([]string), append([]any{pos}, v["_vals"].([]any)...)
				quoted := []string{`"position"`}
				for _, c := range cols {
					quoted = append(quoted, fmt.Sprintf("%q", c))
				}
				if _, err := p.q(0, fmt.Sprintf(`INSERT INTO %q (%s) VALUES %s RETURNING "id", "createdAt", "updatedAt", "deletedAt"`, t.table, strings.Join(quoted, ", "), in(1, len(vals))), vals...); err != nil {
					return err
				}
				_, err = p.q(1, fmt.Sprintf(`SELECT %s FROM %q WHERE "id" IN ($1)`, t.sqlCols, t.table), v["_vals"].([]any)[0])
				return err
			}}, func(r *rand.Rand, i int) map[string]any {
			id := benchUUID(ids)
			t.made.ids = append(t.made.ids, id)
			api, cols, vals := gen(r, i)
			api["id"], api["position"] = id, "first"
			return map[string]any{"d": api, "_cols": append([]string{"id"}, cols...), "_vals": append([]any{id}, vals...)}
		})
	}
	create(person, func(r *rand.Rand, i int) (map[string]any, []string, []any) {
		email, c := fmt.Sprintf("bench.%d@example.com", i), pick(r, d.companies)["id"]
		return map[string]any{"name": map[string]any{"firstName": "Bench", "lastName": fmt.Sprint(i)}, "emails": map[string]any{"primaryEmail": email}, "city": "Paris", "companyId": c},
			[]string{"nameFirstName", "nameLastName", "emailsPrimaryEmail", "city", "companyId"}, []any{"Bench", fmt.Sprint(i), email, "Paris", c}
	})
	create(company, func(r *rand.Rand, i int) (map[string]any, []string, []any) {
		name, url := fmt.Sprintf("Bench Co %d", i), fmt.Sprintf("https://bench-%d.example.com", i)
		return map[string]any{"name": name, "employees": 10, "domainName": map[string]any{"primaryLinkUrl": url}},
			[]string{"name", "employees", "domainNamePrimaryLinkUrl"}, []any{name, 10.0, url}
	})
	create(opportunity, func(r *rand.Rand, i int) (map[string]any, []string, []any) {
		name, c, poc := fmt.Sprintf("Bench deal %d", i), pick(r, d.companies)["id"], pick(r, d.people)["id"]
		return map[string]any{"name": name, "stage": "NEW", "amount": map[string]any{"amountMicros": 5_000_000_000, "currencyCode": "USD"}, "companyId": c, "pointOfContactId": poc},
			[]string{"name", "stage", "amountAmountMicros", "amountCurrencyCode", "companyId", "pointOfContactId"}, []any{name, "NEW", int64(5_000_000_000), "USD", c, poc}
	})
	create(note, func(r *rand.Rand, i int) (map[string]any, []string, []any) {
		title := fmt.Sprintf("Bench note %d", i)
		return map[string]any{"title": title}, []string{"title"}, []any{title}
	})
	create(task, func(r *rand.Rand, i int) (map[string]any, []string, []any) {
		title := fmt.Sprintf("Bench task %d", i)
		return map[string]any{"title": title, "status": "TODO"}, []string{"title", "status"}, []any{title, "TODO"}
	})

	// update: Twenty reads the record (the event's "before"), then UPDATE …
	// RETURNING.
	update := func(t target, recs []map[string]any, gen func(r *rand.Rand, i int) (api map[string]any, col string, val any)) {
		add(cmpOp{kind: "write", name: "update" + t.object,
			gql: fmt.Sprintf(`mutation($id: UUID!, $d: %sUpdateInput!) { update%s(id: $id, data: $d) { %s } }`, t.object, t.object, t.gqlFields),
			pg: func(p *pgRun, v map[string]any) error {
				if _, err := p.q(0, fmt.Sprintf(`SELECT %s FROM %q WHERE "id" = $1 AND %s`, t.sqlCols, t.table, live), v["id"]); err != nil {
					return err
				}
				_, err := p.q(1, fmt.Sprintf(`UPDATE %q SET %q = $1, "updatedAt" = now() WHERE "id" = $2 AND %s RETURNING %s`, t.table, v["_col"], live, t.sqlCols), v["_val"], v["id"])
				return err
			}}, func(r *rand.Rand, i int) map[string]any {
			id := pick(r, recs)["id"]
			api, col, val := gen(r, i)
			return map[string]any{"id": id, "d": api, "_col": col, "_val": val}
		})
	}
	update(person, d.people, func(r *rand.Rand, i int) (map[string]any, string, any) {
		c := cities[r.Intn(len(cities))]
		return map[string]any{"city": c}, "city", c
	})
	update(company, d.companies, func(r *rand.Rand, i int) (map[string]any, string, any) {
		e := r.Intn(10_000)
		return map[string]any{"employees": e}, "employees", float64(e)
	})
	update(opportunity, d.opportunities, func(r *rand.Rand, i int) (map[string]any, string, any) {
		s := stages[r.Intn(len(stages))]
		return map[string]any{"stage": s}, "stage", s
	})
	update(task, d.tasks, func(r *rand.Rand, i int) (map[string]any, string, any) {
		s := statuses[r.Intn(3)]
		return map[string]any{"status": s}, "status", s
	})

	// delete (soft: deletedAt set) then destroy (row removed, foreign keys
	// cascade / set null) the records the creates made.
	remove := func(t target, verb, sql string) {
		add(cmpOp{kind: "write", name: verb + t.object,
			gql: fmt.Sprintf(`mutation($id: UUID!) { %s%s(id: $id) { id } }`, verb, t.object),
			pg: func(p *pgRun, v map[string]any) error {
				_, err := p.q(1, fmt.Sprintf(sql, t.table), v["id"])
				return err
			}}, func(r *rand.Rand, i int) map[string]any { return map[string]any{"id": t.made.ids[i]} })
	}
	for _, t := range []target{person, company} {
		remove(t, "delete", `UPDATE %q SET "deletedAt" = now() WHERE "id" = $1 AND "deletedAt" IS NULL RETURNING "id"`)
	}
	for _, t := range []target{person, company} {
		remove(t, "destroy", `DELETE FROM %q WHERE "id" = $1 RETURNING "id"`)
	}
}
