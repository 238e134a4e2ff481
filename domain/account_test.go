package domain_test

import (
	"errors"
	"reflect"
	"testing"

	"edgecrm/domain"
)

var (
	signedUp = ev(domain.EventAccountCreated, domain.AccountCreated{UserID: "u1", Email: "ada@x.io", PasswordHash: "h1", WorkspaceID: "w1", MemberID: "m1"})
	joinedW1 = ev(domain.EventMembershipAdded, domain.MembershipAdded{WorkspaceID: "w1", MemberID: "m1", Role: domain.RoleAdmin})
)

func account(changes ...domain.Change) *domain.Account {
	a := &domain.Account{}
	for _, c := range changes {
		a.Apply(c)
	}
	return a
}

// Given account events, when a command, then events (or a refusal).
func TestDecideAccount(t *testing.T) {
	var (
		invalid *domain.ValidationError
		exists  *domain.ExistsError
	)
	for _, c := range []struct {
		name    string
		given   []domain.Change
		when    domain.AccountCommand
		then    []domain.Change
		refusal any
	}{
		{"sign up", nil, domain.CreateAccount{UserID: "u1", Email: "ada@x.io", PasswordHash: "h1", WorkspaceID: "w1", MemberID: "m1"},
			[]domain.Change{signedUp}, nil},
		{"sign up twice", []domain.Change{signedUp}, domain.CreateAccount{UserID: "u2", Email: "ada@x.io"}, nil, &exists},
		{"rehash", []domain.Change{signedUp}, domain.RehashPassword{PasswordHash: "h2"},
			[]domain.Change{ev(domain.EventPasswordRehashed, domain.PasswordRehashed{PasswordHash: "h2"})}, nil},
		{"rehash no account: nothing", nil, domain.RehashPassword{PasswordHash: "h2"}, nil, nil},
		{"join a workspace (role by id)", []domain.Change{signedUp}, domain.AddMembership{WorkspaceID: "w1", MemberID: "m1", Role: domain.RoleID(domain.RoleAdmin)},
			[]domain.Change{joinedW1}, nil},
		{"join again, same: nothing", []domain.Change{signedUp, joinedW1}, domain.AddMembership{WorkspaceID: "w1", MemberID: "m1", Role: "admin"}, nil, nil},
		{"join without a role", []domain.Change{signedUp}, domain.AddMembership{WorkspaceID: "w1", MemberID: "m1"}, nil, &invalid},
		{"change role", []domain.Change{signedUp, joinedW1}, domain.ChangeMembership{WorkspaceID: "w1", Role: "member"},
			[]domain.Change{ev(domain.EventMembershipRoleChanged, domain.MembershipRoleChanged{WorkspaceID: "w1", Role: domain.RoleMember})}, nil},
		{"change role elsewhere: nothing", []domain.Change{signedUp, joinedW1}, domain.ChangeMembership{WorkspaceID: "w2", Role: "member"}, nil, nil},
		{"change to an unknown role", []domain.Change{signedUp, joinedW1}, domain.ChangeMembership{WorkspaceID: "w1", Role: "owner"}, nil, &invalid},
		{"leave", []domain.Change{signedUp, joinedW1}, domain.RemoveMembership{WorkspaceID: "w1"},
			[]domain.Change{ev(domain.EventMembershipRemoved, domain.MembershipRemoved{WorkspaceID: "w1"})}, nil},
		{"leave twice: nothing", []domain.Change{signedUp, joinedW1, ev(domain.EventMembershipRemoved, domain.MembershipRemoved{WorkspaceID: "w1"})},
			domain.RemoveMembership{WorkspaceID: "w1"}, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := domain.DecideAccount(account(c.given...), c.when)
			if c.refusal != nil {
				if err == nil || !errors.As(err, c.refusal) || got != nil {
					t.Fatalf("decided %v, %v (%T); want a %T", got, err, err, c.refusal)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.then) {
				t.Fatalf("decided %v, %v; want %v", got, err, c.then)
			}
		})
	}
}
