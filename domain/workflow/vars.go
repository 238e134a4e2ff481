package workflow

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
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

// CronInterval is how often a CRON trigger fires: settings.type MINUTES
// (schedule.minute: every N minutes), HOURS (schedule.hour), DAYS
// (schedule.day), or CUSTOM with a pattern "*/N * * * *" (every N
// minutes) or, with seconds, "*/N * * * * *". Other patterns are refused.
func CronInterval(settings map[string]any) (time.Duration, error) {
	sched, _ := settings["schedule"].(map[string]any)
	every := func(key string, unit time.Duration) (time.Duration, error) {
		n, ok := sched[key].(float64)
		if !ok || n < 1 || n != float64(int64(n)) {
			return 0, invalid("trigger", "a CRON trigger of type %v needs settings.schedule.%s, a whole number ≥ 1", settings["type"], key)
		}
		return time.Duration(n) * unit, nil
	}
	switch settings["type"] {
	case "MINUTES":
		return every("minute", time.Minute)
	case "HOURS":
		return every("hour", time.Hour)
	case "DAYS":
		return every("day", 24*time.Hour)
	case "CUSTOM":
		p, _ := settings["pattern"].(string)
		f := strings.Fields(p)
		unit := time.Minute
		if len(f) == 6 {
			unit = time.Second
		}
		if (len(f) == 5 || len(f) == 6) && strings.Count(p, "*") == len(f) {
			n := 1
			if rest, ok := strings.CutPrefix(f[0], "*/"); ok {
				var err error
				if n, err = strconv.Atoi(rest); err != nil || n < 1 {
					n = 0
				}
			} else if f[0] != "*" {
				n = 0
			}
			if n > 0 {
				return time.Duration(n) * unit, nil
			}
		}
		return 0, invalid("trigger", "CRON pattern %q is not supported here: use \"*/N * * * *\" (minutes) or \"*/N * * * * *\" (seconds)", p)
	}
	return 0, invalid("trigger", "a CRON trigger needs settings.type MINUTES, HOURS, DAYS or CUSTOM, got %v", settings["type"])
}
