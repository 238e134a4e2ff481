package wire

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"testing"
)

// put mirrors the shell's put (shell.mjs) for the tests.
func put(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, TagNull)
	case float64:
		tag := byte(TagFloat)
		if x == math.Trunc(x) {
			tag = TagInt
		}
		return binary.LittleEndian.AppendUint64(append(b, tag), math.Float64bits(x))
	case string:
		return append(binary.LittleEndian.AppendUint32(append(b, TagText), uint32(len(x))), x...)
	case []byte:
		return append(binary.LittleEndian.AppendUint32(append(b, TagBlob), uint32(len(x))), x...)
	}
	panic(v)
}

func TestDecodeRows(t *testing.T) {
	var b []byte
	for _, v := range []any{2.0, 4.0, "k", "v", 1.0, "héllo", -3.0, 2.5, 7.0, nil, 2.0, []byte{0, 255}} {
		b = put(b, v)
	}
	rows, err := DecodeRows(b)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{{int64(1), "héllo"}, {int64(-3), 2.5}, {int64(7), nil}, {int64(2), []byte{0, 255}}}
	if !reflect.DeepEqual(rows.Columns, []string{"k", "v"}) || !reflect.DeepEqual(rows.Values, want) {
		t.Fatalf("got %v %v", rows.Columns, rows.Values)
	}
	if _, err := DecodeRows(b[:len(b)-1]); err == nil {
		t.Fatal("a truncated answer decoded")
	}
	if _, err := DecodeRows(put(put(nil, 1e9), 1.0)); err == nil {
		t.Fatal("a column count beyond the buffer decoded")
	}
}

func TestAppendStatement(t *testing.T) {
	type name string
	b, err := AppendStatement(nil, 7, []any{nil, int64(-2), 1.5, "é", []byte{9}, true, name("n")})
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	want := le.AppendUint32(le.AppendUint32(nil, 7), 7)
	want = append(want, TagNull)
	want = le.AppendUint64(append(want, TagInt), math.Float64bits(-2))
	want = le.AppendUint64(append(want, TagFloat), math.Float64bits(1.5))
	want = append(le.AppendUint32(append(want, TagText), 2), "é"...)
	want = append(le.AppendUint32(append(want, TagBlob), 1), 9)
	want = le.AppendUint64(append(want, TagInt), math.Float64bits(1))
	want = append(le.AppendUint32(append(want, TagText), 1), 'n')
	if !reflect.DeepEqual(b, want) {
		t.Fatalf("got  %v\nwant %v", b, want)
	}
	if _, err := AppendStatement(nil, 1, []any{struct{}{}}); err == nil {
		t.Fatal("a struct parameter was accepted")
	}
}

// Optional fields (*string and the like) bind as database/sql binds them.
func TestAppendPointers(t *testing.T) {
	s, none := "x", (*string)(nil)
	b, err := AppendStatement(nil, 1, []any{&s, none})
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	want := le.AppendUint32(le.AppendUint32(nil, 1), 2)
	want = append(le.AppendUint32(append(want, TagText), 1), 'x')
	want = append(want, TagNull)
	if !reflect.DeepEqual(b, want) {
		t.Fatalf("got  %v\nwant %v", b, want)
	}
}

// Bind gives the native host the values workerd would receive.
func TestBind(t *testing.T) {
	s := "x"
	got, err := Bind([]any{true, &s, (*int)(nil), int32(3), []byte{1}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []any{int64(1), "x", nil, int64(3), []byte{1}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
	if _, err := Bind([]any{struct{}{}}); err == nil {
		t.Fatal("a struct parameter was bound")
	}
}

// TestDecodeRowsBoxesFromSlabs: values boxed from shared slabs (box.go)
// are the values, of their types, across many rows and garbage
// collections, and the buffer they came from can be reused.
func TestDecodeRowsBoxesFromSlabs(t *testing.T) {
	const n = 2000
	b := put(put(nil, 3.0), float64(n))
	for _, c := range []string{"s", "i", "f"} {
		b = put(b, c)
	}
	for i := 0; i < n; i++ {
		b = put(put(put(b, fmt.Sprintf("text %d", i)), float64(1000+i)), float64(i)+0.5)
	}
	rows, err := DecodeRows(b)
	if err != nil {
		t.Fatal(err)
	}
	clear(b)
	runtime.GC()
	for i, row := range rows.Values {
		runtime.GC()
		if row[0] != fmt.Sprintf("text %d", i) || row[1] != int64(1000+i) || row[2] != float64(i)+0.5 {
			t.Fatalf("row %d is %#v", i, row)
		}
		if i > 50 {
			break
		}
	}
	for i, row := range rows.Values {
		if row[0] != fmt.Sprintf("text %d", i) || row[1] != int64(1000+i) || row[2] != float64(i)+0.5 {
			t.Fatalf("row %d is %#v", i, row)
		}
	}
}
