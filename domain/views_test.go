package domain

import (
	"errors"
	"fmt"
	"testing"
)

// seededSchema gives standard objects and fields ids, as a workspace's seed does.
func seededSchema() *Schema {
	s := standardSchema()
	for _, o := range s.Objects {
		o.ID = DeterministicID("object", o.NameSingular)
		for _, f := range o.Fields {
			f.ID = DeterministicID("field", o.NameSingular, f.Name)
		}
	}
	return s
}

// viewsAfter applies view changes to views, as the projection does.
func viewsAfter(t *testing.T, v Views, changes []Change) Views {
	t.Helper()
	out := Views{}
	for k, it := range v {
		out[k] = it
	}
	for _, c := range changes {
		kind, action := SplitEventType(c.Type)
		switch p := c.Payload.(type) {
		case ViewItemsCreated:
			for _, it := range p.Items {
				out[it.ID] = it
			}
		case ViewItemUpdated:
			it := *out[p.ID]
			it.Body = map[string]any{}
			for k, v := range out[p.ID].Body {
				it.Body[k] = v
			}
			for k, v := range p.Set {
				it.Body[k] = v
			}
			out[p.ID] = &it
		case ViewItemRemoved:
			if action == ActionDestroyed {
				for id, it := range out {
					if id == p.ID || (kind == string(KindView) && it.ViewID == p.ID) {
						delete(out, id)
					}
				}
			} else {
				it := *out[p.ID]
				it.Deleted = true
				out[p.ID] = &it
			}
		default:
			t.Fatalf("%s: payload %T", c.Type, c.Payload)
		}
	}
	return out
}

func TestDefaultViewsOfCompaniesAndOpportunities(t *testing.T) {
	s := seededSchema()
	named := func(parts ...string) string { return DeterministicID(parts...) }
	company := s.Object("company")
	changes := DefaultViews(company, named)
	if len(changes) != 1 || changes[0].Type != "view.created" {
		t.Fatalf("company default views: %v", types(changes))
	}
	v := viewsAfter(t, Views{}, changes)
	views := v.Of(KindView, "")
	if len(views) != 1 || views[0].Body["key"] != "INDEX" || ViewName(views[0].Body["name"].(string), company) != "All Companies" {
		t.Fatalf("index view: %+v", views)
	}
	fields := v.Of(KindViewField, views[0].ID)
	if len(fields) < 4 || fields[0].FieldID() != company.Field("name").ID {
		t.Fatalf("view fields: %d, first %v", len(fields), fields)
	}
	seen := map[string]bool{}
	for i, f := range fields {
		if viewNumber(f.Body["position"]) != float64(i) || f.Body["isVisible"] != true {
			t.Errorf("field %d: %v", i, f.Body)
		}
		_, fl := s.FieldByID(f.FieldID())
		if fl == nil || (fl.IsSystem && fl.Name != "createdAt" && fl.Name != "createdBy") || seen[fl.Name] {
			t.Errorf("field %d is %+v", i, fl)
		}
		if fl != nil {
			seen[fl.Name] = true
		}
	}
	if !seen["domainName"] || !seen["accountOwner"] || seen["people"] {
		t.Errorf("fields shown: %v", seen)
	}
	again := DefaultViews(company, named)
	if again[0].Payload.(ViewItemsCreated).Items[0].ID != views[0].ID {
		t.Error("standard default views must have stable ids")
	}

	opp := s.Object("opportunity")
	changes = DefaultViews(opp, named)
	v = viewsAfter(t, Views{}, changes)
	var board *ViewItem
	for _, it := range v.Of(KindView, "") {
		if it.Body["type"] == "KANBAN" {
			board = it
		}
	}
	if board == nil || board.Body["mainGroupByFieldMetadataId"] != opp.Field("stage").ID {
		t.Fatalf("opportunities by stage: %+v", board)
	}
	if groups := v.Of(KindViewGroup, board.ID); len(groups) != len(opp.Field("stage").Options) || groups[0].Body["fieldValue"] != opp.Field("stage").Options[0].Value {
		t.Fatalf("board groups: %v", groups)
	}
}

func TestViewCommands(t *testing.T) {
	s := seededSchema()
	company := s.Object("company")
	n := 0
	newID := func() string { n++; return fmt.Sprintf("00000000-0000-7000-8000-%012d", n) }
	v := viewsAfter(t, Views{}, DefaultViews(company, func(parts ...string) string { return DeterministicID(parts...) }))
	viewID := v.Of(KindView, "")[0].ID
	decide := func(cmd ViewCommand) ([]Change, error) { return DecideView(s, v, cmd, newID) }

	// A filter and a sort on the index view.
	ch, err := decide(CreateViewItems{Kind: KindViewFilter, Inputs: []map[string]any{{
		"viewId": viewID, "fieldMetadataId": company.Field("employees").ID, "operand": "GREATER_THAN_OR_EQUAL", "value": "10"}}})
	if err != nil || len(ch) != 1 || ch[0].Type != "viewFilter.created" {
		t.Fatalf("create filter: %v %v", types(ch), err)
	}
	v = viewsAfter(t, v, ch)
	filters := v.Of(KindViewFilter, viewID)
	if len(filters) != 1 || filters[0].ObjectID != company.ID || filters[0].Body["subFieldName"] != nil {
		t.Fatalf("filters: %+v", filters)
	}
	ch, err = decide(CreateViewItems{Kind: KindViewSort, Inputs: []map[string]any{{"viewId": viewID, "fieldMetadataId": company.Field("name").ID}}})
	if err != nil {
		t.Fatal(err)
	}
	v = viewsAfter(t, v, ch)
	if sorts := v.Of(KindViewSort, viewID); len(sorts) != 1 || sorts[0].Body["direction"] != "ASC" {
		t.Fatalf("sorts: %+v", sorts)
	}
	// createMany is one event; an int position reads back as a float.
	ch, err = decide(CreateViewItems{Kind: KindViewGroup, Inputs: []map[string]any{
		{"viewId": viewID, "fieldValue": "a", "position": int64(1)}, {"viewId": viewID, "fieldValue": "b", "position": int64(0)}}})
	if err != nil || len(ch) != 1 || len(ch[0].Payload.(ViewItemsCreated).Items) != 2 {
		t.Fatalf("create many groups: %v %v", ch, err)
	}
	v = viewsAfter(t, v, ch)
	if g := v.Of(KindViewGroup, viewID); len(g) != 2 || g[0].Body["fieldValue"] != "b" || g[1].Body["position"] != 1.0 {
		t.Fatalf("groups in position order: %v", g)
	}

	// Update, soft delete, destroy.
	fid := filters[0].ID
	ch, err = decide(UpdateViewItem{Kind: KindViewFilter, ID: fid, Set: map[string]any{"value": "20"}})
	if err != nil || ch[0].Type != "viewFilter.updated" {
		t.Fatalf("update: %v %v", ch, err)
	}
	v = viewsAfter(t, v, ch)
	if v[fid].Body["value"] != "20" || v[fid].Body["operand"] != "GREATER_THAN_OR_EQUAL" {
		t.Fatalf("updated filter: %v", v[fid].Body)
	}
	ch, _ = decide(RemoveViewItem{Kind: KindViewFilter, ID: fid})
	v = viewsAfter(t, v, ch)
	if len(v.Of(KindViewFilter, viewID)) != 0 || v[fid] == nil {
		t.Fatal("a deleted filter is hidden but kept")
	}
	if _, err := decide(UpdateViewItem{Kind: KindViewFilter, ID: fid, Set: map[string]any{"value": "1"}}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of a deleted filter: %v", err)
	}
	ch, err = decide(RemoveViewItem{Kind: KindView, ID: viewID, Destroy: true})
	if err != nil || ch[0].Type != "view.destroyed" {
		t.Fatalf("destroy view: %v %v", ch, err)
	}
	if rest := viewsAfter(t, v, ch); len(rest) != 0 {
		t.Fatalf("destroying a view removes its items: %d left", len(rest))
	}

	// Refusals: each names the member and changes nothing.
	person := s.Object("person")
	for name, c := range map[string]struct {
		cmd   ViewCommand
		field string
	}{
		"no view":          {CreateViewItems{Kind: KindViewSort, Inputs: []map[string]any{{"viewId": newID(), "fieldMetadataId": company.Field("name").ID}}}, "viewId"},
		"other object":     {CreateViewItems{Kind: KindViewSort, Inputs: []map[string]any{{"viewId": viewID, "fieldMetadataId": person.Field("name").ID}}}, "fieldMetadataId"},
		"missing value":    {CreateViewItems{Kind: KindViewFilter, Inputs: []map[string]any{{"viewId": viewID, "fieldMetadataId": company.Field("name").ID}}}, "value"},
		"unknown object":   {CreateViewItems{Kind: KindView, Inputs: []map[string]any{{"name": "x", "icon": "IconList", "objectMetadataId": newID()}}}, "objectMetadataId"},
		"taken id":         {CreateViewItems{Kind: KindViewSort, Inputs: []map[string]any{{"id": viewID, "viewId": viewID, "fieldMetadataId": company.Field("name").ID}}}, "id"},
		"bad filter group": {CreateViewItems{Kind: KindViewFilter, Inputs: []map[string]any{{"viewId": viewID, "fieldMetadataId": company.Field("name").ID, "value": "x", "viewFilterGroupId": newID()}}}, "viewFilterGroupId"},
		"not a sort":       {UpdateViewItem{Kind: KindViewSort, ID: v.Of(KindViewField, viewID)[0].ID, Set: map[string]any{"direction": "DESC"}}, ""},
		"change view":      {UpdateViewItem{Kind: KindViewField, ID: v.Of(KindViewField, viewID)[0].ID, Set: map[string]any{"viewId": newID()}}, "viewId"},
		"empty name":       {UpdateViewItem{Kind: KindView, ID: viewID, Set: map[string]any{"name": ""}}, "name"},
	} {
		_, err := decide(c.cmd)
		var ve *ValidationError
		switch {
		case c.field == "" && !errors.Is(err, ErrNotFound):
			t.Errorf("%s: %v, want not found", name, err)
		case c.field != "" && (!errors.As(err, &ve) || ve.Field != c.field):
			t.Errorf("%s: %v, want a refusal of %s", name, err, c.field)
		}
	}
}

func TestCreateObjectGetsItsDefaultView(t *testing.T) {
	s := seededSchema()
	n := 0
	changes, err := DecideMetadata(s, CreateObject{LabelSingular: "Rocket", LabelPlural: "Rockets"}, func() string {
		n++
		return fmt.Sprintf("00000000-0000-7000-8000-%012d", n)
	})
	if err != nil {
		t.Fatal(err)
	}
	last := changes[len(changes)-1]
	items := last.Payload.(ViewItemsCreated).Items
	obj := changes[0].Payload.(ObjectCreated).Object
	if last.Type != "view.created" || items[0].ObjectID != obj.ID || items[1].FieldID() != obj.Field("name").ID {
		t.Fatalf("default view of a custom object: %s %+v", last.Type, items)
	}
}
