package query

import (
	"strings"

	"edgecrm/domain"
	"edgecrm/host"
)

// Twenty's aggregate operations on a connection (twenty-server's
// getAvailableAggregationsFromObjectFields): every field but relations has
// countUniqueValues, countEmpty, countNotEmpty, percentageEmpty and
// percentageNotEmpty; NUMBER adds min, max, avg, sum; DATE and DATE_TIME
// add min, max (earliest, latest); BOOLEAN adds countTrue, countFalse;
// CURRENCY adds min, max, avg, sum of its amountMicros (named
// <op><Field>AmountMicros).
const (
	AggCountUniqueValues  = "countUniqueValues"
	AggCountEmpty         = "countEmpty"
	AggCountNotEmpty      = "countNotEmpty"
	AggPercentageEmpty    = "percentageEmpty"
	AggPercentageNotEmpty = "percentageNotEmpty"
	AggMin                = "min"
	AggMax                = "max"
	AggAvg                = "avg"
	AggSum                = "sum"
	AggCountTrue          = "countTrue"
	AggCountFalse         = "countFalse"
)

// countOps are the operations every aggregatable field has; the order is
// the schema's. Longer prefixes first, so parsing a name is unambiguous.
var countOps = []string{AggCountUniqueValues, AggCountNotEmpty, AggCountEmpty, AggPercentageNotEmpty, AggPercentageEmpty}

// Aggregate is one aggregate field of a connection.
type Aggregate struct {
	Name  string        // e.g. countEmptyName, sumAmountAmountMicros
	Op    string        // one of the Agg constants
	Field *domain.Field // the field aggregated
}

// Float reports whether the result is a Float (else an Int, or a DateTime
// for min/max of a DATE_TIME).
func (a Aggregate) Float() bool {
	switch a.Op {
	case AggPercentageEmpty, AggPercentageNotEmpty, AggAvg, AggSum:
		return true
	case AggMin, AggMax:
		return !a.Date()
	}
	return false
}

// Date reports whether the result is a DateTime (min/max of a date).
func (a Aggregate) Date() bool {
	return (a.Op == AggMin || a.Op == AggMax) && (a.Field.Type == domain.TypeDateTime || a.Field.Type == domain.TypeDate)
}

// Aggregatable reports whether f has aggregate fields (every field but
// relations, and columns it stores).
func Aggregatable(f *domain.Field) bool {
	return f.Type != domain.TypeRelation && len(f.Columns()) > 0
}

// Aggregates lists the aggregate fields of obj, in schema order.
func Aggregates(obj *domain.Object) []Aggregate {
	var out []Aggregate
	for _, f := range obj.Fields {
		if !Aggregatable(f) {
			continue
		}
		for _, op := range countOps {
			out = append(out, Aggregate{Name: op + upper(f.Name), Op: op, Field: f})
		}
		var suffix string
		var ops []string
		switch f.Type {
		case domain.TypeNumber:
			ops = []string{AggMin, AggMax, AggAvg, AggSum}
		case domain.TypeDateTime, domain.TypeDate:
			ops = []string{AggMin, AggMax}
		case domain.TypeBoolean:
			ops = []string{AggCountTrue, AggCountFalse}
		case domain.TypeCurrency:
			ops, suffix = []string{AggMin, AggMax, AggAvg, AggSum}, "AmountMicros"
		}
		for _, op := range ops {
			out = append(out, Aggregate{Name: op + upper(f.Name) + suffix, Op: op, Field: f})
		}
	}
	return out
}

// FindAggregate returns obj's aggregate field called name.
func FindAggregate(obj *domain.Object, name string) (Aggregate, bool) {
	for _, a := range Aggregates(obj) {
		if a.Name == name {
			return a, true
		}
	}
	return Aggregate{}, false
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// emptyColumns are the columns whose emptiness makes f empty: every column
// but JSON lists (additional emails, secondary links) and a currency's code.
func emptyColumns(f *domain.Field) []domain.Column {
	var out []domain.Column
	for _, c := range f.Columns() {
		switch {
		case c.Type == domain.TypeRawJSON && c.Subfield != "":
			continue
		case f.Type == domain.TypeCurrency && c.Subfield == "currencyCode":
			continue
		}
		out = append(out, c)
	}
	return out
}

// notEmptySQL is true when f holds a value: any of its columns is neither
// NULL nor the empty string (an empty JSON list counts as empty).
func notEmptySQL(f *domain.Field) string {
	var parts []string
	for _, c := range emptyColumns(f) {
		col := quote(c.Name)
		switch c.Type {
		case domain.TypeRawJSON, domain.TypeArray, domain.TypeMultiSelect:
			parts = append(parts, "coalesce("+col+", '') NOT IN ('', '[]', '{}', 'null')")
		default:
			parts = append(parts, "coalesce(CAST("+col+" AS TEXT), '') <> ''")
		}
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// valueSQL is f's value as one comparable expression (its columns as a
// JSON array when there are several).
func valueSQL(f *domain.Field) string {
	cols := emptyColumns(f)
	if len(cols) == 1 {
		return quote(cols[0].Name)
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quote(c.Name)
	}
	return "json_array(" + strings.Join(names, ", ") + ")"
}

// numericColumn is the column min/max/avg/sum read.
func numericColumn(f *domain.Field) string {
	if f.Type == domain.TypeCurrency {
		return quote(f.Name + "AmountMicros")
	}
	return quote(f.Name)
}

// expr is a's SQL over the rows of the connection. Percentages are ratios
// (0 to 1) as Twenty computes them, NULL over no rows.
func (a Aggregate) expr() string {
	f := a.Field
	switch a.Op {
	case AggCountUniqueValues:
		return "COUNT(DISTINCT CASE WHEN " + notEmptySQL(f) + " THEN " + valueSQL(f) + " END)"
	case AggCountEmpty:
		return "COUNT(*) - COUNT(CASE WHEN " + notEmptySQL(f) + " THEN 1 END)"
	case AggCountNotEmpty:
		return "COUNT(CASE WHEN " + notEmptySQL(f) + " THEN 1 END)"
	case AggPercentageEmpty:
		return "CASE WHEN COUNT(*) = 0 THEN NULL ELSE (COUNT(*) - COUNT(CASE WHEN " + notEmptySQL(f) + " THEN 1 END)) * 1.0 / COUNT(*) END"
	case AggPercentageNotEmpty:
		return "CASE WHEN COUNT(*) = 0 THEN NULL ELSE COUNT(CASE WHEN " + notEmptySQL(f) + " THEN 1 END) * 1.0 / COUNT(*) END"
	case AggMin:
		return "MIN(" + numericColumn(f) + ")"
	case AggMax:
		return "MAX(" + numericColumn(f) + ")"
	case AggAvg:
		return "AVG(" + numericColumn(f) + ")"
	case AggSum:
		return "SUM(" + numericColumn(f) + ")"
	case AggCountTrue:
		return "COUNT(CASE WHEN " + quote(f.Name) + " = 1 THEN 1 END)"
	case AggCountFalse:
		return "COUNT(CASE WHEN " + quote(f.Name) + " = 0 THEN 1 END)"
	}
	panic("query: unknown aggregate operation " + a.Op)
}

// SQL is a's aggregate expression over the rows of a query (or of a group
// of a GROUP BY).
func (a Aggregate) SQL() string { return a.expr() }

// Aggregates is the statement computing aggs over the plan's rows in one
// row, each as a column named after the aggregate, plus "totalCount".
func (p *Plan) Aggregates(aggs []Aggregate) host.Statement {
	cols := []string{`COUNT(*) AS "totalCount"`}
	for _, a := range aggs {
		cols = append(cols, a.expr()+" AS "+quote(a.Name))
	}
	sql := "SELECT " + strings.Join(cols, ", ") + " FROM " + quote(p.table)
	if p.where.sql != "" {
		sql += " WHERE " + p.where.sql
	}
	return host.Statement{SQL: sql, Args: nonNil(p.where.args)}
}
