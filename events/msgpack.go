package events

import (
	"cmp"
	"encoding"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// A small MessagePack codec for event payloads, byte-compatible with
// github.com/vmihailenco/msgpack/v5 (which wrote the payloads stored so far)
// for the types payloads use: nil, bool, numbers, strings, []byte, slices,
// maps with string keys, pointers, interfaces, time.Time (extension -1)
// and structs as maps (`msgpack:"name,omitempty"`, "-"; untagged fields by
// their Go name). It replaces that library because its reflection-heavy
// code cost ~100 KB of the gzipped wasm (docs/architecture.md, Size
// budget). msgpack_test.go checks it against the library.
//
// Decoding yields what the library's DecodeInterface yields: int8 for fixed
// numbers, the sized Go type for sized numbers, float32/float64, string,
// []byte, []any, map[string]any and time.Time.

var (
	errMsgpackType   = errors.New("msgpack: unsupported type")
	errMsgpackShort  = errors.New("msgpack: unexpected end of data")
	errMsgpackCode   = errors.New("msgpack: unsupported code")
	errMsgpackTarget = errors.New("msgpack: value does not fit the target")
	timeType         = reflect.TypeOf(time.Time{})
	textMarshaler    = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
)

func marshalMsgpack(v any) ([]byte, error) {
	// Encoded in a reused buffer, then copied out at its size: one
	// allocation a payload instead of one per growth.
	p := msgpackScratch.Get().(*[]byte)
	defer msgpackScratch.Put(p)
	b, err := encodeValue((*p)[:0], reflect.ValueOf(v))
	if err != nil {
		return nil, err
	}
	if cap(b) <= 64<<10 {
		*p = b
	}
	return append(make([]byte, 0, len(b)), b...), nil
}

var msgpackScratch = sync.Pool{New: func() any { return new([]byte) }}

// encodeAny is encodeValue without reflection for the dynamic values record
// data is made of (the same bytes): reflection's map iteration allocated
// for every key and value.
func encodeAny(b []byte, x any) ([]byte, error) {
	switch x := x.(type) {
	case nil:
		return append(b, 0xc0), nil
	case string:
		return encodeString(b, x), nil
	case bool:
		if x {
			return append(b, 0xc3), nil
		}
		return append(b, 0xc2), nil
	case int:
		return encodeInt(b, int64(x)), nil
	case int64:
		return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(x)), nil
	case float64:
		return binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(x)), nil
	case map[string]any:
		if x == nil {
			return append(b, 0xc0), nil
		}
		b = encodeHeader(b, len(x), 0x80, 0, 0xde, 0xdf)
		for k, v := range x {
			var err error
			if b, err = encodeAny(encodeString(b, k), v); err != nil {
				return nil, err
			}
		}
		return b, nil
	case []any:
		if x == nil {
			return append(b, 0xc0), nil
		}
		b = encodeHeader(b, len(x), 0x90, 0, 0xdc, 0xdd)
		for _, v := range x {
			var err error
			if b, err = encodeAny(b, v); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	return encodeValue(b, reflect.ValueOf(x))
}

var mapStringAny = reflect.TypeOf(map[string]any(nil))

func encodeValue(b []byte, v reflect.Value) ([]byte, error) {
	if !v.IsValid() {
		return append(b, 0xc0), nil
	}
	t := v.Type()
	if t == timeType {
		return encodeTime(b, v.Interface().(time.Time)), nil
	}
	if t == mapStringAny && v.CanInterface() {
		return encodeAny(b, v.Interface())
	}
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			return append(b, 0xc3), nil
		}
		return append(b, 0xc2), nil
	case reflect.Int:
		return encodeInt(b, v.Int()), nil
	case reflect.Int8:
		return append(b, 0xd0, byte(v.Int())), nil
	case reflect.Int16:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(v.Int())), nil
	case reflect.Int32:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(v.Int())), nil
	case reflect.Int64:
		return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(v.Int())), nil
	case reflect.Uint:
		return encodeUint(b, v.Uint()), nil
	case reflect.Uint8:
		return append(b, 0xcc, byte(v.Uint())), nil
	case reflect.Uint16:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(v.Uint())), nil
	case reflect.Uint32:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(v.Uint())), nil
	case reflect.Uint64:
		return binary.BigEndian.AppendUint64(append(b, 0xcf), v.Uint()), nil
	case reflect.Float32:
		return binary.BigEndian.AppendUint32(append(b, 0xca), math.Float32bits(float32(v.Float()))), nil
	case reflect.Float64:
		return binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(v.Float())), nil
	case reflect.String:
		return encodeString(b, v.String()), nil
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return append(b, 0xc0), nil
		}
		return encodeValue(b, v.Elem())
	case reflect.Slice:
		if v.IsNil() {
			return append(b, 0xc0), nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return append(encodeHeader(b, v.Len(), 0, 0xc4, 0xc5, 0xc6), v.Bytes()...), nil
		}
		b = encodeHeader(b, v.Len(), 0x90, 0, 0xdc, 0xdd)
		for i := 0; i < v.Len(); i++ {
			var err error
			if b, err = encodeValue(b, v.Index(i)); err != nil {
				return nil, err
			}
		}
		return b, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, errMsgpackType
		}
		if v.IsNil() {
			return append(b, 0xc0), nil
		}
		b = encodeHeader(b, v.Len(), 0x80, 0, 0xde, 0xdf)
		for it := v.MapRange(); it.Next(); {
			var err error
			if b, err = encodeValue(encodeString(b, it.Key().String()), it.Value()); err != nil {
				return nil, err
			}
		}
		return b, nil
	case reflect.Struct:
		if t.Implements(textMarshaler) {
			return nil, errMsgpackType
		}
		fs, err := structFields(t)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, f := range fs {
			if !f.omitEmpty || !isEmpty(v.Field(f.index)) {
				n++
			}
		}
		b = encodeHeader(b, n, 0x80, 0, 0xde, 0xdf)
		for _, f := range fs {
			if fv := v.Field(f.index); !f.omitEmpty || !isEmpty(fv) {
				if b, err = encodeValue(encodeString(b, f.name), fv); err != nil {
					return nil, err
				}
			}
		}
		return b, nil
	}
	return nil, errMsgpackType
}

// encodeHeader writes a length: in the fixed code when fix is set and n
// fits, else in the 8-, 16- or 32-bit form (c8 0: none).
func encodeHeader(b []byte, n int, fix, c8, c16, c32 byte) []byte {
	switch {
	case fix != 0 && n < 16:
		return append(b, fix|byte(n))
	case c8 != 0 && n < 256:
		return append(b, c8, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, c16), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, c32), uint32(n))
}

func encodeString(b []byte, s string) []byte {
	if len(s) < 32 {
		b = append(b, 0xa0|byte(len(s)))
	} else {
		b = encodeHeader(b, len(s), 0, 0xd9, 0xda, 0xdb)
	}
	return append(b, s...)
}

// encodeUint and encodeInt use the smallest form (the library's EncodeUint
// and EncodeInt, which it uses for int and uint).
func encodeUint(b []byte, n uint64) []byte {
	switch {
	case n <= math.MaxInt8:
		return append(b, byte(n))
	case n <= math.MaxUint8:
		return append(b, 0xcc, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xcf), n)
}

func encodeInt(b []byte, n int64) []byte {
	switch {
	case n >= 0:
		return encodeUint(b, uint64(n))
	case n >= -32:
		return append(b, byte(n))
	case n >= math.MinInt8:
		return append(b, 0xd0, byte(n))
	case n >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(n))
	case n >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}

// encodeTime writes the timestamp extension (-1) in 4, 8 or 12 bytes.
func encodeTime(b []byte, tm time.Time) []byte {
	secs := uint64(tm.Unix())
	if secs>>34 == 0 {
		data := uint64(tm.Nanosecond())<<34 | secs
		if data&0xffffffff00000000 == 0 {
			return binary.BigEndian.AppendUint32(append(b, 0xd6, 0xff), uint32(data))
		}
		return binary.BigEndian.AppendUint64(append(b, 0xd7, 0xff), data)
	}
	b = binary.BigEndian.AppendUint32(append(b, 0xc7, 12, 0xff), uint32(tm.Nanosecond()))
	return binary.BigEndian.AppendUint64(b, secs)
}

// isEmpty is the library's omitempty test for the kinds payloads use.
func isEmpty(v reflect.Value) bool {
	for v.Kind() == reflect.Interface {
		if v.IsNil() {
			return true
		}
		v = v.Elem()
	}
	if v.Type() == timeType {
		return v.Interface().(time.Time).IsZero()
	}
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Struct:
		fs, _ := structFields(v.Type())
		for _, f := range fs {
			if !f.omitEmpty || !isEmpty(v.Field(f.index)) {
				return false
			}
		}
		return true
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Pointer:
		return v.IsNil()
	}
	return false
}

type structField struct {
	name      string
	index     int
	omitEmpty bool
}

var fieldCache sync.Map // reflect.Type → []structField

// structFields lists t's encoded fields in order. Embedded fields are
// refused: the library inlines them and no payload has one.
func structFields(t reflect.Type) ([]structField, error) {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]structField), nil
	}
	var fs []structField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("msgpack"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous {
			return nil, errMsgpackType
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fs = append(fs, structField{name, i, strings.Contains(","+opts+",", ",omitempty,")})
	}
	fieldCache.Store(t, fs)
	return fs, nil
}

func unmarshalMsgpack(data []byte, into any) error {
	d := decoder{data: data}
	x, err := d.value()
	if err != nil {
		return err
	}
	if m, ok := into.(*map[string]any); ok { // the common case, no reflection
		if x == nil {
			*m = nil
			return nil
		}
		if mx, ok := x.(map[string]any); ok {
			*m = mx
			return nil
		}
		return errMsgpackTarget
	}
	v := reflect.ValueOf(into)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return errMsgpackTarget
	}
	return assign(v.Elem(), x)
}

type decoder struct {
	data []byte
	pos  int
	// alias: strings share data's bytes instead of copying them (WalkPart:
	// a payload is never written after it is built or read).
	alias bool
}

func (d *decoder) take(n int) ([]byte, error) {
	if n < 0 || len(d.data)-d.pos < n {
		return nil, errMsgpackShort
	}
	b := d.data[d.pos : d.pos+n]
	d.pos += n
	return b, nil
}

// length reads an n-byte big-endian length.
func (d *decoder) length(n int) (int, error) {
	b, err := d.take(n)
	if err != nil {
		return 0, err
	}
	switch n {
	case 1:
		return int(b[0]), nil
	case 2:
		return int(binary.BigEndian.Uint16(b)), nil
	}
	return int(binary.BigEndian.Uint32(b)), nil
}

func (d *decoder) value() (any, error) {
	cb, err := d.take(1)
	if err != nil {
		return nil, err
	}
	c := cb[0]
	switch {
	case c <= 0x7f || c >= 0xe0:
		return int8(c), nil
	case c <= 0x8f:
		return d.mapOf(int(c & 0x0f))
	case c <= 0x9f:
		return d.arrayOf(int(c & 0x0f))
	case c <= 0xbf:
		return d.str(int(c & 0x1f))
	}
	switch c {
	case 0xc0:
		return nil, nil
	case 0xc2:
		return false, nil
	case 0xc3:
		return true, nil
	case 0xc4, 0xc5, 0xc6:
		n, err := d.length(lengthSize(c))
		if err != nil {
			return nil, err
		}
		b, err := d.take(n)
		return append([]byte{}, b...), err
	case 0xd9, 0xda, 0xdb:
		n, err := d.length(lengthSize(c))
		if err != nil {
			return nil, err
		}
		return d.str(n)
	case 0xdc, 0xdd:
		n, err := d.length(lengthSize(c))
		if err != nil {
			return nil, err
		}
		return d.arrayOf(n)
	case 0xde, 0xdf:
		n, err := d.length(lengthSize(c))
		if err != nil {
			return nil, err
		}
		return d.mapOf(n)
	case 0xca:
		b, err := d.take(4)
		if err != nil {
			return nil, err
		}
		return math.Float32frombits(binary.BigEndian.Uint32(b)), nil
	case 0xcb:
		b, err := d.take(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	case 0xcc, 0xd0:
		b, err := d.take(1)
		if err != nil {
			return nil, err
		}
		if c == 0xcc {
			return b[0], nil
		}
		return int8(b[0]), nil
	case 0xcd, 0xd1:
		b, err := d.take(2)
		if err != nil {
			return nil, err
		}
		if n := binary.BigEndian.Uint16(b); c == 0xcd {
			return n, nil
		} else {
			return int16(n), nil
		}
	case 0xce, 0xd2:
		b, err := d.take(4)
		if err != nil {
			return nil, err
		}
		if n := binary.BigEndian.Uint32(b); c == 0xce {
			return n, nil
		} else {
			return int32(n), nil
		}
	case 0xcf, 0xd3:
		b, err := d.take(8)
		if err != nil {
			return nil, err
		}
		if n := binary.BigEndian.Uint64(b); c == 0xcf {
			return n, nil
		} else {
			return int64(n), nil
		}
	case 0xd6, 0xd7, 0xc7: // timestamps (the only extension payloads hold)
		n := 4
		if c == 0xd7 {
			n = 8
		} else if c == 0xc7 {
			if n, err = d.length(1); err != nil {
				return nil, err
			}
		}
		typ, err := d.take(1)
		if err != nil {
			return nil, err
		}
		b, err := d.take(n)
		if err != nil || typ[0] != 0xff {
			return nil, errors.Join(err, errMsgpackCode)
		}
		var tm time.Time
		switch n {
		case 4:
			tm = time.Unix(int64(binary.BigEndian.Uint32(b)), 0)
		case 8:
			x := binary.BigEndian.Uint64(b)
			tm = time.Unix(int64(x&0x3ffffffff), int64(x>>34))
		case 12:
			tm = time.Unix(int64(binary.BigEndian.Uint64(b[4:])), int64(binary.BigEndian.Uint32(b)))
		default:
			return nil, errMsgpackCode
		}
		if tm.IsZero() {
			tm = tm.UTC()
		}
		return tm, nil
	}
	return nil, errMsgpackCode
}

// lengthSize is the size of the length after a bin, str, array or map code.
func lengthSize(c byte) int {
	switch c {
	case 0xc4, 0xd9:
		return 1
	case 0xc5, 0xda, 0xdc, 0xde:
		return 2
	}
	return 4
}

func (d *decoder) str(n int) (any, error) {
	b, err := d.take(n)
	if d.alias && len(b) > 0 {
		return unsafe.String(&b[0], len(b)), err
	}
	return string(b), err
}

func (d *decoder) arrayOf(n int) (any, error) {
	if n > len(d.data) {
		return nil, errMsgpackShort
	}
	s := make([]any, n)
	for i := range s {
		var err error
		if s[i], err = d.value(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (d *decoder) mapOf(n int) (any, error) {
	if n > len(d.data) {
		return nil, errMsgpackShort
	}
	m := make(map[string]any, n)
	for i := 0; i < n; i++ {
		ks, err := d.key()
		if err != nil {
			return nil, err
		}
		if m[ks], err = d.value(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// key reads a map key, which must be a string. Keys are field names that
// repeat in every payload, so short ones are interned: decoding them
// allocated more than anything else on the command path.
func (d *decoder) key() (string, error) {
	cb, err := d.take(1)
	if err != nil {
		return "", err
	}
	n, c := 0, cb[0]
	switch {
	case c >= 0xa0 && c <= 0xbf:
		n = int(c & 0x1f)
	case c == 0xd9 || c == 0xda || c == 0xdb:
		if n, err = d.length(lengthSize(c)); err != nil {
			return "", err
		}
	default:
		d.pos-- // let value report what it is
		if _, err := d.value(); err != nil {
			return "", err
		}
		return "", errMsgpackType
	}
	b, err := d.take(n)
	if err != nil {
		return "", err
	}
	return intern(b), nil
}

// interned holds the map keys seen (bounded: past the bound, keys are
// allocated as before).
var interned struct {
	sync.Mutex
	m map[string]string
}

func intern(b []byte) string {
	if len(b) > 64 {
		return string(b)
	}
	interned.Lock()
	defer interned.Unlock()
	if s, ok := interned.m[string(b)]; ok {
		return s
	}
	s := string(b)
	if interned.m == nil {
		interned.m = map[string]string{}
	}
	if len(interned.m) < 8192 {
		interned.m[s] = s
	}
	return s
}

// assign stores a decoded value in v the way the library decodes into a
// typed target: nil is the zero value, numbers convert between kinds,
// maps fill structs by field name (unknown names ignored).
func assign(v reflect.Value, x any) error {
	if x == nil {
		v.SetZero()
		return nil
	}
	t := v.Type()
	if t == timeType {
		tm, ok := x.(time.Time)
		if !ok {
			return errMsgpackTarget
		}
		v.Set(reflect.ValueOf(tm))
		return nil
	}
	switch v.Kind() {
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return errMsgpackTarget
		}
		v.Set(reflect.ValueOf(x))
		return nil
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := assign(p.Elem(), x); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case reflect.Bool:
		b, ok := x.(bool)
		if !ok {
			return errMsgpackTarget
		}
		v.SetBool(b)
		return nil
	case reflect.String:
		switch s := x.(type) {
		case string:
			v.SetString(s)
		case []byte:
			v.SetString(string(s))
		default:
			return errMsgpackTarget
		}
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := integer(x)
		if !ok {
			return errMsgpackTarget
		}
		v.SetInt(n)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := integer(x)
		if !ok {
			return errMsgpackTarget
		}
		if u, isU := x.(uint64); isU {
			v.SetUint(u)
		} else {
			v.SetUint(uint64(n))
		}
		return nil
	case reflect.Float32, reflect.Float64:
		f, ok := number(x)
		if !ok {
			return errMsgpackTarget
		}
		v.SetFloat(f)
		return nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			switch s := x.(type) {
			case []byte:
				v.SetBytes(s)
			case string:
				v.SetBytes([]byte(s))
			default:
				return errMsgpackTarget
			}
			return nil
		}
		list, ok := x.([]any)
		if !ok {
			return errMsgpackTarget
		}
		s := reflect.MakeSlice(t, len(list), len(list))
		for i, e := range list {
			if err := assign(s.Index(i), e); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		m, ok := x.(map[string]any)
		if !ok || t.Key().Kind() != reflect.String {
			return errMsgpackTarget
		}
		if t == reflect.TypeOf(m) {
			v.Set(reflect.ValueOf(m))
			return nil
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for k, e := range m {
			ev := reflect.New(t.Elem()).Elem()
			if err := assign(ev, e); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
		}
		v.Set(out)
		return nil
	case reflect.Struct:
		m, ok := x.(map[string]any)
		if !ok {
			return errMsgpackTarget
		}
		fs, err := structFields(t)
		if err != nil {
			return err
		}
		for _, f := range fs {
			if e, ok := m[f.name]; ok {
				if err := assign(v.Field(f.index), e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return errMsgpackTarget
}

// integer is a decoded number as an int64 (floats truncated).
func integer(x any) (int64, bool) {
	switch n := x.(type) {
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		return int64(n), true
	}
	f, ok := number(x)
	return int64(f), ok
}

// number is a decoded number as a float64.
func number(x any) (float64, bool) {
	switch n := x.(type) {
	case int8:
		return float64(n), true
	case int16:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint8:
		return float64(n), true
	case uint16:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float32:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// mapHeader reads a map's entry count when the next value is a map
// (ok false, nothing read, when it is not).
func (d *decoder) mapHeader() (n int, ok bool, err error) {
	if d.pos >= len(d.data) {
		return 0, false, errMsgpackShort
	}
	switch c := d.data[d.pos]; {
	case c >= 0x80 && c <= 0x8f:
		d.pos++
		return int(c & 0x0f), true, nil
	case c == 0xde || c == 0xdf:
		d.pos++
		n, err := d.length(lengthSize(c))
		if err == nil && n > len(d.data) {
			err = errMsgpackShort
		}
		return n, err == nil, err
	}
	return 0, false, nil
}

// PartWalker receives the entries of one part of a record payload
// (Event.WalkPart).
type PartWalker interface {
	// Begin is called once, with the part's entry count, before its entries.
	Begin(n int)
	// Split reports whether the entry key's value, when it is a map, goes
	// to Value entry by entry instead of as one map.
	Split(key string) bool
	// Value receives one entry of the part (sub ""), or one entry sub of
	// the map of a split entry key. v is decoded as Fields decodes it.
	Value(key, sub string, v any)
}

// WalkPart decodes a record payload (a map with an "id") without building
// the map of its entry part, nor those of the entries w splits: the
// projector of a replay flattens a created record's data straight into
// its row. It returns the payload's id; w sees nothing when the part is
// missing or not a map. The strings it decodes share the payload's bytes.
func (e Event) WalkPart(part string, w PartWalker) (id string, err error) {
	d := decoder{data: e.Payload, alias: true}
	n, ok, err := d.mapHeader()
	if err != nil || !ok {
		return "", cmp.Or(err, errMsgpackTarget)
	}
	for i := 0; i < n; i++ {
		k, err := d.key()
		if err != nil {
			return "", err
		}
		if k != part {
			v, err := d.value()
			if err != nil {
				return "", err
			}
			if k == "id" {
				id, _ = v.(string)
			}
			continue
		}
		if err := d.walk(w); err != nil {
			return "", err
		}
	}
	return id, nil
}

// walk hands the map at d to w (nothing when the value is not a map).
func (d *decoder) walk(w PartWalker) error {
	n, ok, err := d.mapHeader()
	if err != nil {
		return err
	}
	if !ok {
		_, err := d.value()
		return err
	}
	w.Begin(n)
	for i := 0; i < n; i++ {
		k, err := d.key()
		if err != nil {
			return err
		}
		if w.Split(k) {
			m, ok, err := d.mapHeader()
			if err != nil {
				return err
			}
			if ok {
				for j := 0; j < m; j++ {
					sub, err := d.key()
					if err != nil {
						return err
					}
					v, err := d.value()
					if err != nil {
						return err
					}
					w.Value(k, sub, v)
				}
				continue
			}
		}
		v, err := d.value()
		if err != nil {
			return err
		}
		w.Value(k, "", v)
	}
	return nil
}
