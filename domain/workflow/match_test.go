package workflow

import (
	"math/rand"
	"reflect"
	"regexp"
	"testing"
)

// Resolve's variable scanner and EventName agree with the patterns they
// replace.
func TestVarScannerAgreesWithRegexp(t *testing.T) {
	wholeVarRE := regexp.MustCompile(`^\{\{\s*([^{}]+?)\s*\}\}$`)
	varRE := regexp.MustCompile(`\{\{\s*([^{}]+?)\s*\}\}`)
	eventNameRE := regexp.MustCompile(`^([A-Za-z][A-Za-z0-9]*)\.(created|updated|deleted|upserted|destroyed)$`)
	ctx := map[string]any{"a": "A", "b": map[string]any{"c": 1.5}, " ": "space"}
	rng := rand.New(rand.NewSource(1))
	alphabet := []string{"{", "}", "{{", "}}", " ", "\t", "a", "b", ".", "c", "x"}
	for i := 0; i < 50000; i++ {
		s := ""
		for n := rng.Intn(10); n > 0; n-- {
			s += alphabet[rng.Intn(len(alphabet))]
		}
		var want any = s
		if m := wholeVarRE.FindStringSubmatch(s); m != nil {
			want, _ = Lookup(ctx, m[1])
		} else if regexp.MustCompile(`\{\{`).MatchString(s) {
			want = varRE.ReplaceAllStringFunc(s, func(v string) string {
				val, ok := Lookup(ctx, varRE.FindStringSubmatch(v)[1])
				if !ok || val == nil {
					return ""
				}
				return text(val)
			})
		}
		if got := Resolve(s, ctx); !reflect.DeepEqual(got, want) {
			t.Fatalf("Resolve(%q) = %#v, regexp gives %#v", s, got, want)
		}
	}
	for _, name := range []string{"company.created", "Company2.updated", "company.upserted", "2company.created", "company.create", "a.b.created", ".created", "company.", "c.destroyed", "c.deleted"} {
		m := eventNameRE.FindStringSubmatch(name)
		o, a, ok := EventName(&Trigger{Settings: map[string]any{"eventName": name}})
		if ok != (m != nil) || (ok && (o != m[1] || a != m[2])) {
			t.Errorf("EventName(%q) = %q %q %v, regexp gives %q", name, o, a, ok, m)
		}
	}
}
