package durable

import (
	"math/rand/v2"

	"edgecrm/domain"
)

// Permissions of the call's principal: the record APIs (GraphQL, REST,
// subscriptions) ask here before touching an object's records, so one rule
// (domain.Role) holds for all of them.

// SetCaller makes r the role the call's record operations are checked
// against (nil: the system itself, unrestricted).
func (w *Workspace) SetCaller(r *domain.Role) { w.caller = r }

// Allow returns Twenty's permission error when the caller may not do act
// (domain.ActRead, ...) on obj's records.
func (w *Workspace) Allow(obj *domain.Object, act string) error {
	if w.caller == nil {
		return nil
	}
	return w.caller.Check(obj.ID, act)
}

// HiddenFields are the names of obj's fields the caller may not read (nil
// when none): see domain.Role.Unreadable.
func (w *Workspace) HiddenFields(obj *domain.Object) map[string]bool {
	if w.caller == nil {
		return nil
	}
	return w.caller.Unreadable(w.Schema(), obj)
}

// AllowQuery refuses a filter or order naming a field the caller may not
// read.
func (w *Workspace) AllowQuery(obj *domain.Object, filter map[string]any, orderBy []map[string]any) error {
	if w.caller == nil {
		return nil
	}
	return w.caller.CheckQuery(w.Schema(), obj, filter, orderBy)
}

// AllowWrite returns Twenty's permission error when data (a create or
// update input of obj) sets a field the caller may not update.
func (w *Workspace) AllowWrite(obj *domain.Object, data map[string]any) error {
	if w.caller == nil {
		return nil
	}
	return w.caller.CheckWrite(obj, data)
}

// AllowSetting returns Twenty's permission error when the caller lacks
// settings permission flag (domain.FlagDataModel, ...).
func (w *Workspace) AllowSetting(flag string) error {
	if w.caller == nil {
		return nil
	}
	return w.caller.CheckFlag(flag)
}

// Caller is the call's role (nil: the system itself).
func (w *Workspace) Caller() *domain.Role { return w.caller }

// rolesTokenKey is the _state key every change of a role sets to a fresh
// random number (random, not a counter: a rolled-back change must never
// leave a value a later one could write again), so that caches holding
// roles (the subscriptions' index) know when they are stale.
const rolesTokenKey = "roles_token"

// RolesChanged records a change of a role's permissions.
func (w *Workspace) RolesChanged() error { return w.vars.Set(rolesTokenKey, rand.Int64N(1<<62)+1) }

// RolesToken changes whenever a role's permissions change.
func (w *Workspace) RolesToken() int64 { return w.vars.Int(rolesTokenKey) }
