package workflow

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	wholeVarRE = regexp.MustCompile(`^\{\{\s*([^{}]+?)\s*\}\}$`)
	varRE      = regexp.MustCompile(`\{\{\s*([^{}]+?)\s*\}\}`)
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
		if m := wholeVarRE.FindStringSubmatch(x); m != nil {
			val, _ := Lookup(ctx, m[1])
			return val
		}
		if !strings.Contains(x, "{{") {
			return x
		}
		return varRE.ReplaceAllStringFunc(x, func(s string) string {
			val, ok := Lookup(ctx, varRE.FindStringSubmatch(s)[1])
			if !ok || val == nil {
				return ""
			}
			return text(val)
		})
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
