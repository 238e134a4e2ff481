package domain

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func standardByName(t *testing.T) map[string]*Object {
	t.Helper()
	m := map[string]*Object{}
	for _, o := range StandardObjects() {
		if m[o.NameSingular] != nil {
			t.Fatalf("object %s defined twice", o.NameSingular)
		}
		m[o.NameSingular] = o
	}
	return m
}

func TestStandardObjectNames(t *testing.T) {
	objs := standardByName(t)
	tests := []struct{ singular, plural, label string }{
		{"company", "companies", "Company"},
		{"person", "people", "Person"},
		{"opportunity", "opportunities", "Opportunity"},
		{"note", "notes", "Note"},
		{"task", "tasks", "Task"},
		{"noteTarget", "noteTargets", "Note Target"},
		{"taskTarget", "taskTargets", "Task Target"},
		{"attachment", "attachments", "Attachment"},
		{"workspaceMember", "workspaceMembers", "Workspace Member"},
		{"timelineActivity", "timelineActivities", "Timeline Activity"},
		{"favorite", "favorites", "Favorite"},
		{"workflow", "workflows", "Workflow"},
		{"workflowVersion", "workflowVersions", "Workflow Version"},
		{"workflowRun", "workflowRuns", "Workflow Run"},
		{"workflowAutomatedTrigger", "workflowAutomatedTriggers", "Workflow Automated Trigger"},
		{"favoriteFolder", "favoriteFolders", "Favorite Folder"},
	}
	if len(objs) != len(tests) {
		t.Errorf("got %d standard objects, want %d", len(objs), len(tests))
	}
	schema := &Schema{Objects: StandardObjects()}
	for _, tt := range tests {
		t.Run(tt.singular, func(t *testing.T) {
			o := objs[tt.singular]
			if o == nil {
				t.Fatalf("missing object %s", tt.singular)
			}
			if o.NamePlural != tt.plural || o.LabelSingular != tt.label {
				t.Errorf("got %s/%s label %q, want %s/%s label %q", o.NameSingular, o.NamePlural, o.LabelSingular,
					tt.singular, tt.plural, tt.label)
			}
			if got := schema.ObjectByPlural(tt.plural); got == nil || got.NameSingular != tt.singular {
				t.Errorf("ObjectByPlural(%q) = %v", tt.plural, got)
			}
			if !o.IsActive || o.IsCustom || o.LabelPlural == "" || o.Icon == "" {
				t.Errorf("object flags/labels: active=%v custom=%v labelPlural=%q icon=%q", o.IsActive, o.IsCustom, o.LabelPlural, o.Icon)
			}
		})
	}
}

func TestStandardObjectsHaveSystemFields(t *testing.T) {
	// Twenty declares the timeline with its base entity's fields alone.
	baseOnly := map[string]bool{"timelineActivity": true}
	for _, o := range StandardObjects() {
		for _, sf := range SystemFields() {
			f := o.Field(sf.Name)
			if baseOnly[o.NameSingular] && (sf.Name == "createdBy" || sf.Name == "updatedBy" || sf.Name == "position") {
				if f != nil {
					t.Errorf("%s: has %s, which Twenty's has not", o.NameSingular, sf.Name)
				}
				continue
			}
			if f == nil {
				t.Errorf("%s: missing system field %s", o.NameSingular, sf.Name)
				continue
			}
			if f.Type != sf.Type || !f.IsSystem || f.IsNullable != sf.IsNullable {
				t.Errorf("%s.%s: type %s system %v nullable %v, want %s true %v", o.NameSingular, f.Name,
					f.Type, f.IsSystem, f.IsNullable, sf.Type, sf.IsNullable)
			}
		}
	}
}

func TestStandardObjectsUniqueNamesAndColumns(t *testing.T) {
	for _, o := range StandardObjects() {
		names := map[string]bool{}
		for _, f := range o.Fields {
			if f.Name == "" || f.Label == "" || f.Type == "" {
				t.Errorf("%s: field %+v lacks name, label or type", o.NameSingular, f)
			}
			if names[f.Name] {
				t.Errorf("%s: duplicate field %s", o.NameSingular, f.Name)
			}
			names[f.Name] = true
		}
		cols := map[string]string{}
		for _, c := range o.Columns() {
			if prev, dup := cols[c.Name]; dup {
				t.Errorf("%s: column %s used by %s and %s", o.NameSingular, c.Name, prev, c.Field.Name)
			}
			cols[c.Name] = c.Field.Name
		}
		// Every MANY_TO_ONE relation's join column is an input key that does not
		// shadow a field.
		for _, f := range o.Fields {
			if f.Relation != nil && f.Relation.Type == ManyToOne && names[f.JoinColumn()] {
				t.Errorf("%s: join column %s collides with a field", o.NameSingular, f.JoinColumn())
			}
		}
	}
}

func TestStandardRelationsHaveInverse(t *testing.T) {
	objs := standardByName(t)
	for _, o := range StandardObjects() {
		for _, f := range o.Fields {
			if (f.Type == TypeRelation) != (f.Relation != nil) {
				t.Errorf("%s.%s: type %s with relation %v", o.NameSingular, f.Name, f.Type, f.Relation)
				continue
			}
			if f.Relation == nil {
				continue
			}
			r := f.Relation
			target := objs[r.TargetObject]
			if target == nil {
				t.Errorf("%s.%s: unknown target object %q", o.NameSingular, f.Name, r.TargetObject)
				continue
			}
			inv := target.Field(r.TargetField)
			if inv == nil || inv.Relation == nil {
				t.Errorf("%s.%s: no inverse relation %s.%s", o.NameSingular, f.Name, r.TargetObject, r.TargetField)
				continue
			}
			if inv.Type != TypeRelation || inv.Relation.TargetObject != o.NameSingular || inv.Relation.TargetField != f.Name {
				t.Errorf("%s.%s: inverse %s.%s points at %s.%s", o.NameSingular, f.Name, target.NameSingular, inv.Name,
					inv.Relation.TargetObject, inv.Relation.TargetField)
			}
			switch r.Type {
			case ManyToOne:
				if inv.Relation.Type != OneToMany {
					t.Errorf("%s.%s: MANY_TO_ONE inverse is %s", o.NameSingular, f.Name, inv.Relation.Type)
				}
				if r.OnDelete == "" {
					t.Errorf("%s.%s: MANY_TO_ONE without onDelete", o.NameSingular, f.Name)
				}
				if !f.IsNullable && r.OnDelete == OnDeleteSetNull {
					t.Errorf("%s.%s: SET_NULL on a non-nullable relation", o.NameSingular, f.Name)
				}
			case OneToMany:
				if inv.Relation.Type != ManyToOne {
					t.Errorf("%s.%s: ONE_TO_MANY inverse is %s", o.NameSingular, f.Name, inv.Relation.Type)
				}
				if r.OnDelete != "" {
					t.Errorf("%s.%s: ONE_TO_MANY carries onDelete %s", o.NameSingular, f.Name, r.OnDelete)
				}
			default:
				t.Errorf("%s.%s: relation type %q", o.NameSingular, f.Name, r.Type)
			}
		}
	}
}

func TestStandardRelations(t *testing.T) {
	objs := standardByName(t)
	tests := []struct {
		object, field, target, inverse string
		onDelete                       OnDelete
	}{
		{"person", "company", "company", "people", OnDeleteSetNull},
		{"company", "accountOwner", "workspaceMember", "accountOwnerForCompanies", OnDeleteSetNull},
		{"opportunity", "pointOfContact", "person", "pointOfContactForOpportunities", OnDeleteSetNull},
		{"opportunity", "company", "company", "opportunities", OnDeleteSetNull},
		{"opportunity", "owner", "workspaceMember", "ownedOpportunities", OnDeleteSetNull},
		{"task", "assignee", "workspaceMember", "assignedTasks", OnDeleteSetNull},
		{"noteTarget", "note", "note", "noteTargets", OnDeleteCascade},
		{"noteTarget", "person", "person", "noteTargets", OnDeleteCascade},
		{"noteTarget", "company", "company", "noteTargets", OnDeleteCascade},
		{"noteTarget", "opportunity", "opportunity", "noteTargets", OnDeleteCascade},
		{"taskTarget", "task", "task", "taskTargets", OnDeleteCascade},
		{"taskTarget", "person", "person", "taskTargets", OnDeleteCascade},
		{"taskTarget", "company", "company", "taskTargets", OnDeleteCascade},
		{"taskTarget", "opportunity", "opportunity", "taskTargets", OnDeleteCascade},
		{"attachment", "person", "person", "attachments", OnDeleteCascade},
		{"attachment", "company", "company", "attachments", OnDeleteCascade},
		{"attachment", "opportunity", "opportunity", "attachments", OnDeleteCascade},
		{"attachment", "note", "note", "attachments", OnDeleteSetNull},
		{"attachment", "task", "task", "attachments", OnDeleteSetNull},
		{"timelineActivity", "workspaceMember", "workspaceMember", "timelineActivities", OnDeleteCascade},
		{"timelineActivity", "targetPerson", "person", "timelineActivities", OnDeleteCascade},
		{"timelineActivity", "targetCompany", "company", "timelineActivities", OnDeleteCascade},
		{"timelineActivity", "targetOpportunity", "opportunity", "timelineActivities", OnDeleteSetNull},
		{"timelineActivity", "targetNote", "note", "timelineActivities", OnDeleteSetNull},
		{"timelineActivity", "targetTask", "task", "timelineActivities", OnDeleteSetNull},
		{"favorite", "forWorkspaceMember", "workspaceMember", "favorites", OnDeleteCascade},
		{"favorite", "person", "person", "favorites", OnDeleteCascade},
		{"favorite", "company", "company", "favorites", OnDeleteCascade},
		{"favorite", "opportunity", "opportunity", "favorites", OnDeleteCascade},
		{"favorite", "task", "task", "favorites", OnDeleteCascade},
		{"favorite", "note", "note", "favorites", OnDeleteCascade},
	}
	for _, tt := range tests {
		t.Run(tt.object+"."+tt.field, func(t *testing.T) {
			f := objs[tt.object].Field(tt.field)
			if f == nil || f.Relation == nil {
				t.Fatalf("missing relation field")
			}
			want := Relation{Type: ManyToOne, TargetObject: tt.target, TargetField: tt.inverse, OnDelete: tt.onDelete}
			if *f.Relation != want {
				t.Errorf("relation = %+v, want %+v", *f.Relation, want)
			}
			if cols := f.Columns(); len(cols) != 1 || cols[0].Name != tt.field+"Id" || cols[0].Type != TypeUUID {
				t.Errorf("columns = %+v", cols)
			}
			inv := objs[tt.target].Field(tt.inverse)
			if inv == nil || len(inv.Columns()) != 0 {
				t.Errorf("inverse %s.%s missing or stored", tt.target, tt.inverse)
			}
		})
	}
}

func TestStandardFields(t *testing.T) {
	objs := standardByName(t)
	tests := []struct {
		object, field string
		typ           FieldType
		nullable      bool
		def           any
		options       []string
	}{
		{"company", "name", TypeText, true, nil, nil},
		{"company", "domainName", TypeLinks, true, nil, nil},
		{"company", "address", TypeAddress, true, nil, nil},
		{"company", "employees", TypeNumber, true, nil, nil},
		{"company", "linkedinLink", TypeLinks, true, nil, nil},
		{"company", "xLink", TypeLinks, true, nil, nil},
		{"company", "annualRecurringRevenue", TypeCurrency, true, nil, nil},
		{"company", "idealCustomerProfile", TypeBoolean, false, false, nil},
		{"person", "name", TypeFullName, true, nil, nil},
		{"person", "emails", TypeEmails, true, nil, nil},
		{"person", "phones", TypePhones, true, nil, nil},
		{"person", "jobTitle", TypeText, true, nil, nil},
		{"person", "city", TypeText, true, nil, nil},
		{"person", "avatarUrl", TypeText, true, nil, nil},
		{"opportunity", "amount", TypeCurrency, true, nil, nil},
		{"opportunity", "closeDate", TypeDateTime, true, nil, nil},
		{"opportunity", "stage", TypeSelect, false, "NEW", []string{"NEW", "SCREENING", "MEETING", "PROPOSAL", "CUSTOMER"}},
		{"note", "title", TypeText, true, nil, nil},
		{"note", "bodyV2", TypeRichTextV2, true, nil, nil},
		{"task", "bodyV2", TypeRichTextV2, true, nil, nil},
		{"task", "dueAt", TypeDateTime, true, nil, nil},
		{"task", "status", TypeSelect, true, "TODO", []string{"TODO", "IN_PROGRESS", "DONE"}},
		{"attachment", "name", TypeText, true, nil, nil},
		{"attachment", "fullPath", TypeText, true, nil, nil},
		{"attachment", "fileCategory", TypeSelect, false, "OTHER",
			[]string{"ARCHIVE", "AUDIO", "IMAGE", "PRESENTATION", "SPREADSHEET", "TEXT_DOCUMENT", "VIDEO", "OTHER"}},
		{"workspaceMember", "userId", TypeUUID, false, nil, nil},
		{"workspaceMember", "userEmail", TypeText, true, nil, nil},
		{"workspaceMember", "locale", TypeText, false, "en", nil},
		{"timelineActivity", "happensAt", TypeDateTime, false, "now", nil},
		{"timelineActivity", "properties", TypeRawJSON, true, nil, nil},
		{"timelineActivity", "linkedRecordId", TypeUUID, true, nil, nil},
		{"timelineActivity", "linkedObjectMetadataId", TypeUUID, true, nil, nil},
		{"favorite", "viewId", TypeUUID, true, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.object+"."+tt.field, func(t *testing.T) {
			f := objs[tt.object].Field(tt.field)
			if f == nil {
				t.Fatal("missing field")
			}
			if f.Type != tt.typ || f.IsNullable != tt.nullable || !reflect.DeepEqual(f.DefaultValue, tt.def) {
				t.Errorf("got type %s nullable %v default %#v, want %s %v %#v", f.Type, f.IsNullable, f.DefaultValue,
					tt.typ, tt.nullable, tt.def)
			}
			var opts []string
			for i, o := range f.Options {
				opts = append(opts, o.Value)
				if o.Position != i || o.Label == "" {
					t.Errorf("option %+v: position/label", o)
				}
			}
			if !reflect.DeepEqual(opts, tt.options) {
				t.Errorf("options = %v, want %v", opts, tt.options)
			}
		})
	}
	if !objs["company"].Field("domainName").IsUnique {
		t.Error("company.domainName should be unique")
	}
}

func TestStandardLabelIdentifiersAndSearchable(t *testing.T) {
	objs := standardByName(t)
	tests := []struct {
		object, label string
		searchable    []string
	}{
		{"company", "name", []string{"name", "domainName"}},
		{"person", "name", []string{"name", "emails", "phones", "jobTitle"}},
		{"opportunity", "name", []string{"name"}},
		{"note", "title", []string{"title", "bodyV2"}},
		{"task", "title", []string{"title", "bodyV2"}},
		{"attachment", "name", []string{"name"}},
		{"workspaceMember", "name", []string{"name", "userEmail"}},
		{"timelineActivity", "name", nil}, // Twenty does not search the timeline
		{"noteTarget", "id", nil},
		{"taskTarget", "id", nil},
		{"favorite", "id", nil},
	}
	for _, tt := range tests {
		o := objs[tt.object]
		if o.LabelIdentifier != tt.label || !reflect.DeepEqual(o.Searchable, tt.searchable) {
			t.Errorf("%s: label %q searchable %v, want %q %v", tt.object, o.LabelIdentifier, o.Searchable, tt.label, tt.searchable)
		}
	}
	for _, o := range StandardObjects() {
		if o.Field(o.LabelIdentifier) == nil {
			t.Errorf("%s: label identifier %q is not a field", o.NameSingular, o.LabelIdentifier)
		}
		for _, s := range o.Searchable {
			if f := o.Field(s); f == nil || f.Type == TypeRelation {
				t.Errorf("%s: searchable %q is not a stored field", o.NameSingular, s)
			}
		}
	}
}

var stdTestUUIDv5 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestDeterministicIDs(t *testing.T) {
	if a, b := DeterministicID("object", "company"), DeterministicID("object", "company"); a != b {
		t.Fatalf("not deterministic: %s %s", a, b)
	}
	if DeterministicID("object", "company") == DeterministicID("object", "person") {
		t.Fatal("different names gave the same id")
	}
	if DeterministicID("object:company") != DeterministicID("object", "company") {
		t.Error("parts should be joined with ':'")
	}
	first, second := StandardObjects(), StandardObjects()
	seen := map[string]string{}
	for i, o := range first {
		if o.ID != ObjectID(o.NameSingular) || o.ID != DeterministicID("object", o.NameSingular) || o.ID != second[i].ID {
			t.Errorf("%s: id %s not deterministic", o.NameSingular, o.ID)
		}
		if !stdTestUUIDv5.MatchString(o.ID) {
			t.Errorf("%s: id %q is not a v5 UUID", o.NameSingular, o.ID)
		}
		if prev, dup := seen[o.ID]; dup {
			t.Errorf("id %s shared by %s and %s", o.ID, prev, o.NameSingular)
		}
		seen[o.ID] = o.NameSingular
		for j, f := range o.Fields {
			name := o.NameSingular + "." + f.Name
			if f.ID != DeterministicID("field", name) || f.ID != second[i].Fields[j].ID {
				t.Errorf("%s: id %s not deterministic", name, f.ID)
			}
			if !stdTestUUIDv5.MatchString(f.ID) {
				t.Errorf("%s: id %q is not a v5 UUID", name, f.ID)
			}
			if prev, dup := seen[f.ID]; dup {
				t.Errorf("id %s shared by %s and %s", f.ID, prev, name)
			}
			seen[f.ID] = name
		}
	}
}

func TestTimeOrderedID(t *testing.T) {
	v7 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	a := TimeOrderedID(t0, "timeline", "01J", "targetPersonId")
	if a != TimeOrderedID(t0, "timeline", "01J", "targetPersonId") {
		t.Fatal("not deterministic")
	}
	if !v7.MatchString(a) {
		t.Fatalf("%q is not a version 7 UUID", a)
	}
	if a == TimeOrderedID(t0, "timeline", "01K", "targetPersonId") || a == TimeOrderedID(t0, "timeline", "01J", "targetCompanyId") {
		t.Error("different parts gave the same id")
	}
	if !strings.HasPrefix(a, fmt.Sprintf("%08x-%04x", uint64(t0.UnixMilli())>>16, uint64(t0.UnixMilli())&0xffff)) {
		t.Errorf("%s does not start with the time's milliseconds %x", a, t0.UnixMilli())
	}
	// Later times sort after, whatever the hash: the id index grows at its end.
	prev := a
	for i := 1; i <= 1000; i++ {
		id := TimeOrderedID(t0.Add(time.Duration(i)*time.Millisecond), "timeline", fmt.Sprint(i), "targetPersonId")
		if id <= prev {
			t.Fatalf("id at +%d ms %s sorts before %s", i, id, prev)
		}
		prev = id
	}
}

func TestStandardObjectsAreFresh(t *testing.T) {
	a := StandardObjects()
	a[0].Fields[0].Label = "changed"
	a[0].Fields = a[0].Fields[:1]
	b := StandardObjects()
	if b[0].Fields[0].Label == "changed" || len(b[0].Fields) == 1 {
		t.Error("StandardObjects shares state between calls")
	}
}

func TestAssignIDsKeepsExisting(t *testing.T) {
	o := &Object{NameSingular: "house", Fields: append(SystemFields(), &Field{ID: "keep", Name: "rooms"})}
	AssignIDs(o)
	if o.ID != ObjectID("house") || o.Field("id").ID != FieldID("house", "id") || o.Field("rooms").ID != "keep" {
		t.Errorf("AssignIDs: %s %s %s", o.ID, o.Field("id").ID, o.Field("rooms").ID)
	}
}
