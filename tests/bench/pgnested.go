package main

import (
	"fmt"
	"math/rand"
)

// byIDs runs Twenty's nested-relation query: the related records whose
// column col is one of ids (none: no query).
func (p *pgRun) byIDs(collect int, sqlCols, table, col string, ids []any, tail string) ([][]any, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return p.q(collect, fmt.Sprintf(`SELECT %s FROM %q WHERE %q IN %s AND %s %s`, sqlCols, table, col, in(1, len(ids)), live, tail), ids...)
}

const (
	personBrief    = `id name { firstName lastName }`
	personBriefSQL = `"id", "nameFirstName", "nameLastName", "companyId"`
	many           = 1 << 30 // collect every row
)

// nestedOps: records with their relations (Twenty: one query per relation
// level, parents' ids IN (...)).
func nestedOps(d *loaded, add adder) {
	one := func(r *rand.Rand, recs []map[string]any) map[string]any {
		return map[string]any{"id": pick(r, recs)["id"]}
	}
	add(cmpOp{kind: "nested", name: "company with its people",
		gql: `query($id: UUID!) { company(filter: { id: { eq: $id } }) { ` + companyGQL + ` people { edges { node { ` + personBrief + ` } } } } }`,
		pg: func(p *pgRun, v map[string]any) error {
			c, err := p.q(1, `SELECT `+companySQL+` FROM "company" WHERE "id" = $1 AND `+live, v["id"])
			if err == nil {
				_, err = p.byIDs(pageSize, personBriefSQL, "person", "companyId", column(c, 0), byPosition+fmt.Sprintf(" LIMIT %d", pageSize))
			}
			return err
		}}, func(r *rand.Rand, i int) map[string]any { return one(r, d.companies) })
	add(cmpOp{kind: "nested", name: "person with its company",
		gql: `query($id: UUID!) { person(filter: { id: { eq: $id } }) { ` + personGQL + ` company { ` + companyGQL + ` } } }`,
		pg: func(p *pgRun, v map[string]any) error {
			ps, err := p.q(1, `SELECT `+personSQL+` FROM "person" WHERE "id" = $1 AND `+live, v["id"])
			if err == nil {
				_, err = p.byIDs(many, companySQL, "company", "id", column(ps, 6), "")
			}
			return err
		}}, func(r *rand.Rand, i int) map[string]any { return one(r, d.people) })
	add(cmpOp{kind: "nested", name: "opportunity with company and point of contact",
		gql: `query($id: UUID!) { opportunity(filter: { id: { eq: $id } }) { ` + oppGQL + ` company { ` + companyGQL + ` } pointOfContact { ` + personGQL + ` } } }`,
		pg: func(p *pgRun, v map[string]any) error {
			os, err := p.q(1, `SELECT `+oppSQL+` FROM "opportunity" WHERE "id" = $1 AND `+live, v["id"])
			if err == nil {
				_, err = p.byIDs(many, companySQL, "company", "id", column(os, 6), "")
			}
			if err == nil {
				_, err = p.byIDs(many, personSQL, "person", "id", column(os, 7), "")
			}
			return err
		}}, func(r *rand.Rand, i int) map[string]any { return one(r, d.opportunities) })
	add(cmpOp{kind: "nested", name: "person → company → first 5 people",
		gql: `query($id: UUID!) { person(filter: { id: { eq: $id } }) { ` + personGQL + ` company { ` + companyGQL + ` people(first: 5) { edges { node { ` + personBrief + ` } } } } } }`,
		pg: func(p *pgRun, v map[string]any) error {
			ps, err := p.q(1, `SELECT `+personSQL+` FROM "person" WHERE "id" = $1 AND `+live, v["id"])
			var cs [][]any
			if err == nil {
				cs, err = p.byIDs(many, companySQL, "company", "id", column(ps, 6), "")
			}
			if err == nil {
				_, err = p.byIDs(5, personBriefSQL, "person", "companyId", column(cs, 0), byPosition+" LIMIT 5")
			}
			return err
		}}, func(r *rand.Rand, i int) map[string]any { return one(r, d.people) })
	add(cmpOp{kind: "nested", name: "first 20 companies with their people",
		gql: `{ companies(orderBy: [{ position: AscNullsFirst }], first: 20) { edges { node { ` + companyGQL + ` people { edges { node { ` + personBrief + ` } } } } } } }`,
		pg: func(p *pgRun, v map[string]any) error {
			cs, err := p.q(20, `SELECT `+companySQL+` FROM "company" WHERE `+live+` `+byPosition+` LIMIT 21`)
			if err == nil {
				_, err = p.byIDs(many, personBriefSQL, "person", "companyId", column(cs[:min(20, len(cs))], 0), byPosition)
			}
			return err
		}}, func(r *rand.Rand, i int) map[string]any { return map[string]any{} })
	add(cmpOp{kind: "nested", name: "20 opportunities of a stage with company and point of contact",
		gql: `query($stage: OpportunityStageEnum) { opportunities(filter: { stage: { eq: $stage } }, orderBy: [{ position: AscNullsFirst }], first: 20) { edges { node { ` + oppGQL + ` company { ` + companyGQL + ` } pointOfContact { ` + personBrief + ` } } } } }`,
		pg: func(p *pgRun, v map[string]any) error {
			os, err := p.q(20, `SELECT `+oppSQL+` FROM "opportunity" WHERE "stage" = $1 AND `+live+` `+byPosition+` LIMIT 21`, v["stage"])
			os = os[:min(20, len(os))]
			if err == nil {
				_, err = p.byIDs(many, companySQL, "company", "id", column(os, 6), "")
			}
			if err == nil {
				_, err = p.byIDs(many, personBriefSQL, "person", "id", column(os, 7), "")
			}
			return err
		}}, func(r *rand.Rand, i int) map[string]any { return map[string]any{"stage": stages[r.Intn(len(stages))]} })
	add(cmpOp{kind: "nested", name: "20 people of a city with their company",
		gql: `query($city: String) { people(filter: { city: { eq: $city } }, orderBy: [{ position: AscNullsFirst }], first: 20) { edges { node { ` + personGQL + ` company { ` + companyGQL + ` } } } } }`,
		pg: func(p *pgRun, v map[string]any) error {
			ps, err := p.q(20, `SELECT `+personSQL+` FROM "person" WHERE "city" = $1 AND `+live+` `+byPosition+` LIMIT 21`, v["city"])
			if err == nil {
				_, err = p.byIDs(many, companySQL, "company", "id", column(ps[:min(20, len(ps))], 6), "")
			}
			return err
		}}, func(r *rand.Rand, i int) map[string]any { return map[string]any{"city": cities[r.Intn(len(cities))]} })
}

// searchOps: the search query; PostgreSQL runs Twenty's per-object query
// (searchVector @@ to_tsquery, ranked by ts_rank_cd then ts_rank) on every
// searchable object of the schema, one after another on the connection.
func searchOps(add adder) {
	for _, q := range []struct{ name, text string }{
		{"company name word", "acme"},
		{"first name", "anna"},
		{"first and last name", "anna smith"},
		{"opportunity name and number", "deal 12"},
		{"job title", "engineer"},
		{"two-letter prefix (broad)", "an"},
		{"no match", "zzqx"},
	} {
		add(cmpOp{kind: "search", name: "search: " + q.name + " (`" + q.text + "`)",
			gql:       `query($q: String!) { search(searchInput: $q, limit: 20) { edges { node { recordId objectNameSingular label } cursor } pageInfo { endCursor hasNextPage } } }`,
			noCompare: "ranking differs (FTS5 bm25 vs ts_rank)",
			pg: func(p *pgRun, v map[string]any) error {
				and, or := searchTerms(v["q"].(string), "&"), searchTerms(v["q"].(string), "|")
				for _, o := range pgSearchObjects {
					rankCD := `ts_rank_cd("searchVector", to_tsquery('simple', public.unaccent_immutable($1)))`
					rank := `ts_rank("searchVector", to_tsquery('simple', public.unaccent_immutable($2)))`
					if _, err := p.q(21, fmt.Sprintf(`SELECT %s, %s AS "tsRankCD", %s AS "tsRank" FROM %q WHERE ("searchVector" @@ to_tsquery('simple', public.unaccent_immutable($1)) OR "searchVector" @@ to_tsquery('simple', public.unaccent_immutable($2))) AND %s ORDER BY %s DESC, %s DESC, "id" ASC NULLS FIRST LIMIT 21`,
						o.cols, rankCD, rank, o.table, live, rankCD, rank), and, or); err != nil {
						return err
					}
				}
				return nil
			}}, func(r *rand.Rand, i int) map[string]any { return map[string]any{"q": q.text} })
	}
}

// aggregateOps: totalCount with a filter. Twenty runs the records query
// (LIMIT first+1) and the COUNT query; only the count is compared.
func aggregateOps(d *loaded, add adder) {
	count := func(name, plural, table, gqlArgs, where string, vars func(r *rand.Rand) (map[string]any, []any)) {
		filter := ""
		if gqlArgs != "" {
			filter = "(" + gqlArgs + ")"
		}
		add(cmpOp{kind: "aggregate", name: name,
			gql: fmt.Sprintf(`query%s { %s%s { totalCount } }`, gqlParams(gqlArgs), plural, filter),
			pg: func(p *pgRun, v map[string]any) error {
				args := v["_sql"].([]any)
				if _, err := p.q(0, fmt.Sprintf(`SELECT "id" FROM %q WHERE (%s) AND %s %s LIMIT %d`, table, where, live, byPosition, pageSize+1), args...); err != nil {
					return err
				}
				_, err := p.q(1, fmt.Sprintf(`SELECT COUNT("id") AS "totalCount" FROM %q WHERE (%s) AND %s`, table, where, live), args...)
				return err
			}}, func(r *rand.Rand, i int) map[string]any {
			v, args := vars(r)
			v["_sql"] = args
			return v
		})
	}
	none := func(r *rand.Rand) (map[string]any, []any) { return map[string]any{}, nil }
	count("count all people", "people", "person", "", "TRUE", none)
	count("count all opportunities", "opportunities", "opportunity", "", "TRUE", none)
	count("count people of a company", "people", "person", `filter: { companyId: { eq: $c } }`, `"companyId" = $1`,
		chooseID("c", d.companies))
	count("count people in a city", "people", "person", `filter: { city: { eq: $city } }`, `"city" = $1`,
		choose("city", cities))
	count("count opportunities in a stage", "opportunities", "opportunity", `filter: { stage: { eq: $stage } }`, `"stage" = $1`,
		choose("stage", stages))
	count("count opportunities above an amount", "opportunities", "opportunity", `filter: { amount: { amountMicros: { gte: $m } } }`, `"amountAmountMicros" >= $1`,
		func(r *rand.Rand) (map[string]any, []any) {
			m := int64(r.Intn(1_000_000)) * 1_000_000
			return map[string]any{"m": m}, []any{m}
		})
	count("count tasks with a status", "tasks", "task", `filter: { status: { eq: $status } }`, `"status" = $1`,
		choose("status", statuses))
	count("count notes whose title contains a word", "notes", "note", `filter: { title: { ilike: $t } }`, `"title" ILIKE $1`,
		func(r *rand.Rand) (map[string]any, []any) {
			t := "%" + words[r.Intn(len(words))] + "%"
			return map[string]any{"t": t}, []any{t}
		})
}
