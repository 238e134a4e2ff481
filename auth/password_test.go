package auth

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestPasswordRoundTrip(t *testing.T) {
	tests := []struct{ name, pw string }{
		{"ascii", "correct horse battery staple"},
		{"unicode", "pässwörd-🔑"},
		{"max length", strings.Repeat("x", MaxPasswordBytes)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := cheapParams.Hash(tc.pw)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := VerifyPassword(h, tc.pw); !ok || err != nil {
				t.Fatalf("right password: %v %v", ok, err)
			}
			if ok, err := VerifyPassword(h, tc.pw[:len(tc.pw)-1]+"?"); ok || err != nil {
				t.Fatalf("wrong password: %v %v", ok, err)
			}
			h2, _ := cheapParams.Hash(tc.pw)
			if h == h2 {
				t.Fatal("two hashes of one password are equal: salt not random")
			}
		})
	}
}

func TestDefaultParams(t *testing.T) {
	h, err := HashPassword("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(h) {
		t.Fatalf("PHC = %s", h)
	}
	if ok, err := VerifyPassword(h, "s3cret"); !ok || err != nil {
		t.Fatalf("verify: %v %v", ok, err)
	}
	if ok, _ := VerifyPassword(h, "s3creT"); ok {
		t.Fatal("wrong password verified")
	}
	if NeedsRehash(h, DefaultParams) || !NeedsRehash(h, cheapParams) {
		t.Fatal("NeedsRehash")
	}
}

func TestPasswordRefused(t *testing.T) {
	h, _ := cheapParams.Hash("pw")
	for name, pw := range map[string]string{"empty": "", "too long": strings.Repeat("x", MaxPasswordBytes+1)} {
		if _, err := cheapParams.Hash(pw); err == nil {
			t.Errorf("Hash(%s) succeeded", name)
		}
		if ok, err := VerifyPassword(h, pw); ok || err == nil {
			t.Errorf("VerifyPassword(%s) = %v, %v", name, ok, err)
		}
	}
	if _, err := HashPassword(""); !errors.Is(err, ErrEmptyPassword) {
		t.Errorf("empty: %v", err)
	}
	if _, err := HashPassword(strings.Repeat("x", 1025)); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("too long: %v", err)
	}
	if _, err := (Params{Memory: MaxMemoryKiB + 1, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}).Hash("pw"); err == nil {
		t.Error("over-limit params accepted")
	}
}

func TestPHCParsing(t *testing.T) {
	good, _ := cheapParams.Hash("pw")
	f := strings.Split(good, "$") // "", alg, v, params, salt, hash
	join := func(alg, v, params, salt, hash string) string {
		return strings.Join([]string{"", alg, v, params, salt, hash}, "$")
	}
	salt, hash := f[4], f[5]
	bad := map[string]string{
		"empty":              "",
		"bcrypt":             "$2b$10$abcdefghijklmnopqrstuu5r7sn0nUvN7bZz0p8jF0l4p0vCqXGa",
		"argon2i":            join("argon2i", "v=19", "m=64,t=1,p=1", salt, hash),
		"argon2d":            join("argon2d", "v=19", "m=64,t=1,p=1", salt, hash),
		"no version":         strings.Join([]string{"", "argon2id", "m=64,t=1,p=1", salt, hash}, "$"),
		"version 16":         join("argon2id", "v=16", "m=64,t=1,p=1", salt, hash),
		"params reordered":   join("argon2id", "v=19", "t=1,m=64,p=1", salt, hash),
		"missing param":      join("argon2id", "v=19", "m=64,t=1", salt, hash),
		"extra param":        join("argon2id", "v=19", "m=64,t=1,p=1,k=2", salt, hash),
		"non-numeric":        join("argon2id", "v=19", "m=lots,t=1,p=1", salt, hash),
		"negative":           join("argon2id", "v=19", "m=64,t=-1,p=1", salt, hash),
		"leading zero":       join("argon2id", "v=19", "m=064,t=1,p=1", salt, hash),
		"t=0":                join("argon2id", "v=19", "m=64,t=0,p=1", salt, hash),
		"p=0":                join("argon2id", "v=19", "m=64,t=1,p=0", salt, hash),
		"memory bomb":        join("argon2id", "v=19", "m=4194304,t=1,p=1", salt, hash),
		"time bomb":          join("argon2id", "v=19", "m=64,t=1000,p=1", salt, hash),
		"p=255":              join("argon2id", "v=19", "m=4096,t=1,p=255", salt, hash),
		"overflowing m":      join("argon2id", "v=19", "m=99999999999,t=1,p=1", salt, hash),
		"padded salt":        join("argon2id", "v=19", "m=64,t=1,p=1", salt+"==", hash),
		"url-safe base64":    join("argon2id", "v=19", "m=64,t=1,p=1", "ab-_ab-_ab-_ab-_ab-_ab", hash),
		"short salt":         join("argon2id", "v=19", "m=64,t=1,p=1", "AAAA", hash),
		"short hash":         join("argon2id", "v=19", "m=64,t=1,p=1", salt, "AAAAAAAA"),
		"empty hash":         join("argon2id", "v=19", "m=64,t=1,p=1", salt, ""),
		"trailing field":     good + "$x",
		"no leading dollar":  good[1:],
		"non-canonical bits": join("argon2id", "v=19", "m=64,t=1,p=1", salt[:len(salt)-1]+"B", hash),
	}
	for name, s := range bad {
		t.Run(name, func(t *testing.T) {
			ok, err := VerifyPassword(s, "pw")
			if ok || !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("VerifyPassword = %v, %v; want ErrMalformedHash", ok, err)
			}
			if !NeedsRehash(s, cheapParams) {
				t.Fatal("NeedsRehash false for a bad string")
			}
		})
	}
	if ok, err := VerifyPassword(good, "pw"); !ok || err != nil {
		t.Fatalf("good: %v %v", ok, err)
	}
	// Parameters come from the string, not from the caller.
	other := Params{Memory: 128, Time: 2, Threads: 2, SaltLen: 8, KeyLen: 16}
	h, _ := other.Hash("pw")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=128,t=2,p=2$") {
		t.Fatalf("PHC = %s", h)
	}
	if ok, err := VerifyPassword(h, "pw"); !ok || err != nil {
		t.Fatalf("other params: %v %v", ok, err)
	}
}
