package projections

import (
	"sync"

	"edgecrm/domain"
)

// perObject keeps what is derived from an object's definition alone (SQL
// texts, encoders), by object and table prefix: a schema's objects never
// change (an edit copies them), and deriving it again quoted and
// formatted every column name for every event or row.
type perObject[V any] struct {
	mu sync.Mutex
	m  map[objectKey]V
}

type objectKey struct {
	obj    *domain.Object
	prefix string
}

// maxPerObject bounds each cache: past it, the objects of old schemas are
// dropped with the rest and built again when used.
const maxPerObject = 512

// get returns the value kept for obj and prefix, built by build the first
// time.
func (c *perObject[V]) get(obj *domain.Object, prefix string, build func() V) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := objectKey{obj, prefix}
	v, ok := c.m[k]
	if !ok {
		if c.m == nil || len(c.m) >= maxPerObject {
			c.m = map[objectKey]V{}
		}
		v = build()
		c.m[k] = v
	}
	return v
}
