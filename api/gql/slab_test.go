package gql

import (
	"fmt"
	"testing"
)

// TestNewObjectSlabs: objects cut from the growing slabs have room for
// exactly their keys whatever the slab's size at the time (a first object
// wider than the first slab, one at the cap, one past it), and no two
// objects share a value.
func TestNewObjectSlabs(t *testing.T) {
	x := &Executor{}
	var objs []*Object
	for i, n := range []int{40, 1, 3, 64, 65, 200, 0, 7, 64, 31, 33, 2} {
		for k := 0; k < 30; k++ { // enough objects to pass the caps
			keys := make([]string, n)
			o := x.newObject(keys)
			if cap(o.vals) != n || len(o.vals) != 0 {
				t.Fatalf("object %d of %d keys: len %d cap %d", i, n, len(o.vals), cap(o.vals))
			}
			for j := range n {
				o.vals = append(o.vals, fmt.Sprint(len(objs), "/", j))
			}
			objs = append(objs, o)
		}
	}
	for i, o := range objs {
		for j, v := range o.vals {
			if want := fmt.Sprint(i, "/", j); v != want {
				t.Fatalf("object %d value %d = %v, want %s (shared with another object)", i, j, v, want)
			}
		}
	}
	if x.objNext != objSlabMax || x.valNext != valSlabMax {
		t.Errorf("slabs did not grow to their caps: %d objects, %d values", x.objNext, x.valNext)
	}
}
