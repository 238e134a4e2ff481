package workflow

import (
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

// A real cron: lists, ranges, steps, `*`, names, seconds, the day rule,
// all in UTC.
func TestCronNext(t *testing.T) {
	for _, c := range []struct{ pattern, after, want string }{
		{"* * * * *", "2026-03-04 10:20:30", "2026-03-04 10:21:00"},
		{"*/15 * * * *", "2026-03-04 10:20:30", "2026-03-04 10:30:00"},
		{"5,35 * * * *", "2026-03-04 10:35:00", "2026-03-04 11:05:00"},
		{"0 9-17/4 * * *", "2026-03-04 13:00:00", "2026-03-04 17:00:00"},
		{"0 9-17/4 * * *", "2026-03-04 17:00:00", "2026-03-05 09:00:00"},
		{"30 2 * * 1-5", "2026-03-06 03:00:00", "2026-03-09 02:30:00"},     // Friday after: Monday
		{"0 0 * * SUN", "2026-03-04 00:00:00", "2026-03-08 00:00:00"},      // by name
		{"0 0 * * 7", "2026-03-04 00:00:00", "2026-03-08 00:00:00"},        // 7 is Sunday
		{"0 12 1 jan,jul *", "2026-03-04 00:00:00", "2026-07-01 12:00:00"}, // month names
		{"0 0 13 * 5", "2026-03-01 00:00:00", "2026-03-06 00:00:00"},       // day-of-month OR weekday: Friday 6th first
		{"0 0 29 2 *", "2026-03-01 00:00:00", "2028-02-29 00:00:00"},       // leap day
		{"10/20 * * * *", "2026-03-04 10:31:00", "2026-03-04 10:50:00"},    // a/step
		{"*/2 * * * * *", "2026-03-04 10:20:31", "2026-03-04 10:20:32"},    // seconds first
		{"0 0 0 1 1 *", "2026-12-31 23:59:59", "2027-01-01 00:00:00"},
		{"59 23 31 12 *", "2026-12-31 23:59:00", "2027-12-31 23:59:00"},
	} {
		cr, err := ParseCron(c.pattern)
		if err != nil {
			t.Fatalf("%s: %v", c.pattern, err)
		}
		if got := cr.Next(at(c.after)); !got.Equal(at(c.want)) {
			t.Errorf("Next(%q after %s) = %s, want %s", c.pattern, c.after, got.Format(time.DateTime), c.want)
		}
	}
	// A time in another zone is read in UTC.
	cr, _ := ParseCron("0 9 * * *")
	paris := time.FixedZone("CET", 3600)
	if got := cr.Next(time.Date(2026, 3, 4, 9, 30, 0, 0, paris)); !got.Equal(at("2026-03-04 09:00:00")) {
		t.Errorf("Next in UTC = %s", got)
	}
	for _, bad := range []string{"", "* * * *", "60 * * * *", "* * 0 * *", "* * * 13 *", "*/0 * * * *", "5-1 * * * *", "a * * * *", "* * * * 8"} {
		if _, err := ParseCron(bad); err == nil {
			t.Errorf("ParseCron(%q) accepted", bad)
		}
	}
}

// Twenty's schedule types become its patterns.
func TestCronSchedule(t *testing.T) {
	from := at("2026-03-04 10:20:30")
	for _, c := range []struct {
		settings map[string]any
		want     string
	}{
		{map[string]any{"type": "MINUTES", "schedule": map[string]any{"minute": 10.0}}, "2026-03-04 10:30:00"},
		{map[string]any{"type": "HOURS", "schedule": map[string]any{"hour": 6.0, "minute": 15.0}}, "2026-03-04 12:15:00"},
		{map[string]any{"type": "DAYS", "schedule": map[string]any{"day": 1.0, "hour": 8.0, "minute": 0.0}}, "2026-03-05 08:00:00"},
		{map[string]any{"type": "DAYS", "schedule": map[string]any{"day": 1.0, "hour": 11.0, "minute": 0.0}}, "2026-03-04 11:00:00"},
		{map[string]any{"type": "CUSTOM", "pattern": "0 9 * * 1"}, "2026-03-09 09:00:00"},
	} {
		cr, err := CronSchedule(c.settings)
		if err != nil {
			t.Fatalf("%v: %v", c.settings, err)
		}
		if got := cr.Next(from); !got.Equal(at(c.want)) {
			t.Errorf("%v: next %s, want %s", c.settings, got.Format(time.DateTime), c.want)
		}
	}
	for _, bad := range []map[string]any{
		{"type": "MINUTES", "schedule": map[string]any{"minute": 0.0}},
		{"type": "DAYS", "schedule": map[string]any{"day": 1.0, "hour": 8.0}},
		{"type": "CUSTOM", "pattern": "nope"},
		{"type": "YEARS"},
	} {
		if _, err := CronSchedule(bad); err == nil {
			t.Errorf("CronSchedule(%v) accepted", bad)
		}
	}
}
