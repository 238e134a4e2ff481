package domain

import (
	"fmt"
	"sort"
	"strings"
)

// Views: Twenty's core views (the lists and boards the frontend renders)
// with their fields, filters, filter groups, groups and sorts. They are
// workspace metadata kept in the log like objects and fields: a view
// command is decided (DecideView) against the schema and the current view
// items into events "<kind>.created|updated|deleted|destroyed", which the
// projector writes to the _views table. An item is a map of Twenty's
// GraphQL members (body) plus the keys the projection indexes.

// ViewKind names one kind of view item; it is also the event type prefix.
type ViewKind string

const (
	KindView            ViewKind = "view"
	KindViewField       ViewKind = "viewField"
	KindViewFilter      ViewKind = "viewFilter"
	KindViewFilterGroup ViewKind = "viewFilterGroup"
	KindViewGroup       ViewKind = "viewGroup"
	KindViewSort        ViewKind = "viewSort"
	KindViewFieldGroup  ViewKind = "viewFieldGroup"
)

// ViewKinds lists every kind, the view first.
var ViewKinds = []ViewKind{KindView, KindViewField, KindViewFilter, KindViewFilterGroup, KindViewGroup, KindViewSort, KindViewFieldGroup}

// IsViewEvent reports whether typ is a view event ("viewSort.created", ...).
func IsViewEvent(typ string) bool {
	kind, action := SplitEventType(typ)
	if viewSpecs[ViewKind(kind)] == nil {
		return false
	}
	switch action {
	case ActionCreated, ActionUpdated, ActionDeleted, ActionDestroyed:
		return true
	}
	return false
}

// viewSpec says what an item of a kind has by default (Twenty's entity
// defaults), which members a create needs and which ones never change.
type viewSpec struct {
	defaults map[string]any
	required []string
	fixed    []string // may not change after creation
}

var viewSpecs = map[ViewKind]*viewSpec{
	KindView: {
		defaults: map[string]any{"type": "TABLE", "key": nil, "position": 0.0, "isCompact": false,
			"isCustom": true, "openRecordIn": "SIDE_PANEL", "kanbanAggregateOperation": nil,
			"kanbanAggregateOperationFieldMetadataId": nil, "mainGroupByFieldMetadataId": nil,
			"shouldHideEmptyGroups": false, "calendarFieldMetadataId": nil, "calendarEndFieldMetadataId": nil, "calendarLayout": nil,
			"anyFieldFilterValue": nil, "visibility": "WORKSPACE", "createdByUserWorkspaceId": nil},
		required: []string{"name", "objectMetadataId", "icon"},
		fixed:    []string{"objectMetadataId"},
	},
	KindViewField: {
		defaults: map[string]any{"isVisible": true, "position": 0.0, "size": 0.0, "aggregateOperation": nil, "viewFieldGroupId": nil},
		required: []string{"viewId", "fieldMetadataId"},
		fixed:    []string{"viewId"},
	},
	KindViewFilter: {
		defaults: map[string]any{"operand": "IS", "viewFilterGroupId": nil, "positionInViewFilterGroup": nil, "subFieldName": nil,
			"relationTargetFieldMetadataId": nil},
		required: []string{"viewId", "fieldMetadataId", "value"},
		fixed:    []string{"viewId"},
	},
	KindViewFilterGroup: {
		defaults: map[string]any{"logicalOperator": "AND", "parentViewFilterGroupId": nil, "positionInViewFilterGroup": nil},
		required: []string{"viewId"},
		fixed:    []string{"viewId"},
	},
	KindViewGroup: {
		defaults: map[string]any{"isVisible": true, "position": 0.0, "fieldMetadataId": nil},
		required: []string{"viewId", "fieldValue"},
		fixed:    []string{"viewId"},
	},
	KindViewFieldGroup: {
		defaults: map[string]any{"isVisible": true, "position": 0.0},
		required: []string{"viewId", "name"},
		fixed:    []string{"viewId"},
	},
	KindViewSort: {
		defaults: map[string]any{"direction": "ASC"},
		required: []string{"viewId", "fieldMetadataId"},
		fixed:    []string{"viewId"},
	},
}

// fieldRefs are the members that hold a field metadata id of the view's object.
var fieldRefs = []string{"fieldMetadataId", "kanbanAggregateOperationFieldMetadataId",
	"mainGroupByFieldMetadataId", "calendarFieldMetadataId", "calendarEndFieldMetadataId"}

// ViewItem is one view, view field, filter, filter group, group or sort.
type ViewItem struct {
	Kind     ViewKind       `msgpack:"kind" json:"kind"`
	ID       string         `msgpack:"id" json:"id"`
	ViewID   string         `msgpack:"viewId" json:"viewId"`     // the item's view (itself for a view)
	ObjectID string         `msgpack:"objectId" json:"objectId"` // the view's object
	Body     map[string]any `msgpack:"body" json:"body"`         // Twenty's members (id included)
	Deleted  bool           `msgpack:"-" json:"-"`               // soft-deleted (deletedAt set)
}

// FieldID is the field metadata id the item is about ("" for none).
func (it *ViewItem) FieldID() string {
	s, _ := it.Body["fieldMetadataId"].(string)
	return s
}

// Payloads of view events.
type (
	// ViewItemsCreated adds items of the event's kind; a view.created also
	// carries the view's fields and groups (a default view is one event).
	ViewItemsCreated struct {
		Items []*ViewItem `msgpack:"items"`
	}
	// ViewItemUpdated changes members of one item.
	ViewItemUpdated struct {
		ID     string         `msgpack:"id"`
		ViewID string         `msgpack:"viewId"`
		Set    map[string]any `msgpack:"set"`
	}
	// ViewItemRemoved soft-deletes (.deleted) or removes (.destroyed) one
	// item; destroying a view removes its items too.
	ViewItemRemoved struct {
		ID     string `msgpack:"id"`
		ViewID string `msgpack:"viewId"`
	}
)

// Views is the current set of view items, by id.
type Views map[string]*ViewItem

// Of returns the live (not deleted) items of kind, for view viewID when it
// is not "", ordered by position then id.
func (v Views) Of(kind ViewKind, viewID string) []*ViewItem {
	var out []*ViewItem
	for _, it := range v {
		if it.Kind == kind && !it.Deleted && (viewID == "" || it.ViewID == viewID) {
			out = append(out, it)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		pi, pj := viewNumber(out[i].Body["position"]), viewNumber(out[j].Body["position"])
		if pi != pj {
			return pi < pj
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func viewNumber(v any) float64 {
	f, _ := asFloat(v)
	return f
}

// ViewCommand changes views.
type ViewCommand interface{ viewCommand() }

// CreateViewItems creates items of one kind (createCoreView,
// createCoreViewField, createManyCoreViewFields, ...). Inputs are Twenty's
// create inputs; an input may name its id.
type CreateViewItems struct {
	Kind   ViewKind
	Inputs []map[string]any
}

// UpdateViewItem changes members of one item.
type UpdateViewItem struct {
	Kind ViewKind
	ID   string
	Set  map[string]any
}

// RemoveViewItem soft-deletes an item, or destroys it when Destroy is set.
type RemoveViewItem struct {
	Kind    ViewKind
	ID      string
	Destroy bool
}

func (CreateViewItems) viewCommand() {}
func (UpdateViewItem) viewCommand()  {}
func (RemoveViewItem) viewCommand()  {}

// ViewNotFoundError names a missing view item.
type ViewNotFoundError struct {
	Kind ViewKind
	ID   string
}

func (e *ViewNotFoundError) Error() string   { return fmt.Sprintf("%s %s not found", e.Kind, e.ID) }
func (e *ViewNotFoundError) Is(t error) bool { return t == ErrNotFound }

// RuleView is the rule of refused view commands (ValidationError.Rule).
const RuleView = "view"

// DecideView turns a view command into events, or refuses it. It is pure:
// newID supplies the ids of items created without one.
func DecideView(s *Schema, views Views, cmd ViewCommand, newID func() string) ([]Change, error) {
	switch c := cmd.(type) {
	case CreateViewItems:
		return decideCreateViewItems(s, views, c, newID)
	case UpdateViewItem:
		return decideUpdateViewItem(s, views, c)
	case RemoveViewItem:
		it := views[c.ID]
		if it == nil || it.Kind != c.Kind || (it.Deleted && !c.Destroy) {
			return nil, &ViewNotFoundError{Kind: c.Kind, ID: c.ID}
		}
		action := ActionDeleted
		if c.Destroy {
			action = ActionDestroyed
		}
		out := []Change{{Type: EventType(string(c.Kind), action), Payload: ViewItemRemoved{ID: it.ID, ViewID: it.ViewID}}}
		// A field group's fields leave it (they stay in the view).
		for _, f := range views.Of(KindViewField, it.ViewID) {
			if c.Kind == KindViewFieldGroup && f.Body["viewFieldGroupId"] == it.ID {
				out = append(out, Change{Type: EventType(string(KindViewField), ActionUpdated),
					Payload: ViewItemUpdated{ID: f.ID, ViewID: f.ViewID, Set: map[string]any{"viewFieldGroupId": nil}}})
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("domain: unknown view command %T", cmd)
}

func decideCreateViewItems(s *Schema, views Views, c CreateViewItems, newID func() string) ([]Change, error) {
	spec := viewSpecs[c.Kind]
	if spec == nil {
		return nil, fmt.Errorf("domain: unknown view kind %q", c.Kind)
	}
	if len(c.Inputs) == 0 {
		return nil, nil
	}
	seen := Views{}
	var items []*ViewItem
	for i, in := range c.Inputs {
		field := func(name string) string {
			if len(c.Inputs) > 1 {
				return fmt.Sprintf("inputs[%d].%s", i, name)
			}
			return name
		}
		for _, k := range spec.required {
			if v, ok := in[k]; !ok || v == nil || v == "" {
				return nil, &ValidationError{Field: field(k), Rule: RuleRequired, Message: fmt.Sprintf("%s is required", k)}
			}
		}
		body := map[string]any{}
		for k, v := range spec.defaults {
			body[k] = v
		}
		for k, v := range in {
			body[k] = normalizeViewValue(v)
		}
		id, _ := in["id"].(string)
		if id == "" {
			id = newID()
		} else if !IsUUID(id) {
			return nil, &ValidationError{Field: field("id"), Rule: RuleView, Message: fmt.Sprintf("id %q is not a UUID", id)}
		} else if views[id] != nil || seen[id] != nil {
			return nil, &ValidationError{Field: field("id"), Rule: RuleUnique, Message: fmt.Sprintf("a view item with id %s exists", id)}
		}
		body["id"] = id
		it := &ViewItem{Kind: c.Kind, ID: id, Body: body}
		if c.Kind == KindView {
			it.ViewID = id
			it.ObjectID, _ = body["objectMetadataId"].(string)
			if s.ObjectByID(it.ObjectID) == nil {
				return nil, &ValidationError{Field: field("objectMetadataId"), Rule: RuleView, Message: fmt.Sprintf("no object with id %q", it.ObjectID)}
			}
		} else {
			it.ViewID, _ = body["viewId"].(string)
			v := views[it.ViewID]
			if v == nil || v.Kind != KindView || v.Deleted {
				return nil, &ValidationError{Field: field("viewId"), Rule: RuleView, Message: fmt.Sprintf("no view with id %q", it.ViewID)}
			}
			it.ObjectID = v.ObjectID
		}
		if err := checkViewRefs(s, views, seen, it, field); err != nil {
			return nil, err
		}
		seen[id] = it
		items = append(items, it)
	}
	return []Change{{Type: EventType(string(c.Kind), ActionCreated), Payload: ViewItemsCreated{Items: items}}}, nil
}

// checkViewRefs checks that the metadata ids an item names belong to its
// view's object, and that its filter groups are in its view.
func checkViewRefs(s *Schema, views, pending Views, it *ViewItem, field func(string) string) error {
	obj := s.ObjectByID(it.ObjectID)
	for _, k := range fieldRefs {
		id, _ := it.Body[k].(string)
		if id == "" {
			continue
		}
		if fo, f := s.FieldByID(id); f == nil || fo != obj {
			name := "?"
			if obj != nil {
				name = obj.NameSingular
			}
			return &ValidationError{Field: field(k), Rule: RuleView, Message: fmt.Sprintf("%s has no field with id %q", name, id)}
		}
	}
	// A group a member names is a live group of the same view.
	for k, kind := range map[string]ViewKind{"viewFilterGroupId": KindViewFilterGroup, "parentViewFilterGroupId": KindViewFilterGroup, "viewFieldGroupId": KindViewFieldGroup} {
		id, _ := it.Body[k].(string)
		if id == "" {
			continue
		}
		g := views[id]
		if g == nil {
			g = pending[id]
		}
		if g == nil || g.Kind != kind || g.Deleted || g.ViewID != it.ViewID || g.ID == it.ID {
			return &ValidationError{Field: field(k), Rule: RuleView, Message: fmt.Sprintf("no %s with id %q in view %s", kind, id, it.ViewID)}
		}
	}
	return nil
}

func decideUpdateViewItem(s *Schema, views Views, c UpdateViewItem) ([]Change, error) {
	spec := viewSpecs[c.Kind]
	it := views[c.ID]
	if spec == nil || it == nil || it.Kind != c.Kind || it.Deleted {
		return nil, &ViewNotFoundError{Kind: c.Kind, ID: c.ID}
	}
	set := map[string]any{}
	for k, v := range c.Set {
		if k == "id" {
			if v != nil && v != c.ID {
				return nil, &ValidationError{Field: "id", Rule: RuleImmutable, Message: "id cannot change"}
			}
			continue
		}
		for _, f := range spec.fixed {
			if k == f && v != nil && v != it.Body[k] {
				return nil, &ValidationError{Field: k, Rule: RuleImmutable, Message: fmt.Sprintf("%s cannot change", k)}
			}
		}
		set[k] = normalizeViewValue(v)
	}
	for _, k := range spec.required {
		if v, ok := set[k]; ok && (v == nil || v == "") {
			return nil, &ValidationError{Field: k, Rule: RuleRequired, Message: fmt.Sprintf("%s cannot be empty", k)}
		}
	}
	if len(set) == 0 {
		return nil, nil
	}
	after := &ViewItem{Kind: it.Kind, ID: it.ID, ViewID: it.ViewID, ObjectID: it.ObjectID, Body: map[string]any{}}
	for k, v := range it.Body {
		after.Body[k] = v
	}
	for k, v := range set {
		after.Body[k] = v
	}
	if err := checkViewRefs(s, views, nil, after, func(k string) string { return k }); err != nil {
		return nil, err
	}
	return []Change{{Type: EventType(string(c.Kind), ActionUpdated), Payload: ViewItemUpdated{ID: it.ID, ViewID: it.ViewID, Set: set}}}, nil
}

// normalizeViewValue gives numbers one type (float64, as Twenty's Float
// members and JSON decoding have them), so an event reads back as decided.
func normalizeViewValue(v any) any {
	switch x := v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32:
		return viewNumber(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeViewValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalizeViewValue(e)
		}
		return out
	}
	return v
}

// IndexViewName is the name Twenty gives an object's default view; the
// placeholder is the object's plural label, resolved when read.
const IndexViewName = "All {objectLabelPlural}"

// ViewName resolves the placeholder of a view name against obj.
func ViewName(name string, obj *Object) string {
	if obj == nil {
		return name
	}
	return strings.ReplaceAll(name, "{objectLabelPlural}", obj.LabelPlural)
}

// DefaultViews returns the view events a new object gets, as Twenty seeds
// them: an INDEX table view "All <Objects>" listing its fields in position
// order (the label identifier first; system fields and one-to-many
// relations left out), and for opportunities a kanban by stage. newID
// supplies ids (name-based for standard objects, so a seed is stable).
func DefaultViews(obj *Object, newID func(parts ...string) string) []Change {
	index := newID("view", obj.NameSingular, "index")
	view := &ViewItem{Kind: KindView, ID: index, ViewID: index, ObjectID: obj.ID, Body: viewBody(KindView, map[string]any{
		"id": index, "name": IndexViewName, "objectMetadataId": obj.ID, "key": "INDEX",
		"icon": "IconList", "isCustom": false, "position": 0.0,
	})}
	items := []*ViewItem{view}
	pos := 0.0
	for _, f := range viewFieldOrder(obj) {
		id := newID("viewField", obj.NameSingular, "index", f.Name)
		size := 150.0
		if f.Name == obj.LabelIdentifier {
			size = 210
		}
		items = append(items, &ViewItem{Kind: KindViewField, ID: id, ViewID: index, ObjectID: obj.ID, Body: viewBody(KindViewField, map[string]any{
			"id": id, "viewId": index, "fieldMetadataId": f.ID, "position": pos, "size": size, "isVisible": true,
		})})
		pos++
	}
	changes := []Change{{Type: EventType(string(KindView), ActionCreated), Payload: ViewItemsCreated{Items: items}}}
	if stage := obj.Field("stage"); obj.NameSingular == "opportunity" && stage != nil && stage.Type == TypeSelect {
		changes = append(changes, kanbanView(obj, stage, items[1:], newID))
	}
	return changes
}

// kanbanView is Twenty's "By Stage" board of opportunities: the index
// view's fields, one group per stage option.
func kanbanView(obj *Object, stage *Field, fields []*ViewItem, newID func(parts ...string) string) Change {
	id := newID("view", obj.NameSingular, "byStage")
	items := []*ViewItem{{Kind: KindView, ID: id, ViewID: id, ObjectID: obj.ID, Body: viewBody(KindView, map[string]any{
		"id": id, "name": "By Stage", "objectMetadataId": obj.ID, "type": "KANBAN", "icon": "IconLayoutKanban",
		"isCustom": false, "position": 1.0, "mainGroupByFieldMetadataId": stage.ID,
		"kanbanAggregateOperation": "COUNT",
	})}}
	for _, f := range fields {
		fid := newID("viewField", obj.NameSingular, "byStage", f.FieldID())
		body := map[string]any{}
		for k, v := range f.Body {
			body[k] = v
		}
		body["id"], body["viewId"] = fid, id
		items = append(items, &ViewItem{Kind: KindViewField, ID: fid, ViewID: id, ObjectID: obj.ID, Body: body})
	}
	for i, o := range stage.Options {
		gid := newID("viewGroup", obj.NameSingular, "byStage", o.Value)
		items = append(items, &ViewItem{Kind: KindViewGroup, ID: gid, ViewID: id, ObjectID: obj.ID, Body: viewBody(KindViewGroup, map[string]any{
			"id": gid, "viewId": id, "fieldMetadataId": stage.ID, "fieldValue": o.Value, "position": float64(i), "isVisible": true,
		})})
	}
	return Change{Type: EventType(string(KindView), ActionCreated), Payload: ViewItemsCreated{Items: items}}
}

func viewBody(kind ViewKind, m map[string]any) map[string]any {
	body := map[string]any{}
	for k, v := range viewSpecs[kind].defaults {
		body[k] = v
	}
	for k, v := range m {
		body[k] = v
	}
	return body
}

// viewFieldOrder lists the fields a default view shows, in position order.
func viewFieldOrder(obj *Object) []*Field {
	var out []*Field
	if f := obj.Field(obj.LabelIdentifier); f != nil {
		out = append(out, f)
	}
	for _, f := range obj.Fields {
		// Twenty's default views show who created a record and when.
		shown := !f.IsSystem || f.Name == "createdBy" || f.Name == "createdAt"
		if f.Name == obj.LabelIdentifier || !shown || f.Inactive {
			continue
		}
		if f.Type == TypeRelation && (f.Relation == nil || f.Relation.Type != ManyToOne) {
			continue
		}
		switch f.Name {
		case "id", "position", "deletedAt", "searchVector":
			continue
		}
		out = append(out, f)
	}
	return out
}

// ViewFieldsForNewFields returns, for each field a metadata change creates
// (not the inverse side of a relation), a view field at the end of every
// live view of its object, as Twenty shows a new field in its views.
func ViewFieldsForNewFields(views Views, changes []Change, newID func() string) []Change {
	var out []Change
	for _, ch := range changes {
		pl, ok := ch.Payload.(FieldCreated)
		if !ok || pl.Field == nil || ch.Type != EventFieldCreated {
			continue
		}
		var items []*ViewItem
		for _, v := range views.Of(KindView, "") {
			if v.ObjectID != pl.ObjectID {
				continue
			}
			pos := 0.0
			for _, f := range views.Of(KindViewField, v.ID) {
				pos = max(pos, viewNumber(f.Body["position"])+1)
			}
			id := newID()
			items = append(items, &ViewItem{Kind: KindViewField, ID: id, ViewID: v.ID, ObjectID: v.ObjectID, Body: viewBody(KindViewField, map[string]any{
				"id": id, "viewId": v.ID, "fieldMetadataId": pl.Field.ID, "position": pos, "size": 150.0, "isVisible": true,
			})})
		}
		if len(items) > 0 {
			out = append(out, Change{Type: EventType(string(KindViewField), ActionCreated), Payload: ViewItemsCreated{Items: items}})
		}
	}
	return out
}
