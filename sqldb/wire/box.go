package wire

import "unsafe"

// boxes puts decoded values into interfaces without an allocation each:
// converting a string or a number to an any copies it to the heap, and a
// page of records is thousands of cells. The values are stored in slabs
// and each interface points at its slot, as the conversion would point at
// its copy. The slots are written once, before the interface exists, and
// never again (an any's value is immutable), so sharing a slab is safe.
type boxes struct {
	left   int // cells still to decode: no slab is made larger
	strs   []string
	ints   []int64
	floats []float64
	last   [3]int // the length of the last slab made, per kind
}

// eface is the layout of an any (the runtime's: type word, data pointer).
type eface struct {
	typ, data unsafe.Pointer
}

var (
	stringType  = typeOf("")
	int64Type   = typeOf(int64(0))
	float64Type = typeOf(float64(0))
)

func typeOf(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

func box(typ, data unsafe.Pointer) any {
	var v any
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = typ, data
	return v
}

// size is the length of a new slab after one of length had: double, at
// least 16, at most 512, and never more than the cells left (a slab is
// zeroed memory: the column types of a result are not known in advance).
func (b *boxes) size(kind int) int {
	n := max(1, min(b.left, 512, max(16, 2*b.last[kind])))
	b.last[kind] = n
	return n
}

func (b *boxes) str(s string) any {
	if len(b.strs) == 0 {
		b.strs = make([]string, b.size(0))
	}
	p := &b.strs[0]
	*p = s
	b.strs = b.strs[1:]
	return box(stringType, unsafe.Pointer(p))
}

func (b *boxes) int(n int64) any {
	if len(b.ints) == 0 {
		b.ints = make([]int64, b.size(1))
	}
	p := &b.ints[0]
	*p = n
	b.ints = b.ints[1:]
	return box(int64Type, unsafe.Pointer(p))
}

func (b *boxes) float(f float64) any {
	if len(b.floats) == 0 {
		b.floats = make([]float64, b.size(2))
	}
	p := &b.floats[0]
	*p = f
	b.floats = b.floats[1:]
	return box(float64Type, unsafe.Pointer(p))
}
