package domain_test

import (
	"errors"
	"testing"

	"edgecrm/domain"
)

func TestRolePermissions(t *testing.T) {
	no := false
	r := &domain.Role{CanReadAll: true, CanUpdateAll: true,
		Objects: []domain.ObjectPermission{{ObjectMetadataID: "opp", CanRead: false, CanUpdate: true}},
		Fields:  []domain.FieldPermission{{ObjectMetadataID: "co", FieldMetadataID: "emp", CanRead: &no}}}
	if r.Can("opp", domain.ActRead) || !r.Can("opp", domain.ActUpdate) || !r.Can("co", domain.ActRead) || r.Can("co", domain.ActDestroy) {
		t.Fatal("object permissions do not override the role's defaults")
	}
	var fe *domain.ForbiddenError
	if err := r.Check("opp", domain.ActRead); !errors.As(err, &fe) || fe.Message != domain.PermissionDenied {
		t.Fatalf("Check: %v", err)
	}
	if h := r.HiddenFields("co"); !h["emp"] || len(h) != 1 || r.HiddenFields("opp") != nil {
		t.Fatalf("HiddenFields: %v", h)
	}
	if m := domain.StandardRole(domain.RoleMember); !m.Can("opp", domain.ActDestroy) || m.CanUpdateAllSettings {
		t.Fatal("Member reads and writes every object but no settings")
	}
}

func TestRoleCommands(t *testing.T) {
	custom := "6f1c2a8e-0b7d-4c53-9d2e-3b1a5f0c7e11"
	saved := ev(domain.EventRoleSaved, domain.RoleSaved{Role: domain.Role{ID: custom, Label: "Sales"}})
	s := given(created, adaAdmin, saved)
	var fe *domain.ForbiddenError
	if _, err := domain.DecideAccess(s, domain.SaveRole{Role: domain.Role{ID: domain.RoleID(domain.RoleMember), Label: "x"}}); !errors.As(err, &fe) {
		t.Fatalf("editing a standard role: %v", err)
	}
	if _, err := domain.DecideAccess(s, domain.SaveRole{Role: domain.Role{ID: custom, Label: " "}}); err == nil {
		t.Fatal("a role without a label was accepted")
	}
	var xe *domain.ExistsError
	if _, err := domain.DecideAccess(s, domain.SaveRole{Role: domain.Role{ID: custom, Label: "Sales"}, Create: true}); !errors.As(err, &xe) {
		t.Fatalf("creating an existing role: %v", err)
	}
	changes, err := domain.DecideAccess(s, domain.ChangeMemberRole{MemberID: "m2", Role: custom})
	if err == nil || !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown member: %v %v", changes, err)
	}
	bob := ev(domain.EventMemberAdded, domain.MemberAdded{MemberID: "m2", UserID: "u2", Email: "bob@x.io", Account: "a2", Role: domain.RoleMember})
	s = given(created, adaAdmin, saved, bob)
	changes, err = domain.DecideAccess(s, domain.ChangeMemberRole{MemberID: "m2", Role: custom})
	if err != nil || len(changes) != 1 || changes[0].Payload.(domain.MemberRoleChanged).Role != custom {
		t.Fatalf("assigning a custom role: %v %v", changes, err)
	}
	s = given(created, adaAdmin, saved, bob, changes[0])
	changes, err = domain.DecideAccess(s, domain.DeleteRole{ID: custom})
	if err != nil || len(changes) != 2 || changes[0].Payload.(domain.MemberRoleChanged).Role != domain.RoleMember || changes[1].Type != domain.EventRoleDeleted {
		t.Fatalf("deleting a role moves its members to Member: %v %v", changes, err)
	}
	if _, err := domain.DecideAccess(s, domain.DeleteRole{ID: domain.RoleID(domain.RoleAdmin)}); !errors.As(err, &fe) {
		t.Fatalf("deleting a standard role: %v", err)
	}
}

// Unreadable is the one rule: hidden fields, relations to unreadable
// objects and their join columns; CheckQuery refuses filters and orders
// naming them, through and/or/not and nested relation filters.
func TestRoleUnreadable(t *testing.T) {
	s := &domain.Schema{Objects: domain.StandardObjects()}
	co, person, opp := s.Object("company"), s.Object("person"), s.Object("opportunity")
	no := false
	r := &domain.Role{CanReadAll: true,
		Objects: []domain.ObjectPermission{{ObjectMetadataID: opp.ID}},
		Fields:  []domain.FieldPermission{{ObjectMetadataID: co.ID, FieldMetadataID: co.Field("employees").ID, CanRead: &no}}}
	if h := r.Unreadable(s, co); !h["employees"] || !h["opportunities"] || h["name"] || h["people"] {
		t.Fatalf("company: %v", h)
	}
	if h := r.Unreadable(s, opp); h != nil || domain.StandardRole(domain.RoleMember).Unreadable(s, co) != nil {
		t.Fatalf("standard roles and readable objects hide nothing: %v", h)
	}
	for _, q := range []struct {
		obj    *domain.Object
		filter map[string]any
		order  []map[string]any
		denied bool
	}{
		{co, map[string]any{"name": map[string]any{"eq": "Acme"}}, []map[string]any{{"name": "AscNullsFirst"}}, false},
		{co, map[string]any{"employees": map[string]any{"gt": 1}}, nil, true},
		{co, nil, []map[string]any{{"employees": "AscNullsFirst"}}, true},
		{co, map[string]any{"or": []any{map[string]any{"not": map[string]any{"employees": map[string]any{"eq": 1}}}}}, nil, true},
		{person, map[string]any{"company": map[string]any{"employees": map[string]any{"eq": 1}}}, nil, true},
		{person, map[string]any{"company": map[string]any{"name": map[string]any{"eq": "Acme"}}}, nil, false},
		{person, map[string]any{"and": []map[string]any{{"company": map[string]any{"opportunities": nil}}}}, nil, true},
	} {
		if err := r.CheckQuery(s, q.obj, q.filter, q.order); (err != nil) != q.denied {
			t.Fatalf("%s %v %v: %v", q.obj.NameSingular, q.filter, q.order, err)
		}
	}
}
