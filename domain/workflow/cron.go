package workflow

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cron is a parsed cron pattern, matched in UTC: five fields (minute hour
// day-of-month month day-of-week) or six with seconds first, as the
// cron-parser library Twenty uses reads them. Each field is a comma list
// of `*`, `n`, `a-b`, each optionally `/step`; months and weekdays also by
// their three-letter English names; weekday 7 is Sunday, like 0.
type Cron struct {
	sec, min, hour, dom, month, dow uint64 // bit n: value n matches
	domAny, dowAny                  bool   // the field was `*` (or `*/1`)
}

var cronNames = map[int]map[string]int{
	4: {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12},
	5: {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6},
}

// ParseCron parses pattern (see Cron).
func ParseCron(pattern string) (*Cron, error) {
	f := strings.Fields(pattern)
	if len(f) == 5 {
		f = append([]string{"0"}, f...)
	}
	if len(f) != 6 {
		return nil, fmt.Errorf("cron pattern %q: want 5 fields (minute hour day month weekday) or 6 (seconds first)", pattern)
	}
	c := &Cron{}
	bounds := [6][2]int{{0, 59}, {0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}}
	dst := [6]*uint64{&c.sec, &c.min, &c.hour, &c.dom, &c.month, &c.dow}
	for i, field := range f {
		bits, any, err := cronField(field, bounds[i][0], bounds[i][1], cronNames[i])
		if err != nil {
			return nil, fmt.Errorf("cron pattern %q: %w", pattern, err)
		}
		*dst[i] = bits
		switch i {
		case 3:
			c.domAny = any
		case 5:
			c.dowAny = any
		}
	}
	if c.dow&(1<<7) != 0 {
		c.dow |= 1 // 7 is Sunday
	}
	return c, nil
}

// cronField parses one field into a bit set; any: it was `*` (every value).
func cronField(field string, lo, hi int, names map[string]int) (bits uint64, any bool, err error) {
	num := func(s string) (int, error) {
		if n, ok := names[strings.ToLower(s)]; ok {
			return n, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("%q is not a value from %d to %d", s, lo, hi)
		}
		return n, nil
	}
	for _, item := range strings.Split(field, ",") {
		rng, stepText, stepped := strings.Cut(item, "/")
		step := 1
		if stepped {
			if step, err = strconv.Atoi(stepText); err != nil || step < 1 {
				return 0, false, fmt.Errorf("step %q is not a whole number ≥ 1", stepText)
			}
		}
		from, to := lo, hi
		switch a, b, isRange := strings.Cut(rng, "-"); {
		case rng == "*":
			any = any || step == 1
		case isRange:
			if from, err = num(a); err != nil {
				return 0, false, err
			}
			if to, err = num(b); err != nil {
				return 0, false, err
			}
			if to < from {
				return 0, false, fmt.Errorf("range %q runs backwards", rng)
			}
		default:
			if from, err = num(rng); err != nil {
				return 0, false, err
			}
			if !stepped {
				to = from
			}
		}
		for v := from; v <= to; v += step {
			bits |= 1 << v
		}
	}
	return bits, any, nil
}

func has(bits uint64, v int) bool { return bits&(1<<v) != 0 }

// dayMatches applies cron's day rule: with both day-of-month and weekday
// restricted, either may match; otherwise the restricted one must.
func (c *Cron) dayMatches(t time.Time) bool {
	d, w := has(c.dom, t.Day()), has(c.dow, int(t.Weekday()))
	if !c.domAny && !c.dowAny {
		return d || w
	}
	return d && w
}

// Next returns the first time strictly after t (in UTC, to the second)
// the pattern matches; the zero time when none does within five years
// (a pattern such as "0 0 30 2 *").
func (c *Cron) Next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Second).Add(time.Second)
	end := t.AddDate(5, 0, 0)
	for t.Before(end) {
		switch {
		case !has(c.month, int(t.Month())):
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		case !c.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
		case !has(c.hour, t.Hour()):
			t = t.Truncate(time.Hour).Add(time.Hour)
		case !has(c.min, t.Minute()):
			t = t.Truncate(time.Minute).Add(time.Minute)
		case !has(c.sec, t.Second()):
			t = t.Add(time.Second)
		default:
			return t
		}
	}
	return time.Time{}
}

// CronSchedule is a CRON trigger's schedule, as Twenty computes it from
// settings.type: CUSTOM {pattern}; DAYS {schedule: {day, hour, minute}}
// is "minute hour */day * *"; HOURS {schedule: {hour, minute}} is
// "minute */hour * * *"; MINUTES {schedule: {minute}} is "*/minute * * * *".
func CronSchedule(settings map[string]any) (*Cron, error) {
	sched, _ := settings["schedule"].(map[string]any)
	get := func(key string, lo, hi int) (int, error) {
		n, ok := sched[key].(float64)
		if !ok || n != float64(int(n)) || int(n) < lo || int(n) > hi {
			return 0, invalid("trigger", "a CRON trigger of type %v needs settings.schedule.%s, a whole number from %d to %d", settings["type"], key, lo, hi)
		}
		return int(n), nil
	}
	var pattern string
	switch settings["type"] {
	case "CUSTOM":
		pattern, _ = settings["pattern"].(string)
	case "DAYS":
		day, err1 := get("day", 1, 31)
		hour, err2 := get("hour", 0, 23)
		minute, err3 := get("minute", 0, 59)
		if err := firstErr(err1, err2, err3); err != nil {
			return nil, err
		}
		pattern = fmt.Sprintf("%d %d */%d * *", minute, hour, day)
	case "HOURS":
		hour, err1 := get("hour", 1, 23)
		minute, err2 := get("minute", 0, 59)
		if err := firstErr(err1, err2); err != nil {
			return nil, err
		}
		pattern = fmt.Sprintf("%d */%d * * *", minute, hour)
	case "MINUTES":
		minute, err := get("minute", 1, 59)
		if err != nil {
			return nil, err
		}
		pattern = fmt.Sprintf("*/%d * * * *", minute)
	default:
		return nil, invalid("trigger", "a CRON trigger needs settings.type MINUTES, HOURS, DAYS or CUSTOM, got %v", settings["type"])
	}
	c, err := ParseCron(pattern)
	if err != nil {
		return nil, invalid("trigger", "%v", err)
	}
	if c.Next(time.Unix(0, 0)).IsZero() {
		return nil, invalid("trigger", "cron pattern %q never fires", pattern)
	}
	return c, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
