package metadata

import (
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"edgecrm/domain"
	"edgecrm/projections"
)

// Values of the metadata schema: objects, fields and relations of one
// domain.Schema (the one current when the value was made, so a mutation's
// result shows the schema right after it).

// systemObjects are the standard objects Twenty flags isSystem (hidden
// from its navigation).
var systemObjects = map[string]bool{
	"noteTarget": true, "taskTarget": true, "attachment": true, "favorite": true,
	"timelineActivity": true, "workspaceMember": true, "workflowAutomatedTrigger": true,
	"favoriteFolder": true,
}

type rootQuery struct{}

func (rootQuery) resolve(x *execution, f *ast.Field, args map[string]any) (any, error) {
	s := x.meta()
	switch f.Name {
	case "objects":
		objs := append([]*domain.Object(nil), s.Objects...)
		sort.Slice(objs, func(i, j int) bool { return objs[i].NameSingular < objs[j].NameSingular })
		var items []any
		for _, o := range objs {
			n := &objectNode{s: s, o: o}
			if ok, err := matchFilter(args["filter"], n.filterValue); err != nil {
				return nil, err
			} else if ok {
				items = append(items, n)
			}
		}
		return connection(items, args["paging"])
	case "object":
		id, _ := args["id"].(string)
		o := s.ObjectByID(id)
		if o == nil {
			return nil, &domain.MetadataNotFoundError{Kind: "object", ID: id}
		}
		return &objectNode{s: s, o: o}, nil
	case "fields":
		var items []any
		for _, o := range s.SortedObjects() {
			for _, fl := range o.Fields {
				n := &fieldNode{s: s, o: o, f: fl}
				if ok, err := matchFilter(args["filter"], n.filterValue); err != nil {
					return nil, err
				} else if ok {
					items = append(items, n)
				}
			}
		}
		return connection(items, args["paging"])
	case "field":
		id, _ := args["id"].(string)
		o, fl := s.FieldByID(id)
		if fl == nil {
			return nil, &domain.MetadataNotFoundError{Kind: "field", ID: id}
		}
		return &fieldNode{s: s, o: o, f: fl}, nil
	}
	if v, ok, err := webhookField(x, f.Name, args); ok {
		return v, err
	}
	if v, ok, err := viewField(x, f.Name, args); ok {
		return v, err
	}
	if v, ok, err := currentUserField(x, f.Name); ok {
		return v, err
	}
	if v, ok, err := objectFrontQuery(x, f.Name, args); ok {
		return v, err
	}
	return nil, edgeOnly(f.Name)
}

type objectNode struct {
	s *domain.Schema
	o *domain.Object
}

func (n *objectNode) isSystem() bool { return !n.o.IsCustom && systemObjects[n.o.NameSingular] }

func (n *objectNode) filterValue(name string) any {
	switch name {
	case "id":
		return n.o.ID
	case "isCustom":
		return n.o.IsCustom
	case "isRemote":
		return false
	case "isActive":
		return n.o.IsActive
	case "isSystem", "isUIReadOnly":
		return n.isSystem()
	case "isSearchable":
		return len(n.o.Searchable) > 0
	}
	return nil
}

func (n *objectNode) resolve(x *execution, f *ast.Field, args map[string]any) (any, error) {
	o := n.o
	switch f.Name {
	case "id", "universalIdentifier":
		return o.ID, nil
	case "nameSingular":
		return o.NameSingular, nil
	case "namePlural":
		return o.NamePlural, nil
	case "labelSingular":
		return o.LabelSingular, nil
	case "labelPlural":
		return o.LabelPlural, nil
	case "description":
		return nullString(o.Description), nil
	case "icon":
		return nullString(o.Icon), nil
	case "isCustom":
		return o.IsCustom, nil
	case "isActive":
		return o.IsActive, nil
	case "isSystem", "isUIReadOnly":
		return n.isSystem(), nil
	case "isUIEditable", "isUICreatable":
		return !n.isSystem(), nil
	case "isRemote", "isLabelSyncedWithName":
		return false, nil
	case "isSearchable":
		return len(o.Searchable) > 0, nil
	case "createdAt", "updatedAt":
		return x.createdAt(o.ID), nil
	case "labelIdentifierFieldMetadataId":
		if lf := o.Field(o.LabelIdentifier); lf != nil {
			return lf.ID, nil
		}
		return nil, nil
	case "fields":
		var items []any
		for _, fl := range o.Fields {
			fn := &fieldNode{s: n.s, o: o, f: fl}
			if ok, err := matchFilter(args["filter"], fn.filterValue); err != nil {
				return nil, err
			} else if ok {
				items = append(items, fn)
			}
		}
		return connection(items, args["paging"])
	case "fieldsList":
		items := make([]any, len(o.Fields))
		for i, fl := range o.Fields {
			items[i] = &fieldNode{s: n.s, o: o, f: fl}
		}
		return items, nil
	case "indexMetadatas":
		return connection(x.indexes(o), args["paging"])
	case "indexMetadataList":
		return x.indexes(o), nil
	}
	if v, ok := n.frontField(x, f.Name); ok {
		return v, nil
	}
	// dataSourceId, color, shortcut, applicationId, imageIdentifierFieldMetadataId, duplicateCriteria
	return nil, nil
}

type fieldNode struct {
	s *domain.Schema
	o *domain.Object
	f *domain.Field
}

func (n *fieldNode) filterValue(name string) any {
	switch name {
	case "id":
		return n.f.ID
	case "isCustom":
		return n.f.IsCustom
	case "isActive":
		return !n.f.Inactive
	case "isSystem":
		return n.f.IsSystem
	case "objectMetadataId":
		return n.o.ID
	}
	return nil
}

func (n *fieldNode) resolve(x *execution, f *ast.Field, args map[string]any) (any, error) {
	fl := n.f
	switch f.Name {
	case "id", "universalIdentifier":
		return fl.ID, nil
	case "type":
		return string(fl.Type), nil
	case "name":
		return fl.Name, nil
	case "label":
		return fl.Label, nil
	case "description":
		return nullString(fl.Description), nil
	case "icon":
		return nullString(fl.Icon), nil
	case "isCustom":
		return fl.IsCustom, nil
	case "isActive":
		return !fl.Inactive, nil
	case "isSystem", "isUIReadOnly":
		return fl.IsSystem, nil
	case "isUIEditable":
		return !fl.IsSystem, nil
	case "isNullable":
		return fl.IsNullable, nil
	case "isUnique":
		return fl.IsUnique, nil
	case "isSearchable":
		for _, s := range n.o.Searchable {
			if s == fl.Name {
				return true, nil
			}
		}
		return false, nil
	case "isLabelSyncedWithName":
		return false, nil
	case "defaultValue":
		return quoteDefault(fl.Type, fl.DefaultValue), nil
	case "options":
		return optionsJSON(fl), nil
	case "settings":
		return settingsJSON(fl), nil
	case "objectMetadataId":
		return n.o.ID, nil
	case "createdAt", "updatedAt":
		return x.createdAt(fl.ID), nil
	case "relation":
		if r := n.relation(); r != nil {
			return r, nil
		}
		return nil, nil
	case "morphRelations":
		return []any{}, nil
	case "relationDefinition":
		r := n.relation()
		if r == nil {
			return nil, nil
		}
		return &relationDefinition{r}, nil
	case "object":
		return &objectNode{s: n.s, o: n.o}, nil
	}
	return nil, nil // morphId, applicationId
}

func (n *fieldNode) relation() *relationNode {
	if n.f.Type != domain.TypeRelation || n.f.Relation == nil {
		return nil
	}
	to, tf := n.s.InverseField(n.f)
	if tf == nil {
		return nil
	}
	return &relationNode{src: n, dst: &fieldNode{s: n.s, o: to, f: tf}}
}

type relationNode struct{ src, dst *fieldNode }

func (r *relationNode) resolve(x *execution, f *ast.Field, args map[string]any) (any, error) {
	switch f.Name {
	case "type":
		return string(r.src.f.Relation.Type), nil
	case "sourceObjectMetadata":
		return &objectNode{s: r.src.s, o: r.src.o}, nil
	case "targetObjectMetadata":
		return &objectNode{s: r.dst.s, o: r.dst.o}, nil
	case "sourceFieldMetadata":
		return r.src, nil
	case "targetFieldMetadata":
		return r.dst, nil
	}
	return nil, nil
}

// relationDefinition is the older shape of a relation (Twenty < 0.50).
type relationDefinition struct{ *relationNode }

func (r *relationDefinition) resolve(x *execution, f *ast.Field, args map[string]any) (any, error) {
	switch f.Name {
	case "relationId":
		m2o := r.src.f
		if m2o.Relation.Type != domain.ManyToOne {
			m2o = r.dst.f
		}
		return domain.DeterministicID("relation", m2o.ID), nil
	case "direction":
		return string(r.src.f.Relation.Type), nil
	}
	return r.relationNode.resolve(x, f, args)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// quoteDefault renders a default value as Twenty's metadata API does:
// strings as quoted SQL literals ("'NEW'"), generated defaults ("now",
// "uuid") bare, composites part by part; RAW_JSON as it is.
func quoteDefault(t domain.FieldType, v any) any {
	if v == nil {
		return nil
	}
	switch t {
	case domain.TypeRawJSON:
		return v
	case domain.TypeDateTime, domain.TypeDate, domain.TypeUUID:
		if s, ok := v.(string); ok && (s == "now" || s == "uuid") {
			return s
		}
	}
	switch x := v.(type) {
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = quoteDefault(domain.TypeText, e)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = quoteDefault(domain.TypeText, e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if _, isList := e.([]any); isList {
				out[k] = e // JSON parts (additionalEmails, secondaryLinks)
			} else {
				out[k] = quoteDefault(domain.TypeText, e)
			}
		}
		return out
	}
	return v
}

// unquoteDefault is quoteDefault's inverse for input: "'NEW'" → "NEW".
// Unquoted strings are taken as they are.
func unquoteDefault(t domain.FieldType, v any) any {
	if t == domain.TypeRawJSON {
		return v
	}
	switch x := v.(type) {
	case string:
		if len(x) >= 2 && x[0] == '\'' && x[len(x)-1] == '\'' {
			return strings.ReplaceAll(x[1:len(x)-1], "''", "'")
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = unquoteDefault(domain.TypeText, e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = unquoteDefault(domain.TypeText, e)
		}
		return out
	}
	return v
}

// optionsJSON renders SELECT options with Twenty's option ids (derived
// from the field id and the value, so they are stable).
func optionsJSON(f *domain.Field) any {
	if f.Options == nil {
		return nil
	}
	out := make([]any, len(f.Options))
	for i, o := range f.Options {
		m := map[string]any{"id": domain.DeterministicID("option", f.ID, o.Value), "value": o.Value, "label": o.Label, "position": o.Position}
		if o.Color != "" {
			m["color"] = o.Color
		}
		out[i] = m
	}
	return out
}

// settingsJSON gives RELATION fields Twenty's newer settings.
func settingsJSON(f *domain.Field) any {
	if f.Type != domain.TypeRelation || f.Relation == nil {
		return nil
	}
	m := map[string]any{"relationType": string(f.Relation.Type)}
	if f.Relation.Type == domain.ManyToOne {
		m["joinColumnName"] = f.JoinColumn()
		onDelete := f.Relation.OnDelete
		if onDelete == "" {
			onDelete = domain.OnDeleteSetNull
		}
		m["onDelete"] = string(onDelete)
	}
	return m
}

// createdAt derives a metadata item's creation time: custom ids are ULIDs
// (their first 48 bits are the creation millisecond); standard ids are
// name-based and date from the workspace's first event.
func (x *execution) createdAt(id string) string {
	epoch := x.epoch()
	hex := strings.ReplaceAll(id, "-", "")
	if len(hex) == 32 {
		if ms, err := strconv.ParseUint(hex[:12], 16, 64); err == nil {
			t := time.UnixMilli(int64(ms)).UTC()
			if !t.Before(epoch.Add(-24*time.Hour)) && t.Before(x.w.Now().Add(24*time.Hour)) {
				return t.Format(projections.TimeLayout)
			}
		}
	}
	return epoch.Format(projections.TimeLayout)
}

func (x *execution) epoch() time.Time {
	if x.epochTime.IsZero() {
		x.epochTime = x.w.Now().UTC()
		if evs, err := x.w.Store.ReadFrom(0, 1); err == nil && len(evs) == 1 {
			x.epochTime = evs[0].Time.UTC()
		}
	}
	return x.epochTime
}

// connection pages items as a nestjs-query cursor connection (cursors are
// base64 "arrayconnection:<offset>", as Twenty's).
func connection(items []any, paging any) (any, error) {
	p, _ := paging.(map[string]any)
	start, end := 0, len(items)
	if c, ok := p["after"].(string); ok && c != "" {
		i, err := decodeCursor(c)
		if err != nil {
			return nil, err
		}
		start = i + 1
	}
	if c, ok := p["before"].(string); ok && c != "" {
		i, err := decodeCursor(c)
		if err != nil {
			return nil, err
		}
		end = i
	}
	start, end = clamp(start, 0, len(items)), clamp(end, 0, len(items))
	if end < start {
		end = start
	}
	if n, ok := asInt(p["first"]); ok {
		if n < 0 {
			return nil, badInput("paging.first", "paging.first must not be negative")
		}
		end = clamp(start+n, start, end)
	}
	if n, ok := asInt(p["last"]); ok {
		if n < 0 {
			return nil, badInput("paging.last", "paging.last must not be negative")
		}
		start = clamp(end-n, start, end)
	}
	edges := make([]any, 0, end-start)
	for i := start; i < end; i++ {
		edges = append(edges, map[string]any{"node": items[i], "cursor": encodeCursor(i)})
	}
	info := map[string]any{"hasNextPage": end < len(items), "hasPreviousPage": start > 0, "startCursor": nil, "endCursor": nil}
	if end > start {
		info["startCursor"], info["endCursor"] = encodeCursor(start), encodeCursor(end-1)
	}
	return map[string]any{"edges": edges, "pageInfo": info, "totalCount": len(items)}, nil
}

func encodeCursor(i int) string {
	return base64.StdEncoding.EncodeToString([]byte("arrayconnection:" + strconv.Itoa(i)))
}

func decodeCursor(c string) (int, error) {
	b, err := base64.StdEncoding.DecodeString(c)
	if err == nil {
		if s, ok := strings.CutPrefix(string(b), "arrayconnection:"); ok {
			if i, err := strconv.Atoi(s); err == nil && i >= 0 {
				return i, nil
			}
		}
	}
	return 0, badInput("paging", "invalid cursor %q", c)
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

func asInt(v any) (int, bool) {
	switch n := v.(type) {
	case int64:
		return int(n), true
	case int:
		return n, true
	case float64:
		return int(n), true
	}
	return 0, false
}

// matchFilter evaluates a nestjs-query filter (and, or, and per-member
// comparisons: is, isNot, eq, neq, in, notIn) against a node's values.
func matchFilter(filter any, value func(string) any) (bool, error) {
	m, _ := filter.(map[string]any)
	for key, cond := range m {
		switch key {
		case "and", "or":
			list, _ := cond.([]any)
			some, all := false, true
			for _, sub := range list {
				ok, err := matchFilter(sub, value)
				if err != nil {
					return false, err
				}
				some, all = some || ok, all && ok
			}
			if key == "and" && !all || key == "or" && len(list) > 0 && !some {
				return false, nil
			}
			continue
		}
		cmp, _ := cond.(map[string]any)
		v := value(key)
		for op, want := range cmp {
			var ok bool
			switch op {
			case "is":
				ok = want == nil && v == nil || want != nil && v == want
			case "isNot":
				ok = !(want == nil && v == nil || want != nil && v == want)
			case "eq":
				ok = v == want
			case "neq":
				ok = v != want
			case "in", "notIn":
				list, _ := want.([]any)
				found := false
				for _, w := range list {
					found = found || v == w
				}
				ok = found == (op == "in")
			default:
				return false, badInput("filter", "unsupported filter operator %q on %s", op, key)
			}
			if !ok {
				return false, nil
			}
		}
	}
	return true, nil
}

// indexes describes obj's indexes as Twenty's index metadata: one on each
// many-to-one relation's join column and a unique one per unique field
// (live rows only, as Twenty's partial indexes). Ids derive from the
// object and the field, so they are stable.
func (x *execution) indexes(obj *domain.Object) []any {
	at := x.createdAt(obj.ID)
	index := func(f *domain.Field, unique bool) indexNode {
		name, where := "IDX_"+obj.NameSingular+"_"+f.Name, any(nil)
		if unique {
			name, where = "IDX_UNIQUE_"+obj.NameSingular+"_"+f.Name, `"deletedAt" IS NULL`
		}
		id := domain.DeterministicID("index", obj.ID, name)
		field := map[string]any{"id": domain.DeterministicID("indexField", id, f.ID), "fieldMetadataId": f.ID,
			"subFieldName": nil, "order": 0.0, "createdAt": at, "updatedAt": at}
		return indexNode{"id": id, "name": name, "isUnique": unique, "isCustom": f.IsCustom,
			"indexWhereClause": where, "indexType": "BTREE", "createdAt": at, "updatedAt": at,
			"indexFieldMetadataList": []any{field}}
	}
	out := []any{}
	for _, f := range obj.Fields {
		if f.Type == domain.TypeRelation && f.Relation != nil && f.Relation.Type == domain.ManyToOne {
			out = append(out, index(f, false))
		}
	}
	for _, f := range obj.Fields {
		if f.IsUnique && f.Name != "id" && f.Type != domain.TypeRelation {
			out = append(out, index(f, true))
		}
	}
	for _, idx := range obj.Indexes {
		at := x.createdAt(idx.ID)
		fields := make([]any, len(idx.Fields))
		for i, f := range idx.Fields {
			var sub any
			if f.Subfield != "" {
				sub = f.Subfield
			}
			fields[i] = map[string]any{"id": f.ID, "fieldMetadataId": f.FieldID, "subFieldName": sub, "order": float64(i), "createdAt": at, "updatedAt": at}
		}
		out = append(out, indexNode{"id": idx.ID, "name": idx.Name, "isUnique": false, "isCustom": true, "indexWhereClause": nil,
			"indexType": "BTREE", "createdAt": at, "updatedAt": at, "indexFieldMetadataList": fields})
	}
	return out
}

// indexByID renders custom index id of schema s (nil when there is none).
func (x *execution) indexByID(s *domain.Schema, id string) any {
	for _, o := range s.Objects {
		for _, idx := range o.Indexes {
			if idx.ID == id {
				for _, n := range x.indexes(o) {
					if n.(indexNode)["id"] == id {
						return n
					}
				}
			}
		}
	}
	return nil
}

// indexNode is one index; its members are plain values but for the
// indexFieldMetadatas connection.
type indexNode map[string]any

func (n indexNode) resolve(x *execution, f *ast.Field, args map[string]any) (any, error) {
	if f.Name != "indexFieldMetadatas" {
		return n[f.Name], nil
	}
	var items []any
	for _, it := range n["indexFieldMetadataList"].([]any) {
		m := it.(map[string]any)
		if ok, err := matchFilter(args["filter"], func(k string) any { return m[k] }); err != nil {
			return nil, err
		} else if ok {
			items = append(items, it)
		}
	}
	return connection(items, args["paging"])
}
