package dispatch

import (
	"edgecrm/api/graphql"
	"edgecrm/auth"
	"edgecrm/durable"
	"edgecrm/durable/realtime"
	"edgecrm/edge"
	"edgecrm/edge/consumer"
)

// ForgetIsolateMemory drops everything the core keeps in this Go instance's
// memory between calls: the decoded and compiled schema caches and the
// configuration (with its token verification cache and throttles), the
// real-time subscription indexes. That is
// what a fresh Go instance looks like: workerd may evict an idle object
// (one holding only hibernated sockets, after ~10 s) and wake it later in a
// new isolate, whose Go starts empty and is configured again by the shell.
// Every entry must then work from storage alone; tests call this (through
// native.Host.Restart) to check that it does.
func ForgetIsolateMemory() {
	durable.ResetSchemaCache()
	durable.ResetVarsCache()
	graphql.ResetSchemaCache()
	auth.Forget()
	edge.ForgetVerified()
	consumer.ForgetGates()
	realtime.ForgetIndexes()
}
