package domain

import (
	"math/rand"
	"regexp"
	"testing"
)

// The hand-written matchers agree with the patterns they replace, on
// chosen and on random strings over the characters that matter.
func TestMatchersAgreeWithRegexp(t *testing.T) {
	domainLabel := `[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?`
	hostName := `(?:` + domainLabel + `\.)+\p{L}{2,63}`
	cases := []struct {
		name     string
		re       *regexp.Regexp
		f        func(string) bool
		alphabet []string
		samples  []string
	}{
		{"uuid", regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`), isUUID,
			[]string{"0", "a", "F", "g", "-"}, []string{"20202020-0000-4000-8000-000000000001", "20202020-0000-4000-8000-00000000000", "20202020-0000-4000-8000-00000000000G", "20202020x0000-4000-8000-000000000001"}},
		{"email", regexp.MustCompile("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@" + hostName + "$"), isEmail,
			[]string{"a", "Z", "9", ".", "@", "-", "é", "١", "!", " ", "\u00a0"}, []string{"a@b.co", "a.b@c.de", ".a@b.co", "a..b@c.de", "a@b.c", "a@-b.co", "a@b-.co", "a@b.c1", "ü@exämple.de", "a@b@c.de", "a@localhost"}},
		{"url", regexp.MustCompile(`(?i)^(?:https?://)?(?:` + hostName + `|localhost|\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?(?:[/?#]\S*)?$`), isURL,
			[]string{"a", "b", ".", ":", "/", "?", "#", "1", "-", " ", "\t", "h", "ttp", "s://", "é", "localhost", "HTTP://", "co"},
			[]string{"example.com", "https://example.com/a b", "http://example.com:8080/x?y#z", "HTTPS://EXAMPLE.COM", "localhost:3000", "1.2.3.4", "1.2.3", "1.2.3.4:123456", "http://", "ftp://a.co", "a.co:", "a.co/\u00a0", "http://http://a.co", "LocalHost#x", "a.b.c.de?x=1"}},
		{"metadataName", regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`), func(s string) bool { return Span(s, 1, len(s), IsLower, IsAlnum) },
			[]string{"a", "Z", "0", "_", "é"}, []string{"", "a", "aB1", "Ab", "1a"}},
		{"optionValue", regexp.MustCompile(`^[A-Za-z0-9_]+$`), func(s string) bool { return Span(s, 1, len(s), nil, isWordChar) },
			[]string{"a", "Z", "0", "_", "-", " "}, []string{"", "OPTION_1", "a-b"}},
	}
	rng := rand.New(rand.NewSource(1))
	for _, c := range cases {
		check := func(s string) {
			if got, want := c.f(s), c.re.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, regexp says %v", c.name, s, got, want)
			}
		}
		for _, s := range c.samples {
			check(s)
		}
		for i := 0; i < 20000; i++ {
			s := ""
			for n := rng.Intn(12); n > 0; n-- {
				s += c.alphabet[rng.Intn(len(c.alphabet))]
			}
			check(s)
		}
	}
}
