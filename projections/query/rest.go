package query

import (
	"fmt"
	"strings"
)

// restOps are the comparators the REST filter grammar accepts.
var restOps = map[string]bool{
	"eq": true, "neq": true, "in": true, "containsAny": true, "is": true,
	"gt": true, "gte": true, "lt": true, "lte": true,
	"startsWith": true, "endsWith": true, "like": true, "ilike": true,
	"containsIlike": true, "isEmptyArray": true,
}

// ParseRESTFilter parses Twenty's REST `filter` query parameter into the
// same map Compile takes:
//
//	name[eq]:"Acme"                      {"and": [{"name": {"eq": "Acme"}}]}
//	phones.primaryPhoneNumber[eq]:"123"  composite subfield (dotted path)
//	field[in]:["a","b"]  field[is]:NULL  lists, null checks
//	and(a[eq]:1,or(b[gt]:"x",not(c[startsWith]:"v")))
//
// Top-level comma-separated conditions are ANDed; like Twenty, a filter that
// is not one and(...)/or(...)/not(...) is wrapped in {"and": [...]}. Values
// stay strings (quotes removed): the compiler converts them by field type.
// Inside quotes, a backslash before the quote character escapes it.
func ParseRESTFilter(s string) (map[string]any, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	p := &restParser{s: s}
	items, err := p.list()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.s) {
		return nil, p.fail("unexpected %q", p.s[p.i:p.i+1])
	}
	if len(items) == 1 && items[0].conj {
		return items[0].m, nil
	}
	list := make([]any, len(items))
	for i, it := range items {
		list[i] = it.m
	}
	return map[string]any{"and": list}, nil
}

type restItem struct {
	m    map[string]any
	conj bool
}

type restParser struct {
	s     string
	i     int
	depth int // and(/or(/not( levels open
}

func (p *restParser) fail(format string, args ...any) error {
	return errorf("filter", "'filter' invalid at position %d of %q: %s. eg: and(name[eq]:\"Acme\",employees[gte]:10)",
		p.i, excerpt(p.s, p.i), fmt.Sprintf(format, args...))
}

// excerpt is s, or for a long s the 80 bytes around position i.
func excerpt(s string, i int) string {
	if len(s) <= 100 {
		return s
	}
	from, to := max(0, i-40), min(len(s), i+40)
	out := s[from:to]
	if from > 0 {
		out = "..." + out
	}
	if to < len(s) {
		out += "..."
	}
	return out
}

func (p *restParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *restParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *restParser) list() ([]restItem, error) {
	var items []restItem
	for {
		it, err := p.item()
		if err != nil {
			return nil, err
		}
		items = append(items, it)
		p.space()
		if p.peek() != ',' {
			return items, nil
		}
		p.i++
	}
}

func (p *restParser) item() (restItem, error) {
	p.space()
	for _, conj := range []string{"and", "or", "not"} {
		if !strings.HasPrefix(p.s[p.i:], conj) {
			continue
		}
		j := p.i + len(conj)
		for j < len(p.s) && p.s[j] == ' ' {
			j++
		}
		if j >= len(p.s) || p.s[j] != '(' {
			continue
		}
		p.i = j + 1
		if p.depth++; p.depth > MaxFilterDepth {
			return restItem{}, p.fail("conjunctions nest more than %d levels deep", MaxFilterDepth)
		}
		items, err := p.list()
		p.depth--
		if err != nil {
			return restItem{}, err
		}
		p.space()
		if p.peek() != ')' {
			return restItem{}, p.fail("missing ')' closing %s(", conj)
		}
		p.i++
		if conj == "not" {
			if len(items) != 1 {
				return restItem{}, p.fail("'not' conjunction should contain only 1 condition, eg: not(field[eq]:1)")
			}
			return restItem{m: map[string]any{"not": items[0].m}, conj: true}, nil
		}
		list := make([]any, len(items))
		for i, it := range items {
			list[i] = it.m
		}
		return restItem{m: map[string]any{conj: list}, conj: true}, nil
	}
	return p.condition()
}

// condition parses path[op]:value.
func (p *restParser) condition() (restItem, error) {
	start := p.i
	open := strings.IndexByte(p.s[p.i:], '[')
	if open < 0 {
		return restItem{}, p.fail("expected field[operator]:value")
	}
	path := strings.TrimSpace(p.s[p.i : p.i+open])
	if path == "" || strings.ContainsAny(path, ",():\"' ") {
		return restItem{}, p.fail("expected a field name before '[', got %q", path)
	}
	p.i += open + 1
	closing := strings.IndexByte(p.s[p.i:], ']')
	if closing < 0 {
		return restItem{}, p.fail("missing ']' after the operator")
	}
	op := p.s[p.i : p.i+closing]
	p.i += closing + 1
	if !restOps[op] {
		p.i = start
		return restItem{}, p.fail("unknown operator %q in %q", op, path)
	}
	if p.peek() != ':' {
		return restItem{}, p.fail("expected ':' after %s[%s]", path, op)
	}
	p.i++
	p.space()
	var value any
	var err error
	if p.peek() == '[' {
		value, err = p.array()
	} else {
		if op == "in" || op == "containsAny" {
			return restItem{}, p.fail("%s[%s] expects a list, eg: %s[%s]:[\"a\",\"b\"]", path, op, path, op)
		}
		value, err = p.scalar(false)
	}
	if err != nil {
		return restItem{}, err
	}
	var m map[string]any = map[string]any{op: value}
	parts := strings.Split(path, ".")
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] == "" {
			return restItem{}, p.fail("empty name in field path %q", path)
		}
		m = map[string]any{parts[i]: m}
	}
	return restItem{m: m}, nil
}

// scalar reads a quoted string or a bare value (up to ',' or an unmatched
// ')' — or ']' inside a list).
func (p *restParser) scalar(inList bool) (string, error) {
	p.space()
	if q := p.peek(); q == '"' || q == '\'' {
		p.i++
		var b strings.Builder
		for p.i < len(p.s) {
			ch := p.s[p.i]
			if ch == '\\' && p.i+1 < len(p.s) && p.s[p.i+1] == q {
				b.WriteByte(q)
				p.i += 2
				continue
			}
			if ch == q {
				p.i++
				return b.String(), nil
			}
			b.WriteByte(ch)
			p.i++
		}
		return "", p.fail("unterminated quoted value")
	}
	start := p.i
	depth := 0
	for p.i < len(p.s) {
		ch := p.s[p.i]
		if ch == ',' && depth == 0 || ch == ']' && inList {
			break
		}
		if ch == '(' {
			depth++
		}
		if ch == ')' {
			if depth == 0 {
				break
			}
			depth--
		}
		p.i++
	}
	v := strings.TrimSpace(p.s[start:p.i])
	if v == "" && !inList {
		return "", p.fail("missing value")
	}
	return v, nil
}

func (p *restParser) array() ([]any, error) {
	p.i++ // [
	out := []any{}
	p.space()
	if p.peek() == ']' {
		p.i++
		return out, nil
	}
	for {
		v, err := p.scalar(true)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.space()
		switch p.peek() {
		case ',':
			p.i++
		case ']':
			p.i++
			return out, nil
		default:
			return nil, p.fail("expected ',' or ']' in list")
		}
	}
}

// ParseRESTOrderBy parses Twenty's REST `order_by` parameter,
// `position[DescNullsLast],name.firstName[AscNullsLast],city` (a missing
// direction is AscNullsFirst), into Compile's orderBy. Compile appends id.
func ParseRESTOrderBy(s string) ([]map[string]any, error) {
	var out []map[string]any
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		path, dir := item, AscNullsFirst
		if open := strings.IndexByte(item, '['); open >= 0 {
			if !strings.HasSuffix(item, "]") {
				return nil, errorf("order_by", "'order_by' item %q invalid: expected field[Direction]", item)
			}
			d, ok := parseDirection(item[open+1 : len(item)-1])
			if !ok {
				return nil, errorf("order_by", "'order_by' direction '%s' invalid. Allowed values are 'AscNullsFirst', 'AscNullsLast', 'DescNullsFirst', 'DescNullsLast'. eg: ?order_by=field_1[AscNullsFirst],field_2[DescNullsLast],field_3",
					item[open+1:len(item)-1])
			}
			path, dir = strings.TrimSpace(item[:open]), d
		}
		parts := strings.Split(path, ".")
		var v any = string(dir)
		for i := len(parts) - 1; i >= 0; i-- {
			if parts[i] == "" {
				return nil, errorf("order_by", "'order_by' item %q invalid: empty field name", item)
			}
			v = map[string]any{parts[i]: v}
		}
		out = append(out, v.(map[string]any))
	}
	return out, nil
}
