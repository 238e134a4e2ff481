package query

import (
	"strings"
	"testing"

	"edgecrm/sqldb"
	"edgecrm/sqldb/sqlitedb"
)

// sqliteLike evaluates a like (GLOB after likeToGlob) or ilike (LIKE ...
// ESCAPE '\') pattern as the compiled SQL does, on real SQLite.
func sqliteLike(t testing.TB, db sqldb.DB, pattern, s string, ilike bool) bool {
	t.Helper()
	q, arg := `SELECT ? GLOB ?`, likeToGlob(pattern)
	if ilike {
		q, arg = `SELECT ? LIKE ? ESCAPE '\'`, pattern
	}
	rows, err := db.Exec(q, s, arg)
	if err != nil {
		t.Fatalf("%s %q %q: %v", q, s, arg, err)
	}
	return rows.Int() == 1
}

func memDB(t testing.TB) sqldb.DB {
	t.Helper()
	db := sqlitedb.MustOpen(t)
	return db
}

// The matcher agrees with SQLite's GLOB (like) and LIKE (ilike) on
// wildcards, escapes, case folding (ASCII only for ilike, none for like),
// multibyte characters and pathological patterns.
func TestLikeAgreesWithSQLite(t *testing.T) {
	db := memDB(t)
	long := strings.Repeat("a", 200)
	cases := []struct{ pat, s string }{
		{"a%c", "abbbc"}, {"a%c", "ABBBC"}, {"A%C", "abbbc"}, {"_", "é"}, {"__", "é"}, {"%", ""}, {"", ""}, {"", "a"},
		{"a\\%", "a%"}, {"a\\%", "ab"}, {"a\\", "a\\"}, {"a\\_", "a_"}, {"a\\_", "ab"}, {"\\a", "a"},
		{"É", "é"}, {"é", "É"}, {"straße", "STRASSE"}, {"%[x]%", "a[x]b"}, {"%*%", "a*b"}, {"?", "a"}, {"?", "?"},
		{"%a%b", "aXbXb"}, {"%ab%ab", "abab"}, {"%ab%ab", "aabab"}, {"a%%b", "ab"}, {"%_%", ""}, {"%_%", "x"},
		{"%a_c", "abcac"}, {"_%_", "a"}, {"_%_", "ab"}, {"%\\%%", "50%"}, {"%\\%%", "50"},
		{"%a%a%a%a%a%a%b", long}, {"%a%a%a%a%a%a%b", long + "b"}, {"%a%a%a%a%a%a%a", long},
		{"%A%A%A%A%A%A%B", long + "B"}, {"_" + strings.Repeat("%a", 20), long},
	}
	for _, c := range cases {
		for _, ilike := range []bool{false, true} {
			got, _ := parseLike(c.pat, ilike).match(c.s)
			if want := sqliteLike(t, db, c.pat, c.s, ilike); got != want {
				t.Errorf("%q ~ %q (ilike=%v): matcher %v, SQLite %v", c.s, c.pat, ilike, got, want)
			}
		}
	}
}

// Issue 9, defect 3: a 14-byte pattern made the old recursive matcher take
// seconds. The steps are now bounded by (len(s)+1)·(len(pattern)+2).
func TestLikeStepsAreBounded(t *testing.T) {
	for _, c := range []struct{ pat, s string }{
		{"%a%a%a%a%a%a%b", strings.Repeat("a", 10000)},
		{"%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%b", strings.Repeat("a", 5000)},
		{strings.Repeat("%_", 50) + "b", strings.Repeat("é", 3000)},
		{"%" + strings.Repeat("a", 100) + "b", strings.Repeat("a", 5000)},
	} {
		for _, ilike := range []bool{false, true} {
			p := parseLike(c.pat, ilike)
			ok, steps := p.match(c.s)
			bound := (len(c.s) + 1) * (len(p.toks) + 2)
			if ok || steps > bound {
				t.Errorf("%q on %d bytes (ilike=%v): match %v in %d steps, bound %d", c.pat, len(c.s), ilike, ok, steps, bound)
			}
		}
	}
	// The same through a Matcher: its step count covers the LIKE work.
	s := testSchema()
	m, err := NewMatcher(s, s.Object("company"), map[string]any{"name": map[string]any{"ilike": "%a%a%a%a%a%a%b"}})
	if err != nil {
		t.Fatal(err)
	}
	row := map[string]any{"id": "x", "name": strings.Repeat("a", 10000)}
	ok, steps, err := m.match(row, nil)
	if err != nil || ok || steps > 10001*16+10 {
		t.Errorf("matcher: %v in %d steps (%v)", ok, steps, err)
	}
}
