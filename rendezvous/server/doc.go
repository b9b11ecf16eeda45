// Package server is the parley node: registry/presence, the @username
// directory and the mailbox of opaque sealed envelopes, served over the
// protocols of package rendezvous. It never imports the app, its crypto core,
// the vault or fyne (deps_test.go at the module root checks this): every
// envelope it stores is an opaque blob it cannot read.
//
// # Durability
//
// A PUT is acknowledged only after its envelope is in Badger with
// SyncWrites. Concurrent PUTs and ACKs go through one writer goroutine that
// drains its queue into a single transaction and fsyncs once per batch
// (group commit), then answers every waiting request.
//
// # Keys
//
//	m/<len(inbox)><inbox peer ID><seq, 8 bytes big-endian>  → envelope
//	d/<username>                                           → DirectoryEntry
//	o/<len(owner)><owner peer ID><username>                → (empty) names per owner
//
// seq is the store time in Unix nanoseconds, made strictly increasing, so an
// inbox iterates oldest first and expiry needs no value read.
//
// The circuit relay v2 service is a host option (p2p.Config.RelayService);
// the `parley node` command turns it on.
package server
