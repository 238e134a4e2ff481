package projections

import (
	"strings"
	"testing"

	"edgecrm/domain"
)

// joinQuoted is the columns quoted as Q quotes them, joined by ", ".
func TestJoinQuoted(t *testing.T) {
	for _, cols := range [][]string{nil, {"id"}, {"id", "nameFirstName", `we"ird`, ""}} {
		want := make([]string, len(cols))
		for i, c := range cols {
			want[i] = Q(c)
		}
		if got := joinQuoted(cols); got != strings.Join(want, ", ") {
			t.Errorf("joinQuoted(%q) = %s, want %s", cols, got, strings.Join(want, ", "))
		}
	}
}

// A value kept per object is built once per object and prefix, and an
// edited object (a copy) gets its own.
func TestPerObject(t *testing.T) {
	var c perObject[string]
	builds := 0
	get := func(o *domain.Object, prefix string) string {
		return c.get(o, prefix, func() string { builds++; return prefix + o.NameSingular })
	}
	a := &domain.Object{NameSingular: "company"}
	edited := *a
	edited.NameSingular = "firm"
	for range 3 {
		if get(a, "") != "company" || get(a, "w_1_") != "w_1_company" || get(&edited, "") != "firm" {
			t.Fatal("a value of another object or prefix")
		}
	}
	if builds != 3 {
		t.Fatalf("%d builds for 3 keys", builds)
	}
	for i := range maxPerObject + 1 { // past the bound it starts over
		get(&domain.Object{NameSingular: "o"}, string(rune('a'+i%26)))
	}
	if len(c.m) > maxPerObject {
		t.Fatalf("%d values kept, bound %d", len(c.m), maxPerObject)
	}
}
