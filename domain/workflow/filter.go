package workflow

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Filters are Twenty's step filters (FILTER steps, IF_ELSE branches):
// groups with a logical operator (AND/OR), nested by parentStepFilterGroupId,
// and filters comparing a step output (stepOutputKey, a variable) with a
// value through an operand.
type Filters struct {
	Groups  []map[string]any
	Filters []map[string]any
}

func filtersOf(input map[string]any) Filters {
	var f Filters
	for _, g := range asList(input["stepFilterGroups"]) {
		if m, ok := g.(map[string]any); ok {
			f.Groups = append(f.Groups, m)
		}
	}
	for _, x := range asList(input["stepFilters"]) {
		if m, ok := x.(map[string]any); ok {
			f.Filters = append(f.Filters, m)
		}
	}
	return f
}

func asList(v any) []any { l, _ := v.([]any); return l }

func str(v any) string { s, _ := v.(string); return s }

// Match evaluates group (every root group ANDed when group is ""; no
// filters at all match) against ctx.
func (f Filters) Match(group string, ctx map[string]any) (bool, error) {
	if group == "" {
		for _, g := range f.Groups {
			if str(g["parentStepFilterGroupId"]) == "" {
				ok, err := f.Match(str(g["id"]), ctx)
				if err != nil || !ok {
					return false, err
				}
			}
		}
		if len(f.Groups) == 0 { // filters without groups: all must hold
			for _, x := range f.Filters {
				ok, err := matchOne(x, ctx)
				if err != nil || !ok {
					return false, err
				}
			}
		}
		return true, nil
	}
	var g map[string]any
	for _, x := range f.Groups {
		if str(x["id"]) == group {
			g = x
		}
	}
	if g == nil {
		return false, fmt.Errorf("no filter group %q", group)
	}
	or := strings.EqualFold(str(g["logicalOperator"]), "OR")
	var results []bool
	for _, x := range f.Filters {
		if str(x["stepFilterGroupId"]) == group {
			ok, err := matchOne(x, ctx)
			if err != nil {
				return false, err
			}
			results = append(results, ok)
		}
	}
	var children []string
	for _, x := range f.Groups {
		if str(x["parentStepFilterGroupId"]) == group {
			children = append(children, str(x["id"]))
		}
	}
	sort.Strings(children)
	for _, c := range children {
		ok, err := f.Match(c, ctx)
		if err != nil {
			return false, err
		}
		results = append(results, ok)
	}
	if len(results) == 0 {
		return true, nil
	}
	for _, r := range results {
		if or && r {
			return true, nil
		}
		if !or && !r {
			return false, nil
		}
	}
	return !or, nil
}

// matchOne evaluates one filter. Operands are Twenty's (is, isNot,
// contains, doesNotContain, greaterThan(OrEqual), lessThan(OrEqual),
// isEmpty, isNotEmpty; any case, with or without underscores).
func matchOne(x map[string]any, ctx map[string]any) (bool, error) {
	key := str(x["stepOutputKey"])
	if !strings.Contains(key, "{{") {
		key = "{{" + key + "}}"
	}
	left := Resolve(key, ctx)
	right := Resolve(x["value"], ctx)
	op := strings.ToLower(strings.ReplaceAll(str(x["operand"]), "_", ""))
	ls, rs := scalarText(left), scalarText(right)
	switch op {
	case "is", "eq", "equals", "equal":
		return ls == rs, nil
	case "isnot", "neq", "notequals", "notequal":
		return ls != rs, nil
	case "contains", "like":
		return strings.Contains(strings.ToLower(ls), strings.ToLower(rs)), nil
	case "doesnotcontain", "notlike":
		return !strings.Contains(strings.ToLower(ls), strings.ToLower(rs)), nil
	case "isempty":
		return isEmpty(left), nil
	case "isnotempty":
		return !isEmpty(left), nil
	case "greaterthan", "gt", "greaterthanorequal", "gte", "lessthan", "lt", "lessthanorequal", "lte":
		a, err1 := strconv.ParseFloat(ls, 64)
		b, err2 := strconv.ParseFloat(rs, 64)
		if err1 != nil || err2 != nil {
			return false, nil // not numbers: no match
		}
		switch op {
		case "greaterthan", "gt":
			return a > b, nil
		case "greaterthanorequal", "gte":
			return a >= b, nil
		case "lessthan", "lt":
			return a < b, nil
		}
		return a <= b, nil
	}
	return false, fmt.Errorf("unknown filter operand %q", x["operand"])
}

func scalarText(v any) string {
	if v == nil {
		return ""
	}
	return text(v)
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// branch is one IF_ELSE branch: its filter group ("" for else) and next steps.
type branch struct {
	id, group string
	next      []string
}

func branches(s *Step) []branch {
	var out []branch
	for _, b := range asList(s.Input()["branches"]) {
		m, _ := b.(map[string]any)
		out = append(out, branch{id: str(m["id"]), group: str(m["filterGroupId"]), next: stringList(m["nextStepIds"])})
	}
	return out
}
