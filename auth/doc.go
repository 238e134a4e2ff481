// Package auth holds the pure primitives behind edgecrm sessions: argon2id
// password hashing (PHC strings), RS256 JSON Web Tokens with key rotation and
// a JWKS document, a verification cache, refresh-token rotation with reuse
// detection, and login throttling.
//
// Nothing here performs I/O or imports net/http or syscall/js: the package is
// compiled into the GOOS=js wasm Worker and tested natively. Time is always
// passed in (now), never read from the clock, so every function is
// deterministic apart from the random salts, key material and ids it draws
// from crypto/rand.
//
// Costs inside Go wasm (see shared/ARCHITECTURE.md, hard fact 6): RS256
// verify ≈ 1.2 ms (hence [VerifyCache]), RS256 sign ≈ 12 ms, argon2id with
// [DefaultParams] ≈ 137 ms and 19 MiB of memory per hash.
//
// Concurrency: [Keys] is configured once (Add*/Remove*) and then only read;
// Issue and Verify may then run from any goroutine. [VerifyCache],
// [Throttle] and [MemRefreshStore] are guarded by a mutex.
package auth
