// Package app is parley's client core: the profile, contacts and friend
// requests, conversations, the outbox and its delivery, presence, and one
// event stream. The GUI (package ui) and the headless JSON client
// (package app/jsonclient) both drive it through the exported API only.
//
// # Lifecycle
//
// [ProfileExists] and [CreateProfile] manage the data directory (the vault
// lives in DIR/vault, the embedded node's database in DIR/node). [Open]
// unlocks the vault and starts the libp2p host, serving /parley/msg/1; it
// starts no goroutine. [Client.Run] starts and owns every background
// goroutine (one errgroup): node registration, mailbox fetching, presence
// lookups, and one courier per peer with outbox items. [Client.Close] stops
// Run, waits for calls in flight, then closes node streams, the host, the
// embedded node and finally the vault. Close is idempotent.
//
// # Zero set-up
//
// A profile without a home node runs the rendezvous/mailbox node
// in-process (server.Attach on the client's own host). Its card then lists
// the host's own dialable listen addresses, each ending in /p2p/<our peer
// ID> (no unspecified, link-local or relay addresses; loopback only when
// there is nothing else), and is signed again at start whenever they
// changed. By default such a profile listens again on the ports its card
// lists, so that friends holding the card find it after a restart. A
// friend treats those addresses like any home node; since the node's peer
// ID is the friend's own, a node that answers means the friend is online,
// and delivery goes directly; what a friend deposits in our embedded
// mailbox instead (a direct delivery that did not go through) we read over
// in-memory streams to our own node (embedded_local.go), since libp2p
// never dials itself. When the embedded user is away, so is the node:
// messages wait in the sender's outbox until they return.
//
// # Commands and events
//
// Commands are methods ([Client.Send], [Client.AddContact], …). Each one
// persists its intent in one vault transaction and returns; what happens
// later arrives as [Event] values on the channels of [Client.Subscribe].
// A subscriber is registered before its snapshot is taken, and one that
// falls [DefaultQueue] events behind is dropped with [Resync]: a slow
// consumer never stalls the core. User-facing words for every error come
// from [ProblemOf], and only from there.
//
// # Sending
//
// Send seals the message in the ratchet session, stores the advanced
// session, the envelope (outbox) and the message (history) in ONE
// transaction, so a crash can neither reuse a message key nor lose the
// message. Concurrent Sends to one friend are committed together; the
// vault also group-commits concurrent transactions. The peer's courier then
// delivers the outbox in order: directly over a persistent /parley/msg/1
// stream when the friend is reachable (up to 512 packets per frame; the
// receiver commits the whole frame in one transaction and only then
// answers with a verdict per packet), otherwise by PUT into a home node
// mailbox listed in the friend's card. It retries with backoff until one
// path succeeds. Messages that went through a mailbox are acknowledged by
// a receipt (a Content of kind RECEIPT) that moves them to delivered.
//
// # Receiving
//
// Direct frames and mailbox items go through the same path (ingest): each
// packet's digest is checked against the vault's Seen set (a replay costs
// nothing), envelopes are accepted only from friends, opened in their
// session and committed with the advanced session in one transaction per
// batch; mailbox items are ACKed only after that commit. Duplicate message
// IDs are dropped. Friend requests from strangers are rate-limited and the
// queue of unanswered requests is bounded ([MaxPendingRequests]). A known
// contact presenting another identity key is never accepted silently: the
// contact moves to [StateKeyChanged], [KeyChanged] is emitted, and sending
// stops until [Client.TrustNewKey], or until the user refuses the key with
// [Client.RemoveContact], which deletes the contact, its session, pending
// messages and history in one transaction ([ContactRemoved]). Names,
// greetings and texts are sanitised ([SanitizeName], [SanitizeText]).
//
// # Wire
//
// content.proto defines the plaintext inside the ratchet ([Content]), the
// [Packet] that wraps one sealed item between clients, and the [Batch] and
// [BatchAck] frames of /parley/msg/1. Only crypto.go speaks app/e2e.
package app
