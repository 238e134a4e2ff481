package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"edgecrm/tests/benchdata"
)

// slowJSON is decodeJSON's encoding/json path.
func slowJSON(body string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errTrailing
	}
	return v, nil
}

var errTrailing = errors.New("trailing data")

// TestFastJSON: where fastJSON decodes, it decodes what encoding/json does;
// where encoding/json fails, fastJSON gives up.
func TestFastJSON(t *testing.T) {
	d := benchdata.Generate(0.002)
	bulk, _ := json.Marshal(append(append(d.Companies, d.People...), d.Notes...))
	cases := []string{string(bulk),
		`{}`, `[]`, ` [ ] `, `{"a":1,"a":2}`, `{"n":-0.5e+10,"z":0,"x":[1,2.0,-3E2,true,false,null,"é"]}`,
		`{"a":{"b":{"c":[{}]}}}`, "\t{\"a\"\r\n:\"b\"}\n", `"x"`, `12`, `null`,
		`{"a":"\u00e9"}`, `{"a":"x\"y"}`, "{\"a\":\"\xff\"}", `01`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `[1 2]`,
		`1 2`, `{} x`, `-`, `1.`, `1e`, `.5`, `tru`, `nul`, `[`, `{"a":`, `{"a`, "\"a\x01\"", `+1`, `{"a":NaN}`, "\ufeff{}",
	}
	for _, c := range cases {
		want, err := slowJSON(c)
		got, ok := fastJSON(c)
		if err != nil && ok {
			t.Errorf("%.60q: fastJSON decoded %v where encoding/json failed: %v", c, got, err)
		}
		if ok && !reflect.DeepEqual(got, want) {
			t.Errorf("%.60q: fastJSON %#v, encoding/json %#v", c, got, want)
		}
	}
	if _, ok := fastJSON(string(bulk)); !ok {
		t.Error("fastJSON gave up on the bench's records")
	}
}
