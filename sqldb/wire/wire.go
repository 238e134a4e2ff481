// Package wire is the binary format of the workerd SQL bridge: the wasm
// core (cmd/worker/jsdb.go) sends a batch of statements to the shell
// (sqlExec in cmd/worker/shell.mjs) and gets the last one's rows back, as
// one batch and without JSON. Integers are little-endian.
//
//	batch: u32 statement count, then per statement: u32 id (its text went
//	       once before, through the prepare import), u32 parameter
//	       count, the parameters
//	rows:  column count, row count, the column names, then the rows'
//	       values one after another: all values
//	value: u8 tag, then nothing (TagNull), a float64 (TagInt, TagFloat) or
//	       u32 length + bytes (TagText, TagBlob)
//
// workerd's SQL API has only doubles for numbers (no bigint either way):
// an integral one crosses as TagInt and comes back as int64, so a REAL 2.0
// reads as int64 2 (the documented bridge difference), and an int64 beyond
// 2^53 loses precision as it did with JSON.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"

	"edgecrm/sqldb"
)

// Value tags.
const (
	TagNull  = 0
	TagInt   = 1 // an integral double
	TagFloat = 2
	TagText  = 3
	TagBlob  = 4
)

var le = binary.LittleEndian

// AppendBatchHeader starts a batch of n statements in b.
func AppendBatchHeader(b []byte, n int) []byte { return le.AppendUint32(b, uint32(n)) }

// AppendStatement appends one statement: its id and its parameters.
func AppendStatement(b []byte, id uint32, args []any) ([]byte, error) {
	b = le.AppendUint32(b, id)
	b = le.AppendUint32(b, uint32(len(args)))
	for _, a := range args {
		var err error
		if b, err = appendValue(b, a); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, TagNull), nil
	case int64:
		return le.AppendUint64(append(b, TagInt), math.Float64bits(float64(x))), nil
	case int:
		return appendValue(b, int64(x))
	case float64:
		return le.AppendUint64(append(b, TagFloat), math.Float64bits(x)), nil
	case string:
		return append(le.AppendUint32(append(b, TagText), uint32(len(x))), x...), nil
	case []byte:
		return append(le.AppendUint32(append(b, TagBlob), uint32(len(x))), x...), nil
	case bool:
		if x {
			return appendValue(b, int64(1))
		}
		return appendValue(b, int64(0))
	}
	// Named and other sized types, as database/sql would convert them.
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return appendValue(b, r.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return appendValue(b, int64(r.Uint()))
	case reflect.Float32, reflect.Float64:
		return appendValue(b, r.Float())
	case reflect.String:
		return appendValue(b, r.String())
	case reflect.Bool:
		return appendValue(b, r.Bool())
	case reflect.Slice:
		if r.Type().Elem().Kind() == reflect.Uint8 {
			return appendValue(b, r.Bytes())
		}
	case reflect.Pointer: // a nil pointer is NULL, as in database/sql
		if r.IsNil() {
			return append(b, TagNull), nil
		}
		return appendValue(b, r.Elem().Interface())
	}
	return nil, fmt.Errorf("sql bridge: unsupported parameter type %T", v)
}

// Bind returns args as the bridge carries them to the host (nil, int64,
// float64, string or []byte), or the error the bridge would give. The native
// host binds through it so that it accepts exactly what workerd accepts.
func Bind(args []any) ([]any, error) {
	out := make([]any, len(args))
	var b []byte
	for i, a := range args {
		var err error
		if b, err = appendValue(b[:0], a); err != nil {
			return nil, err
		}
		r := &reader{b: b, s: string(b)}
		out[i] = r.value()
	}
	return out, nil
}

var errShort = errors.New("sql bridge: truncated rows")

// reader walks a rows buffer; a read past the end sets err and yields zeros.
type reader struct {
	b   []byte
	s   string // b as a string: texts are substrings of it (one allocation for all)
	p   int
	err error
	box *boxes // when set, values are boxed from its slabs (rows)
}

func (r *reader) take(n int) []byte {
	if r.err != nil || n < 0 || r.p+n > len(r.b) {
		r.err = errShort
		return nil
	}
	r.p += n
	return r.b[r.p-n : r.p]
}

// count reads a count (a value); beyond what the rest of b could hold, it
// sets err.
func (r *reader) count() int {
	n, _ := r.value().(int64)
	if n < 0 || n > int64(len(r.b)) {
		r.err = errShort
		return 0
	}
	return int(n)
}

func (r *reader) u32() int {
	if s := r.take(4); s != nil {
		return int(le.Uint32(s))
	}
	return 0
}

func (r *reader) u64() uint64 {
	if s := r.take(8); s != nil {
		return le.Uint64(s)
	}
	return 0
}

// text reads a text value without boxing it ("" for another value).
func (r *reader) text() string {
	if r.p < len(r.b) && r.b[r.p] == TagText {
		r.p++
		n := r.u32()
		if r.take(n) == nil {
			return ""
		}
		return r.s[r.p-n : r.p]
	}
	s, _ := r.value().(string)
	return s
}

func (r *reader) value() any {
	t := r.take(1)
	if t == nil {
		return nil
	}
	switch t[0] {
	case TagNull:
		return nil
	case TagInt:
		n := int64(math.Float64frombits(r.u64()))
		if r.box != nil && (n < 0 || n > 255) { // the runtime boxes 0..255 without allocating
			return r.box.int(n)
		}
		return n
	case TagFloat:
		f := math.Float64frombits(r.u64())
		if r.box != nil {
			return r.box.float(f)
		}
		return f
	case TagText:
		n := r.u32()
		if r.take(n) == nil {
			return ""
		}
		if r.box != nil {
			return r.box.str(r.s[r.p-n : r.p])
		}
		return r.s[r.p-n : r.p]
	case TagBlob:
		return append([]byte{}, r.take(r.u32())...)
	}
	r.err = fmt.Errorf("sql bridge: unknown value tag %d", t[0])
	return nil
}

// DecodeRows reads the rows the shell answered. The values share one
// backing array; each row is capped so an append cannot spill into the next.
func DecodeRows(b []byte) (*sqldb.Rows, error) {
	r := &reader{b: b, s: string(b)}
	cols := make([]string, r.count())
	n := r.count()
	if len(cols) > 0 && n > len(b)/len(cols) { // every value takes a byte at least
		return nil, errShort
	}
	for i := range cols {
		cols[i] = r.text()
	}
	cells := make([]any, n*len(cols))
	r.box = &boxes{}
	for i := range cells {
		r.box.left = len(cells) - i
		cells[i] = r.value()
	}
	if r.err != nil {
		return nil, r.err
	}
	rows := &sqldb.Rows{Columns: cols, Values: make([][]any, n)}
	for i := range rows.Values {
		rows.Values[i] = cells[i*len(cols) : (i+1)*len(cols) : (i+1)*len(cols)]
	}
	return rows, nil
}
