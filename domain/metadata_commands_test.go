package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// idGen returns deterministic ids: 00000000-0000-7000-8000-00000000000N.
func idGen() func() string {
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("00000000-0000-7000-8000-%012d", n)
	}
}

func standardSchema() *Schema { return &Schema{Objects: StandardObjects()} }

// applyAll decides cmd on s and applies the events, failing the test on a refusal.
func applyAll(t *testing.T, s *Schema, cmd MetadataCommand, ids func() string) (*Schema, []Change) {
	t.Helper()
	changes, err := DecideMetadata(s, cmd, ids)
	if err != nil {
		t.Fatalf("%T refused: %v", cmd, err)
	}
	for _, c := range changes {
		if s, err = ApplyMetadata(s, c.Type, c.Payload); err != nil {
			t.Fatalf("apply %s: %v", c.Type, err)
		}
	}
	return s, changes
}

func house(t *testing.T) (*Schema, *Object, func() string) {
	t.Helper()
	ids := idGen()
	s, _ := applyAll(t, standardSchema(), CreateObject{NameSingular: "house", NamePlural: "houses",
		LabelSingular: "House", LabelPlural: "Houses", Icon: "IconHome"}, ids)
	return s, s.Object("house"), ids
}

func types(changes []Change) []string {
	var out []string
	for _, c := range changes {
		out = append(out, c.Type)
	}
	return out
}

func TestCreateObjectAddsObjectAndActivityRelations(t *testing.T) {
	ids := idGen()
	s, changes := applyAll(t, standardSchema(), CreateObject{LabelSingular: "Pet House", LabelPlural: "Pet Houses"}, ids)
	want := []string{EventObjectCreated, EventFieldCreated, EventFieldCreated, EventFieldCreated, EventFieldCreated, EventFieldCreated,
		"view.created"} // its default view
	if got := types(changes); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("events %v, want %v", got, want)
	}
	o := s.Object("petHouse")
	if o == nil || o.NamePlural != "petHouses" || !o.IsCustom || !o.IsActive || o.LabelIdentifier != "name" {
		t.Fatalf("object: %+v", o)
	}
	if o.ID != "00000000-0000-7000-8000-000000000001" {
		t.Errorf("object id %s, want the first generated id", o.ID)
	}
	for _, name := range []string{"id", "createdAt", "updatedAt", "deletedAt", "createdBy", "updatedBy", "position", "name",
		"noteTargets", "taskTargets", "attachments", "favorites", "timelineActivities"} {
		if f := o.Field(name); f == nil || f.ID == "" {
			t.Errorf("petHouse.%s missing or without id", name)
		}
	}
	for obj, field := range map[string]string{"noteTarget": "petHouse", "taskTarget": "petHouse", "attachment": "petHouse",
		"favorite": "petHouse", "timelineActivity": "targetPetHouse"} {
		f := s.Object(obj).Field(field)
		if f == nil || f.Relation == nil || f.Relation.Type != ManyToOne || f.Relation.TargetObject != "petHouse" {
			t.Errorf("%s.%s: %+v", obj, field, f)
			continue
		}
		if inv := o.Field(f.Relation.TargetField); inv == nil || inv.Relation.TargetField != field || inv.Relation.Type != OneToMany {
			t.Errorf("inverse of %s.%s: %+v", obj, field, inv)
		}
	}
}

func TestMetadataRefusals(t *testing.T) {
	s, h, ids := house(t)
	s, _ = applyAll(t, s, CreateField{ObjectID: h.ID, Name: "code", Label: "Code", Type: TypeText}, ids)
	code := s.Object("house").Field("code")
	// In s2 the custom field code is house's label identifier.
	s2, _ := applyAll(t, s, UpdateObject{ID: h.ID, Set: ObjectPatch{LabelIdentifier: mptr("code")}}, ids)
	company := s.Object("company")
	person := s.Object("person")
	tests := []struct {
		name       string
		cmd        MetadataCommand
		field      string
		rule       string
		notFound   bool
		msgContain string
	}{
		{"object name not camelCase", CreateObject{NameSingular: "House2_", NamePlural: "h2s", LabelSingular: "A", LabelPlural: "B"}, "nameSingular", RuleName, false, "camelCase"},
		{"object name upper first", CreateObject{NameSingular: "Boat", NamePlural: "boats", LabelSingular: "A", LabelPlural: "B"}, "nameSingular", RuleName, false, ""},
		{"object name reserved object", CreateObject{NameSingular: "object", NamePlural: "objectz", LabelSingular: "A", LabelPlural: "B"}, "nameSingular", RuleReserved, false, ""},
		{"object name reserved field", CreateObject{NameSingular: "boat", NamePlural: "fields", LabelSingular: "A", LabelPlural: "B"}, "namePlural", RuleReserved, false, ""},
		{"object name reserved word", CreateObject{NameSingular: "pageInfo", NamePlural: "pageInfos", LabelSingular: "A", LabelPlural: "B"}, "nameSingular", RuleReserved, false, ""},
		{"object name taken", CreateObject{NameSingular: "company", NamePlural: "companys", LabelSingular: "A", LabelPlural: "B"}, "nameSingular", RuleUnique, false, "company"},
		{"plural taken as singular", CreateObject{NameSingular: "houses", NamePlural: "housez", LabelSingular: "A", LabelPlural: "B"}, "nameSingular", RuleUnique, false, ""},
		{"taken ignoring case", CreateObject{NameSingular: "hOUSE", NamePlural: "hOUSES", LabelSingular: "A", LabelPlural: "B"}, "nameSingular", RuleUnique, false, ""},
		{"singular equals plural", CreateObject{NameSingular: "sheep", NamePlural: "sheep", LabelSingular: "A", LabelPlural: "B"}, "namePlural", RuleSameNames, false, ""},
		{"no label", CreateObject{NameSingular: "boat", NamePlural: "boats", LabelPlural: "B"}, "labelSingular", RuleRequired, false, ""},
		{"too long", CreateObject{NameSingular: "b" + strings.Repeat("o", 63), NamePlural: "boats", LabelSingular: "A", LabelPlural: "B"}, "nameSingular", RuleName, false, ""},
		{"update unknown object", UpdateObject{ID: "00000000-0000-0000-0000-000000000000"}, "", "", true, ""},
		{"rename object", UpdateObject{ID: h.ID, NameSingular: mptr("home")}, "nameSingular", RuleImmutable, false, ""},
		{"label identifier unknown", UpdateObject{ID: h.ID, Set: ObjectPatch{LabelIdentifier: mptr("nope")}}, "labelIdentifierFieldMetadataId", RuleLabelIdentity, false, ""},
		{"delete standard object", DeleteObject{ID: company.ID}, "id", RuleStandard, false, "standard"},
		{"field name not camelCase", CreateField{ObjectID: h.ID, Name: "Bad Name", Label: "x", Type: TypeText}, "name", RuleName, false, ""},
		{"field name reserved", CreateField{ObjectID: h.ID, Name: "and", Label: "x", Type: TypeText}, "name", RuleReserved, false, ""},
		{"field name taken", CreateField{ObjectID: h.ID, Name: "name", Label: "x", Type: TypeText}, "name", RuleUnique, false, "already has"},
		{"field name is a system field", CreateField{ObjectID: h.ID, Name: "createdAt", Label: "x", Type: TypeText}, "name", RuleReserved, false, ""},
		{"field clashes with a join column", CreateField{ObjectID: person.ID, Name: "companyId", Label: "x", Type: TypeText}, "name", RuleUnique, false, `column "companyId" of field "company"`},
		{"composite column clash", CreateField{ObjectID: person.ID, Name: "nameFirstName", Label: "x", Type: TypeText}, "name", RuleUnique, false, ""},
		{"field makes a taken column", CreateField{ObjectID: h.ID, Name: "own", Label: "x", Type: TypeFullName}, "", "", false, ""}, // ok: ownFirstName is free
		{"unknown type", CreateField{ObjectID: h.ID, Name: "x", Label: "x", Type: "BLOB"}, "type", RuleFieldType, false, ""},
		{"select without options", CreateField{ObjectID: h.ID, Name: "x", Label: "x", Type: TypeSelect}, "options", RuleOptions, false, ""},
		{"duplicate options", CreateField{ObjectID: h.ID, Name: "x", Label: "x", Type: TypeSelect,
			Options: []SelectOption{{Value: "A", Label: "A"}, {Value: "A", Label: "B"}}}, "options", RuleOptions, false, "twice"},
		{"options on text", CreateField{ObjectID: h.ID, Name: "x", Label: "x", Type: TypeText, Options: []SelectOption{{Value: "A", Label: "A"}}}, "options", RuleOptions, false, ""},
		{"default not an option", CreateField{ObjectID: h.ID, Name: "x", Label: "x", Type: TypeSelect,
			Options: []SelectOption{{Value: "A", Label: "A"}}, DefaultValue: "B"}, "defaultValue", RuleDefaultValue, false, "not one of"},
		{"default wrong type", CreateField{ObjectID: h.ID, Name: "x", Label: "x", Type: TypeNumber, DefaultValue: "seven"}, "defaultValue", RuleDefaultValue, false, ""},
		{"relation without payload", CreateField{ObjectID: h.ID, Name: "owner", Label: "Owner", Type: TypeRelation}, "relationCreationPayload", RuleRelation, false, ""},
		{"relation to nothing", CreateField{ObjectID: h.ID, Name: "owner", Label: "Owner", Type: TypeRelation,
			Relation: &RelationInput{TargetObjectID: "00000000-0000-0000-0000-000000000000", TargetFieldLabel: "Houses", Type: ManyToOne}},
			"relationCreationPayload.targetObjectMetadataId", RuleRelation, false, ""},
		{"relation bad type", CreateField{ObjectID: h.ID, Name: "owner", Label: "Owner", Type: TypeRelation,
			Relation: &RelationInput{TargetObjectID: company.ID, TargetFieldLabel: "Houses", Type: "ONE_TO_ONE"}}, "relationCreationPayload.type", RuleRelation, false, ""},
		{"relation inverse taken", CreateField{ObjectID: h.ID, Name: "owner", Label: "Owner", Type: TypeRelation,
			Relation: &RelationInput{TargetObjectID: company.ID, TargetFieldLabel: "People", Type: ManyToOne}},
			"relationCreationPayload.targetFieldLabel", RuleUnique, false, "inverse field on company"},
		{"create field on unknown object", CreateField{ObjectID: "00000000-0000-0000-0000-000000000000", Name: "x", Label: "x", Type: TypeText}, "", "", true, ""},
		{"rename standard field", UpdateField{ID: company.Field("name").ID, Set: FieldPatch{Name: mptr("title")}}, "name", RuleStandard, false, "standard"},
		{"deactivate label identifier", UpdateField{ID: h.Field("name").ID, Set: FieldPatch{IsActive: mptr(false)}}, "isActive", RuleLabelIdentity, false, ""},
		{"deactivate system field", UpdateField{ID: h.Field("createdAt").ID, Set: FieldPatch{IsActive: mptr(false)}}, "isActive", RuleImmutable, false, ""},
		{"rename standard field of a custom object", UpdateField{ID: h.Field("name").ID, Set: FieldPatch{Name: mptr("title")}}, "name", RuleStandard, false, ""},
		{"rename onto a reserved name", UpdateField{ID: code.ID, Set: FieldPatch{Name: mptr("position")}}, "name", RuleReserved, false, ""},
		{"rename onto a taken name", UpdateField{ID: code.ID, Set: FieldPatch{Name: mptr("name")}}, "name", RuleUnique, false, ""},
		{"rename to a bad name", UpdateField{ID: code.ID, Set: FieldPatch{Name: mptr("Code")}}, "name", RuleName, false, ""},
		{"rename custom field", UpdateField{ID: code.ID, Set: FieldPatch{Name: mptr("reference")}}, "", "", false, ""},
		{"delete standard field", DeleteField{ID: company.Field("employees").ID}, "id", RuleStandard, false, ""},
		{"delete standard field of a custom object", DeleteField{ID: h.Field("name").ID}, "id", RuleStandard, false, ""},
		{"delete custom field", DeleteField{ID: code.ID}, "", "", false, ""},
		{"delete unknown field", DeleteField{ID: "00000000-0000-0000-0000-000000000000"}, "", "", true, ""},
	}
	var ve *ValidationError
	if _, err := DecideMetadata(s2, DeleteField{ID: code.ID}, ids); !errors.As(err, &ve) || ve.Rule != RuleLabelIdentity {
		t.Errorf("deleting the label identifier: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changes, err := DecideMetadata(s, tt.cmd, idGen())
			if tt.field == "" && !tt.notFound {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if changes != nil {
				t.Errorf("a refusal returned changes %v", types(changes))
			}
			if tt.notFound {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("err %v, want not found", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err %v (%T), want a ValidationError", err, err)
			}
			if ve.Field != tt.field || ve.Rule != tt.rule {
				t.Errorf("field/rule %q/%q, want %q/%q (%s)", ve.Field, ve.Rule, tt.field, tt.rule, ve.Message)
			}
			if !strings.Contains(ve.Message, tt.msgContain) {
				t.Errorf("message %q does not contain %q", ve.Message, tt.msgContain)
			}
		})
	}
}

func mptr[T any](v T) *T { return &v }

func TestCreateFieldTypes(t *testing.T) {
	s, h, ids := house(t)
	tests := []struct {
		cmd  CreateField
		cols []string
	}{
		{CreateField{Label: "Floors", Type: TypeNumber, DefaultValue: 1}, []string{"floors"}},
		{CreateField{Label: "Has Garden", Type: TypeBoolean, DefaultValue: false, IsNullable: mptr(false)}, []string{"hasGarden"}},
		{CreateField{Name: "style", Label: "Style", Type: TypeSelect, DefaultValue: "MODERN",
			Options: []SelectOption{{Value: "MODERN", Label: "Modern"}, {Value: "CLASSIC", Label: "Classic", Position: 1}}}, []string{"style"}},
		{CreateField{Name: "tags", Label: "Tags", Type: TypeMultiSelect, DefaultValue: []any{"A"},
			Options: []SelectOption{{Value: "A", Label: "A"}}}, []string{"tags"}},
		{CreateField{Name: "price", Label: "Price", Type: TypeCurrency, DefaultValue: map[string]any{"currencyCode": "EUR", "amountMicros": nil}},
			[]string{"priceAmountMicros", "priceCurrencyCode"}},
		{CreateField{Name: "location", Label: "Location", Type: TypeAddress}, nil},
		{CreateField{Name: "builtAt", Label: "Built", Type: TypeDateTime, DefaultValue: "now"}, []string{"builtAt"}},
		{CreateField{Name: "extra", Label: "Extra", Type: TypeRawJSON, DefaultValue: map[string]any{"a": 1}}, []string{"extra"}},
	}
	for _, tt := range tests {
		tt.cmd.ObjectID = h.ID
		var changes []Change
		s, changes = applyAll(t, s, tt.cmd, ids)
		if len(changes) != 1 || changes[0].Type != EventFieldCreated {
			t.Fatalf("%s: events %v", tt.cmd.Label, types(changes))
		}
		f := changes[0].Payload.(FieldCreated).Field
		if !f.IsCustom || f.ID == "" || s.Object("house").Field(f.Name) == nil {
			t.Errorf("%s: field %+v not added", tt.cmd.Label, f)
		}
		if tt.cols != nil {
			var got []string
			for _, c := range f.Columns() {
				got = append(got, c.Name)
			}
			if strings.Join(got, ",") != strings.Join(tt.cols, ",") {
				t.Errorf("%s: columns %v, want %v", tt.cmd.Label, got, tt.cols)
			}
		}
	}
	if f := s.Object("house").Field("hasGarden"); f.IsNullable || f.DefaultValue != false {
		t.Errorf("hasGarden: %+v", f)
	}
}

func TestRelationBothSidesRenameAndDelete(t *testing.T) {
	s, h, ids := house(t)
	company := s.Object("company")
	s, changes := applyAll(t, s, CreateField{ObjectID: h.ID, Label: "Owner Company", Type: TypeRelation, Icon: "IconBuilding",
		Relation: &RelationInput{TargetObjectID: company.ID, TargetFieldLabel: "Houses", TargetFieldIcon: "IconHome", Type: ManyToOne}}, ids)
	pl := changes[0].Payload.(FieldCreated)
	if pl.Inverse == nil || pl.InverseObject != "company" {
		t.Fatalf("payload %+v", pl)
	}
	src := s.Object("house").Field("ownerCompany")
	inv := s.Object("company").Field("houses")
	if src == nil || inv == nil {
		t.Fatalf("sides: %+v %+v", src, inv)
	}
	if src.Relation.Type != ManyToOne || src.Relation.TargetField != "houses" || src.Relation.OnDelete != OnDeleteSetNull ||
		inv.Relation.Type != OneToMany || inv.Relation.TargetField != "ownerCompany" || inv.Relation.TargetObject != "house" {
		t.Fatalf("relations %+v / %+v", src.Relation, inv.Relation)
	}
	if cols := src.Columns(); len(cols) != 1 || cols[0].Name != "ownerCompanyId" {
		t.Fatalf("join column %+v", cols)
	}
	if InputField(s.Object("house"), "ownerCompanyId") != src {
		t.Fatal("ownerCompanyId is not writable")
	}

	// ONE_TO_MANY from company: the join column lands on the target.
	s, _ = applyAll(t, s, CreateField{ObjectID: company.ID, Name: "rentedHouses", Label: "Rented houses", Type: TypeRelation,
		Relation: &RelationInput{TargetObjectID: h.ID, TargetFieldLabel: "Tenant", Type: OneToMany, OnDelete: OnDeleteCascade}}, ids)
	if f := s.Object("house").Field("tenant"); f == nil || f.Relation.Type != ManyToOne || f.Relation.OnDelete != OnDeleteCascade {
		t.Fatalf("tenant: %+v", f)
	}

	// Self relation.
	s, _ = applyAll(t, s, CreateField{ObjectID: h.ID, Name: "parent", Label: "Parent", Type: TypeRelation,
		Relation: &RelationInput{TargetObjectID: h.ID, TargetFieldLabel: "Children", Type: ManyToOne}}, ids)
	if s.Object("house").Field("children") == nil || s.Object("house").Field("parent") == nil {
		t.Fatal("self relation sides missing")
	}

	// Renaming a side renames the inverse's pointer.
	s, _ = applyAll(t, s, UpdateField{ID: src.ID, Set: FieldPatch{Name: mptr("owner"), Label: mptr("Owner")}}, ids)
	if inv := s.Object("company").Field("houses"); inv.Relation.TargetField != "owner" {
		t.Fatalf("inverse after rename: %+v", inv.Relation)
	}
	if f := s.Object("house").Field("owner"); f == nil || f.Label != "Owner" || f.ID != src.ID {
		t.Fatalf("renamed field: %+v", f)
	}

	// Deleting either side removes both.
	s, changes = applyAll(t, s, DeleteField{ID: inv.ID}, ids)
	if s.Object("company").Field("houses") != nil || s.Object("house").Field("owner") != nil {
		t.Fatal("relation sides left after delete")
	}
	if d := changes[0].Payload.(FieldDeleted); d.InverseFieldID != src.ID || d.Field != "houses" {
		t.Fatalf("payload %+v", d)
	}

	// Deleting the object removes every relation touching it, then the object.
	s, changes = applyAll(t, s, DeleteObject{ID: h.ID}, ids)
	if s.Object("house") != nil || s.Object("company").Field("rentedHouses") != nil || s.Object("noteTarget").Field("house") != nil {
		t.Fatal("object or relations left after delete")
	}
	if last := changes[len(changes)-1]; last.Type != EventObjectDeleted {
		t.Fatalf("last event %s", last.Type)
	}
	// rentedHouses/tenant, parent/children and the five activity relations.
	if n := len(changes) - 1; n != 7 {
		t.Fatalf("%d field.deleted events, want 7: %v", n, types(changes))
	}
}

func TestUpdateFieldOptionsAndDefaults(t *testing.T) {
	s, h, ids := house(t)
	s, changes := applyAll(t, s, CreateField{ObjectID: h.ID, Name: "style", Label: "Style", Type: TypeSelect, DefaultValue: "A",
		Options: []SelectOption{{Value: "A", Label: "A"}, {Value: "B", Label: "B"}}}, ids)
	id := changes[0].Payload.(FieldCreated).Field.ID
	// Dropping the default's option alone is refused; with a new default it is fine.
	if _, err := DecideMetadata(s, UpdateField{ID: id, Set: FieldPatch{Options: &[]SelectOption{{Value: "B", Label: "B"}}}}, ids); err == nil {
		t.Fatal("options without the default's option accepted")
	}
	s, _ = applyAll(t, s, UpdateField{ID: id, Set: FieldPatch{Options: &[]SelectOption{{Value: "B", Label: "B"}}, SetDefaultValue: true, DefaultValue: "B"}}, ids)
	if f := s.Object("house").Field("style"); f.DefaultValue != "B" || len(f.Options) != 1 {
		t.Fatalf("style: %+v", f)
	}
	s, _ = applyAll(t, s, UpdateField{ID: id, Set: FieldPatch{SetDefaultValue: true, DefaultValue: nil, IsActive: mptr(false)}}, ids)
	if f := s.Object("house").Field("style"); f.DefaultValue != nil || !f.Inactive {
		t.Fatalf("style: %+v", f)
	}
	// An empty patch appends nothing.
	if changes, err := DecideMetadata(s, UpdateField{ID: id}, ids); err != nil || len(changes) != 0 {
		t.Fatalf("empty patch: %v %v", changes, err)
	}
	// Standard fields: labels may change.
	s, _ = applyAll(t, s, UpdateField{ID: s.Object("company").Field("name").ID, Set: FieldPatch{Label: mptr("Company name")}}, ids)
	if s.Object("company").Field("name").Label != "Company name" {
		t.Fatal("label of a standard field not updated")
	}
	s, _ = applyAll(t, s, UpdateObject{ID: h.ID, Set: ObjectPatch{LabelPlural: mptr("Homes"), IsActive: mptr(false)}}, ids)
	if o := s.Object("house"); o.LabelPlural != "Homes" || o.IsActive {
		t.Fatalf("house: %+v", o)
	}
}

func TestApplyMetadataCopiesWhatItChanges(t *testing.T) {
	s, h, ids := house(t)
	before, _ := json.Marshal(s)
	company := s.Object("company")
	changes, err := DecideMetadata(s, CreateField{ObjectID: h.ID, Name: "owner", Label: "Owner", Type: TypeRelation,
		Relation: &RelationInput{TargetObjectID: company.ID, TargetFieldLabel: "Houses", Type: ManyToOne}}, ids)
	if err != nil {
		t.Fatal(err)
	}
	after, err := ApplyMetadata(s, changes[0].Type, changes[0].Payload)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := json.Marshal(s); string(again) != string(before) {
		t.Fatal("ApplyMetadata changed its input")
	}
	if after.Object("person") != s.Object("person") {
		t.Error("an untouched object was copied")
	}
	if after.Object("company") == company || after.Object("house") == h {
		t.Error("a changed object was not copied")
	}
	// Applying it twice is an error, not a silent duplicate.
	if _, err := ApplyMetadata(after, changes[0].Type, changes[0].Payload); err == nil {
		t.Error("field created twice")
	}
}

func TestNameFromLabel(t *testing.T) {
	for label, want := range map[string]string{
		"House": "house", "Point of Contact": "pointOfContact", "ARR": "arr", "My ARR value": "myArrValue",
		"  Rented houses ": "rentedHouses", "iPhone": "iPhone", "Owner (company)": "ownerCompany", "HTTPServer": "httpServer",
	} {
		if got := NameFromLabel(label); got != want {
			t.Errorf("NameFromLabel(%q) = %q, want %q", label, got, want)
		}
	}
}
