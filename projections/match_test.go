package projections

import (
	"math/rand"
	"regexp"
	"testing"
)

// indexName and isFieldName agree with the patterns they replace.
func TestIndexNameAgreesWithRegexp(t *testing.T) {
	re := regexp.MustCompile(`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?("(?:[^"]|"")*"|\S+)`)
	field := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	rng := rand.New(rand.NewSource(1))
	alphabet := []string{"CREATE", "UNIQUE", "INDEX", "IF", "NOT", "EXISTS", " ", "\n", `"`, `""`, "a", "_", "(", "1", "É"}
	samples := []string{`CREATE INDEX IF NOT EXISTS "company_name" ON "company" ("name")`, `CREATE UNIQUE INDEX "a""b" ON x`, `CREATE TABLE x`, `CREATE INDEX IF x`, `CREATE INDEX "a""`}
	for i := 0; i < 50000; i++ {
		s := ""
		if i < len(samples) {
			s = samples[i]
		} else {
			for n := rng.Intn(12); n > 0; n-- {
				s += alphabet[rng.Intn(len(alphabet))]
			}
		}
		want := ""
		if m := re.FindStringSubmatch(s); m != nil {
			want = m[1]
		}
		if got := indexName(s); got != want {
			t.Fatalf("indexName(%q) = %q, regexp gives %q", s, got, want)
		}
		if got, want := isFieldName(s), field.MatchString(s); got != want {
			t.Fatalf("isFieldName(%q) = %v, regexp gives %v", s, got, want)
		}
	}
}
