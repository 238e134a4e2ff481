package graphql

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"edgecrm/domain"
	"edgecrm/projections/query"
	"edgecrm/sqldb"
)

// Twenty's <objects>GroupBy (twenty-server's group-by resolver): the
// records matching filter, grouped by the values of the fields groupBy
// names (a date field by its day, week, month, quarter or year; a composite
// by one subfield; a relation by its join column), one connection per group
// with groupByDimensionValues, totalCount, the aggregate fields and the
// group's records (edges, paged by limit and ordered by orderByForRecords).
// Groups are ordered by orderBy (a grouped field, or {aggregate: {<name>:
// direction}}), else by their values, and at most MaxGroups are returned.

// MaxGroups bounds the groups of one groupBy.
var MaxGroups = 200

const groupByArgs = `groupBy: [%[1]sGroupByInput!]!, filter: %[1]sFilterInput, orderBy: [%[1]sOrderByWithGroupByInput!], orderByForRecords: [%[1]sOrderByInput], viewId: UUID, limit: Int`

// groupable reports whether f can be a dimension, and how its group-by
// input is typed.
func groupByInputType(f *domain.Field) (string, bool) {
	switch {
	case manyToOne(f), f.Type == domain.TypeRelation:
		return "", false
	case f.Type == domain.TypeDateTime || f.Type == domain.TypeDate:
		return "DateGroupByInput", true
	case f.Type == domain.TypeRichTextV2:
		return "", false
	case domain.IsComposite(f.Type):
		return compositeName(f.Type) + "GroupByInput", true
	case f.Type == domain.TypeRawJSON, f.Type == domain.TypeArray, f.Type == domain.TypeMultiSelect:
		return "", false
	}
	return "Boolean", len(f.Columns()) == 1
}

// groupableSub reports whether a composite's part can be a dimension (JSON
// lists cannot).
func groupableSub(s domain.Subfield) bool { return s.Type != domain.TypeRawJSON }

func (b *builder) writeCompositeGroupBy(t domain.FieldType) {
	b.p("input %sGroupByInput {\n", compositeName(t))
	for _, s := range domain.Subfields(t) {
		if groupableSub(s) {
			b.p("  %s: Boolean\n", s.Name)
		}
	}
	b.p("}\n\n")
}

func (b *builder) writeGroupByTypes(o *domain.Object) {
	t := typeNameOf(o)
	b.p("input %sGroupByInput {\n", t)
	for _, f := range o.Fields {
		if manyToOne(f) {
			b.p("  %s: Boolean\n", f.JoinColumn())
		} else if typ, ok := groupByInputType(f); ok {
			b.p("  %s: %s\n", f.Name, typ)
		}
	}
	b.p("}\n\n")
	b.p("input %sAggregateOrderByInput {\n  totalCount: OrderByDirection\n", t)
	for _, a := range query.Aggregates(o) {
		b.p("  %s: OrderByDirection\n", a.Name)
	}
	b.p("}\n\n")
	b.p("input %sOrderByWithGroupByInput {\n", t)
	for _, f := range o.Fields {
		if manyToOne(f) {
			b.p("  %s: OrderByDirection\n", f.JoinColumn())
		} else if typ, ok := groupByInputType(f); ok {
			if strings.HasSuffix(typ, "GroupByInput") && typ != "DateGroupByInput" {
				b.p("  %s: %sOrderByInput\n", f.Name, compositeName(f.Type))
			} else {
				b.p("  %s: OrderByDirection\n", f.Name)
			}
		}
	}
	b.p("  aggregate: %sAggregateOrderByInput\n}\n\n", t)
	b.p("type %[1]sGroupByConnection {\n  \"The values of the grouped fields, in groupBy's order\"\n  groupByDimensionValues: [JSON]\n  edges: [%[1]sEdge!]!\n  pageInfo: PageInfo!\n  totalCount: Int!\n", t)
	b.writeAggregates(o)
	b.p("}\n\n")
	b.types[t+"GroupByConnection"] = typeInfo{role: roleOther, object: o.NameSingular}
}

// dimension is one grouped field.
type dimension struct {
	field       *domain.Field
	column      domain.Column // the column grouped (a composite's part, a join column)
	granularity string        // dates: NONE, DAY, WEEK, MONTH, QUARTER, YEAR
	name        string        // the groupBy/orderBy key (field name or join column)
	sub         string        // a composite's part
}

// sql is the dimension's value for a row.
func (d dimension) sql() string {
	c := quoteIdent(d.column.Name)
	day := "substr(" + c + ", 1, 10)"
	switch d.granularity {
	case "DAY":
		return day
	case "WEEK": // the Monday starting the week
		return "date(" + day + ", '-' || ((CAST(strftime('%w', " + day + ") AS INTEGER) + 6) % 7) || ' days')"
	case "MONTH":
		return "substr(" + c + ", 1, 7) || '-01'"
	case "QUARTER":
		return "substr(" + c + ", 1, 4) || '-' || printf('%02d', ((CAST(substr(" + c + ", 6, 2) AS INTEGER) - 1) / 3) * 3 + 1) || '-01'"
	case "YEAR":
		return "substr(" + c + ", 1, 4) || '-01-01'"
	}
	return c
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// condition is the filter selecting the group whose value is v.
func (d dimension) condition(v any) (map[string]any, error) {
	var cond map[string]any
	switch {
	case v == nil:
		cond = map[string]any{"is": "NULL"}
	case d.granularity != "" && d.granularity != "NONE":
		start, err := time.Parse("2006-01-02", sqldb.AsString(v))
		if err != nil {
			return nil, fmt.Errorf("groupBy: bucket %v of %s: %w", v, d.name, err)
		}
		var end time.Time
		switch d.granularity {
		case "DAY":
			end = start.AddDate(0, 0, 1)
		case "WEEK":
			end = start.AddDate(0, 0, 7)
		case "MONTH":
			end = start.AddDate(0, 1, 0)
		case "QUARTER":
			end = start.AddDate(0, 3, 0)
		case "YEAR":
			end = start.AddDate(1, 0, 0)
		}
		layout := "2006-01-02T15:04:05.000Z"
		if d.field.Type == domain.TypeDate {
			layout = "2006-01-02"
		}
		cond = map[string]any{"gte": start.Format(layout), "lt": end.Format(layout)}
	default:
		cond = map[string]any{"eq": v}
	}
	if d.sub != "" {
		cond = map[string]any{d.sub: cond}
	}
	return map[string]any{d.name: cond}, nil
}

// value is the dimension's value as the API shows it (booleans as such).
func (d dimension) value(v any) any {
	if v != nil && d.column.Type == domain.TypeBoolean {
		return sqldb.AsInt(v) != 0
	}
	return v
}

// dimensions reads groupBy: each item names one field.
func dimensions(obj *domain.Object, v any) ([]dimension, error) {
	items, ok := v.([]any)
	if !ok {
		if m, isMap := v.(map[string]any); isMap {
			items = []any{m}
		} else {
			return nil, badInput("groupBy must be a list of objects")
		}
	}
	if len(items) == 0 {
		return nil, badInput("groupBy must name at least one field")
	}
	var dims []dimension
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok || len(m) != 1 {
			return nil, badInput("each groupBy item must name exactly one field")
		}
		for name, spec := range m {
			d, err := dimensionOf(obj, name, spec)
			if err != nil {
				return nil, err
			}
			if d.column.Name != "" {
				dims = append(dims, d)
			}
		}
	}
	return dims, nil
}

func dimensionOf(obj *domain.Object, name string, spec any) (dimension, error) {
	for _, f := range obj.Fields {
		if manyToOne(f) && f.JoinColumn() == name {
			if spec != true {
				return dimension{}, nil
			}
			return dimension{field: f, column: f.Columns()[0], name: name}, nil
		}
	}
	f := obj.Field(name)
	if f == nil {
		return dimension{}, badInput("groupBy: unknown field %s", name)
	}
	typ, ok := groupByInputType(f)
	if !ok {
		return dimension{}, badInput("groupBy: %s cannot be grouped by", name)
	}
	switch {
	case typ == "DateGroupByInput":
		m, _ := spec.(map[string]any)
		g, _ := m["granularity"].(string)
		if g == "" {
			g = "DAY"
		}
		return dimension{field: f, column: f.Columns()[0], name: name, granularity: g}, nil
	case typ == "Boolean":
		if spec != true {
			return dimension{}, nil
		}
		return dimension{field: f, column: f.Columns()[0], name: name}, nil
	}
	m, _ := spec.(map[string]any)
	var picked []string
	for sub, on := range m {
		if on == true {
			picked = append(picked, sub)
		}
	}
	if len(picked) != 1 {
		return dimension{}, badInput("groupBy: %s must name exactly one subfield", name)
	}
	for _, c := range f.Columns() {
		if c.Subfield == picked[0] {
			return dimension{field: f, column: c, name: name, sub: picked[0]}, nil
		}
	}
	return dimension{}, badInput("groupBy: %s has no subfield %s", name, picked[0])
}

// groupOrder turns orderBy into ORDER BY terms over the dimension aliases
// ("d0", ...) and aggregate expressions; the dimensions follow in order.
func groupOrder(obj *domain.Object, dims []dimension, v any, hidden func(string) bool) (string, error) {
	items, err := orderByArg(v)
	if err != nil {
		return "", err
	}
	var terms []string
	term := func(expr string, dir any) error {
		d, ok := dir.(string)
		if !ok {
			return badInput("orderBy: expected a direction, got %v", dir)
		}
		asc := strings.HasPrefix(d, "Asc")
		nullsFirst := strings.HasSuffix(d, "NullsFirst")
		if !asc && d != "DescNullsFirst" && d != "DescNullsLast" || asc && d != "AscNullsFirst" && d != "AscNullsLast" {
			return badInput("orderBy: unknown direction %s", d)
		}
		nulls := "NULL"
		if nullsFirst {
			nulls = "NOT NULL"
		}
		terms = append(terms, fmt.Sprintf("(%s) IS %s", expr, nulls), expr+map[bool]string{true: " ASC", false: " DESC"}[asc])
		return nil
	}
	for _, it := range items {
		for _, k := range sortedKeys(it) {
			dir := it[k]
			if k == "aggregate" {
				m, _ := dir.(map[string]any)
				for _, name := range sortedKeys(m) {
					d := m[name]
					expr := "COUNT(*)"
					if name != "totalCount" {
						a, ok := query.FindAggregate(obj, name)
						if !ok {
							return "", badInput("orderBy: unknown aggregate %s", name)
						}
						if a.Field != nil && hidden(a.Field.Name) { // the order would leak it
							return "", domain.DeniedRead(obj, a.Field.Name)
						}
						expr = a.SQL()
					}
					if err := term(expr, d); err != nil {
						return "", err
					}
				}
				continue
			}
			found := false
			for i, d := range dims {
				if d.name != k {
					continue
				}
				found = true
				if sub, ok := dir.(map[string]any); ok { // a composite: {currencyCode: AscNullsLast}
					dir = sub[d.sub]
					if dir == nil {
						continue
					}
				}
				if err := term(fmt.Sprintf(`"d%d"`, i), dir); err != nil {
					return "", err
				}
			}
			if !found {
				return "", badInput("orderBy: %s is not grouped by", k)
			}
		}
	}
	for i := range dims {
		terms = append(terms, fmt.Sprintf(`"d%d" IS NULL, "d%d"`, i, i))
	}
	return strings.Join(terms, ", "), nil
}

// groupConnection is one group: its dimension values and its connection.
type groupConnection struct {
	values []any
	*connection
}

func (g *groupConnection) resolveField(e *executor, f *ast.Field, args map[string]any) (any, error) {
	if f.Name == "groupByDimensionValues" {
		return g.values, nil
	}
	return g.connection.resolveField(e, f, args)
}

// groupBy answers the groups; the aggregates f selects (and totalCount)
// come from the GROUP BY itself, one statement for every group.
func (e *executor) groupBy(obj *domain.Object, args map[string]any, f *ast.Field) (any, error) {
	filter, err := e.recordFilter(obj, args["filter"])
	if err != nil {
		return nil, err
	}
	dims, err := dimensions(obj, args["groupBy"])
	if err != nil {
		return nil, err
	}
	if len(dims) == 0 {
		return nil, badInput("groupBy must name at least one field")
	}
	for _, d := range dims { // groups would leak a hidden field's values
		if e.hiddenField(obj, d.name) {
			return nil, domain.DeniedRead(obj, d.name)
		}
	}
	order, err := groupOrder(obj, dims, args["orderBy"], func(n string) bool { return e.hiddenField(obj, n) })
	if err != nil {
		return nil, err
	}
	recordOrder, err := orderByArg(args["orderByForRecords"])
	if err == nil {
		err = e.w.AllowQuery(obj, nil, recordOrder)
	}
	if err != nil {
		return nil, err
	}
	limit, err := intArg(args["limit"])
	if err != nil {
		return nil, err
	}
	where, whereArgs, err := query.Where(e.meta, obj, table(obj), filter)
	if err != nil {
		return nil, err
	}
	cols := make([]string, len(dims))
	groupCols := make([]string, len(dims))
	for i, d := range dims {
		cols[i] = fmt.Sprintf(`%s AS "d%d"`, d.sql(), i)
		groupCols[i] = fmt.Sprintf(`"d%d"`, i)
	}
	aggs := e.selectedAggregates(obj, f)
	cols = append(cols, `COUNT(*) AS "totalCount"`)
	for _, a := range aggs {
		cols = append(cols, a.SQL()+" AS "+quoteIdent(a.Name))
	}
	sql := "SELECT " + strings.Join(cols, ", ") + " FROM " + quoteIdent(table(obj))
	if where != "" {
		sql += " WHERE " + where
	}
	sql += " GROUP BY " + strings.Join(groupCols, ", ") + " ORDER BY " + order + fmt.Sprintf(" LIMIT %d", MaxGroups)
	rows, err := e.w.DB.Exec(sql, whereArgs...)
	if err != nil {
		return nil, err
	}
	if err := e.charge(len(rows.Values)); err != nil {
		return nil, err
	}
	out := make([]any, 0, len(rows.Values))
	for _, row := range rows.Maps() {
		conds := []map[string]any{filter}
		values := make([]any, len(dims))
		for i, d := range dims {
			v := row[fmt.Sprintf("d%d", i)]
			values[i] = d.value(v)
			c, err := d.condition(values[i])
			if err != nil {
				return nil, err
			}
			conds = append(conds, c)
		}
		groupFilter := andFilters(conds...)
		plan, err := query.Compile(e.meta, obj, table(obj), groupFilter, recordOrder, query.Page{First: limit})
		if err != nil {
			return nil, err
		}
		computed := map[string]any{"totalCount": row["totalCount"]}
		for _, a := range aggs {
			computed[a.Name] = row[a.Name]
		}
		out = append(out, &groupConnection{values: values, connection: &connection{obj: obj, plan: plan,
			withDeleted: mentionsDeletedAt(filter), aggs: aggs, aggValues: computed}})
	}
	return out, nil
}

// sortedKeys orders an input object's keys, so that map order never leaks
// into results.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
