package query

import (
	"sync"

	"edgecrm/domain"
)

// ByID is Compile of the filter {id: {eq: id}} for one record (the
// soft-delete rule included), compiled once per object and table with a
// placeholder id and bound to each id after that: a findOne by id is the
// most common read, and compiling it was a quarter of its Go time. An
// object never changes (a schema edit copies it), so its pointer names its
// plan.
func ByID(obj *domain.Object, table, id string) (*Plan, error) {
	key := byIDKey{obj, table}
	byIDPlans.Lock()
	p := byIDPlans.m[key]
	byIDPlans.Unlock()
	if p == nil {
		var err error
		if p, err = compileByID(obj, table, byIDPlaceholder); err != nil {
			return nil, err
		}
		if _, n := p.WithArg(byIDPlaceholder, byIDPlaceholder); n != 1 {
			return compileByID(obj, table, id) // the id is not one argument: no reuse
		}
		byIDPlans.Lock()
		if len(byIDPlans.m) >= 512 { // objects of old schemas: start over
			clear(byIDPlans.m)
		}
		byIDPlans.m[key] = p
		byIDPlans.Unlock()
	}
	q, _ := p.WithArg(byIDPlaceholder, id)
	return q, nil
}

func compileByID(obj *domain.Object, table, id string) (*Plan, error) {
	one := 1
	return Compile(nil, obj, table, map[string]any{"id": map[string]any{"eq": id}}, nil, Page{First: &one})
}

// byIDPlaceholder stands for the id in a kept plan.
const byIDPlaceholder = "5b0c7e1a-3f6d-4e2b-9a81-c4d7f0e2b693"

type byIDKey struct {
	obj   *domain.Object
	table string
}

var byIDPlans = struct {
	sync.Mutex
	m map[byIDKey]*Plan
}{m: map[byIDKey]*Plan{}}
