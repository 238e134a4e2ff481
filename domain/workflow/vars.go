package workflow

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Resolve replaces the variables in v ("{{trigger.properties.after.name}}",
// "{{<stepId>.path}}", "{{<iteratorId>.currentItem.name}}") with values
// from ctx (key "trigger" and one per step id), through maps and lists. A
// string that is one variable keeps the value's type (a number, an
// object, null when missing); variables embedded in text are interpolated
// (strings as they are, other values as JSON, missing ones as "").
func Resolve(v any, ctx map[string]any) any {
	switch x := v.(type) {
	case string:
		if end, path := nextVar(x, 0); end == len(x) && strings.HasPrefix(x, "{{") {
			val, _ := Lookup(ctx, path)
			return val
		}
		if !strings.Contains(x, "{{") {
			return x
		}
		var b strings.Builder
		for i := 0; i < len(x); {
			j := strings.Index(x[i:], "{{")
			if j < 0 {
				b.WriteString(x[i:])
				break
			}
			j += i
			end, path := nextVar(x, j)
			if end < 0 { // not a variable: keep one byte, look again after it
				b.WriteString(x[i : j+1])
				i = j + 1
				continue
			}
			b.WriteString(x[i:j])
			if val, ok := Lookup(ctx, path); ok && val != nil {
				b.WriteString(text(val))
			}
			i = end
		}
		return b.String()
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Resolve(e, ctx)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Resolve(e, ctx)
		}
		return out
	}
	return v
}

// text renders a value inside a string.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool, int, int64:
		return fmt.Sprint(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Lookup follows a dotted path ("step1.records.0.name") through ctx.
func Lookup(ctx map[string]any, path string) (any, bool) {
	var cur any = ctx
	for _, part := range strings.Split(strings.TrimSpace(path), ".") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// nextVar matches \{\{\s*([^{}]+?)\s*\}\} at x[i:] (without regexp, for
// the wasm's size): the end of the match and the group, or -1.
func nextVar(x string, i int) (int, string) {
	if !strings.HasPrefix(x[i:], "{{") {
		return -1, ""
	}
	j := i + 2
	for j < len(x) && x[j] != '{' && x[j] != '}' {
		j++
	}
	if j == i+2 || !strings.HasPrefix(x[j:], "}}") {
		return -1, ""
	}
	g := x[i+2 : j]
	// \s* takes the leading spaces and the lazy group leaves the trailing
	// ones, but the group keeps at least one byte.
	for len(g) > 1 && isSpace(g[0]) {
		g = g[1:]
	}
	for len(g) > 1 && isSpace(g[len(g)-1]) {
		g = g[:len(g)-1]
	}
	return j + 2, g
}

// isSpace is RE2's \s.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }
