package events

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	lib "github.com/vmihailenco/msgpack/v5"
)

type mpInner struct {
	Value string `msgpack:"value"`
	N     int    `msgpack:"n,omitempty"`
}

type mpPayload struct {
	ID       string         `msgpack:"id"`
	Plain    string         // untagged: named after the Go field
	Skip     string         `msgpack:"-"`
	Opt      string         `msgpack:"opt,omitempty"`
	Flag     *bool          `msgpack:"flag,omitempty"`
	Count    int            `msgpack:"count"`
	Big      int64          `msgpack:"big"`
	Small    int8           `msgpack:"small"`
	U        uint16         `msgpack:"u"`
	F        float64        `msgpack:"f"`
	F32      float32        `msgpack:"f32"`
	Any      any            `msgpack:"any"`
	List     []string       `msgpack:"list"`
	Inners   []mpInner      `msgpack:"inners,omitempty"`
	PInner   *mpInner       `msgpack:"pinner,omitempty"`
	PList    *[]mpInner     `msgpack:"plist,omitempty"`
	Empty    mpInner        `msgpack:"empty,omitempty"`
	Data     map[string]any `msgpack:"data"`
	Bytes    []byte         `msgpack:"bytes"`
	At       time.Time      `msgpack:"at"`
	Strs     map[string]string
	unexport string
}

// The codec writes what github.com/vmihailenco/msgpack/v5 wrote (the
// payloads stored so far) and reads it back the same way.
func TestMsgpackMatchesLibrary(t *testing.T) {
	yes := true
	long := strings.Repeat("x", 300)
	values := []any{
		nil, true, false, 0, 1, 127, 128, 255, 256, 65535, 65536, math.MaxInt64, -1, -32, -33, -128, -129, -40000, math.MinInt64,
		int8(-5), int16(7), int32(-70000), int64(3), uint(300), uint8(200), uint32(5), uint64(math.MaxUint64),
		1.5, float32(2.25), math.Inf(1), "", "short", strings.Repeat("y", 31), strings.Repeat("y", 32), long, strings.Repeat("z", 70000),
		[]byte{1, 2}, []byte(nil), []any{}, []any{1, "a", nil, []any{true}}, make([]any, 20),
		map[string]any{}, map[string]any{"k": map[string]any{"n": 1.25, "s": []any{"a"}}},
		map[string]any{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9, "j": 10, "k": 11, "l": 12, "m": 13, "n": 14, "o": 15, "p": 16, "q": 17},
		time.Unix(1700000000, 0).UTC(), time.Unix(1700000000, 123456789).UTC(), time.Unix(1<<35, 5).UTC(), time.Time{},
		mpPayload{}, &mpPayload{
			ID: "id", Plain: "p", Skip: "s", Opt: "o", Flag: &yes, Count: 300, Big: -1, Small: 3, U: 9, F: 0.1, F32: 1.5,
			Any: map[string]any{"x": []any{1.0, "y"}}, List: []string{"a", long}, Inners: []mpInner{{Value: "v"}, {Value: "w", N: 2}},
			PInner: &mpInner{}, PList: &[]mpInner{{Value: "q"}}, Empty: mpInner{N: 1}, Data: map[string]any{"name": "Acme", "employees": 12.0, "tags": []any{"a"}, "none": nil},
			Bytes: []byte("raw"), At: time.Unix(1700000000, 42).UTC(), Strs: map[string]string{"a": "b"}, unexport: "u",
		},
	}
	for _, v := range values {
		theirs, err := lib.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		mine, err := marshalMsgpack(v)
		if err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		// Maps iterate in random order: compare bytes for one-key maps
		// and the decoded values always.
		var a, b any
		if err := lib.Unmarshal(theirs, &a); err != nil {
			t.Fatal(err)
		}
		if err := lib.Unmarshal(mine, &b); err != nil {
			t.Fatalf("%T: the library cannot read ours: %v", v, err)
		}
		if len(mine) != len(theirs) || !reflect.DeepEqual(a, b) {
			t.Errorf("%T %v: wrote %x, the library %x", v, v, mine, theirs)
		}
		d := decoder{data: theirs}
		if c, err := d.value(); err != nil || !reflect.DeepEqual(a, c) {
			t.Errorf("%T: read %#v (%v), the library %#v", v, c, err, a)
		}
		if _, ok := v.(*mpPayload); ok {
			var got, want mpPayload
			if err := unmarshalMsgpack(theirs, &got); err != nil {
				t.Fatal(err)
			}
			if err := lib.Unmarshal(theirs, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("struct: read %#v, the library %#v", got, want)
			}
		}
	}
	var m map[string]any
	if err := unmarshalMsgpack([]byte{0x81, 0xa1, 'k'}, &m); err == nil {
		t.Error("truncated payload decoded")
	}
}
