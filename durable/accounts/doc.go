// Package accounts holds the two actors of users and access, thin around
// the rules in package domain (domain/account.go, domain/access.go):
//
//   - an account object (AccountDO, one per normalized email, so that no
//     object is a hot spot) keeps a user's own log (account.*) and its
//     projection, the user's refresh-token records and the login tokens
//     already used;
//   - each workspace object keeps a second log, `_auth_events` (auth.*),
//     beside its record log: who the members are and with which role, the
//     pending invitations, the API keys and the revoked sessions. It is the
//     authority every API request is checked against (Authorize).
//
// Both logs are durable/stream streams: projected inline (package
// projections) and to D1 (users, workspaces, memberships, api_keys,
// revoked_sessions) for lookups that must not wake an object. The
// configuration, principals and token checks are package auth's.
//
// Everything here is synchronous: the edge Worker (package edge) drives the
// multi-object flows with do.fetch effects.
package accounts

// AccountObjectName is the name of the account object for a normalized email.
func AccountObjectName(email string) string { return "account:" + email }

// dummyHash is verified against when a login names no account, so that an
// unknown email costs what a wrong password costs. It hashes a random
// password nobody knows, with auth.DefaultParams (a test keeps them equal).
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$40kbsTaiPb+LbACSLFLWuA$RsD/AhYJ2TJIDbACx5drh2mjXEA7N2HPGZAflLL+jCs"
