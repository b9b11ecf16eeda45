package app

// Event is one thing that happened in the client core. The set is closed:
// only the types in this file implement it. Consumers type-switch on it.
type Event interface{ isEvent() }

// FriendRequestReceived: someone asked to become our friend.
type FriendRequestReceived struct{ Request Request }

// FriendAccepted: a friendship is complete (they accepted ours, or we accepted theirs).
type FriendAccepted struct{ Contact Contact }

// MessageArrived: a new incoming message was committed to the vault.
type MessageArrived struct{ Msg Message }

// MessageStatusChanged: an outgoing message moved to a new delivery state.
type MessageStatusChanged struct {
	ID     MsgID
	To     PeerID
	Status MessageStatus
}

// PresenceChanged: a friend came online or went offline.
type PresenceChanged struct {
	Peer   PeerID
	Online bool
}

// ContactChanged: a contact's details changed (name, verified, unread, state).
type ContactChanged struct{ Contact Contact }

// ContactRemoved: the user removed a contact (RemoveContact); its
// conversation history is deleted too. Frontends drop it from their lists.
type ContactRemoved struct{ Peer PeerID }

// KeyChanged: a contact presented an identity key different from the pinned
// one. Sending to them is stopped until the user compares safety numbers
// again and trusts the new key (TrustNewKey), or removes them (RemoveContact).
type KeyChanged struct{ Peer PeerID }

// StatusChanged: node reachability or outbox size changed.
type StatusChanged struct{ Status Status }

// ProblemOccurred: something failed in the background that the user should know.
type ProblemOccurred struct{ Problem Problem }

// Ready: the client is online and has drained its mailbox once since it
// started (with an embedded node: at once). Sent once per Run.
type Ready struct{}

// Resync: the subscriber fell behind and events were dropped; take a new
// Snapshot by subscribing again.
type Resync struct{}

func (FriendRequestReceived) isEvent() {}
func (FriendAccepted) isEvent()        {}
func (MessageArrived) isEvent()        {}
func (MessageStatusChanged) isEvent()  {}
func (PresenceChanged) isEvent()       {}
func (ContactChanged) isEvent()        {}
func (ContactRemoved) isEvent()        {}
func (KeyChanged) isEvent()            {}
func (StatusChanged) isEvent()         {}
func (ProblemOccurred) isEvent()       {}
func (Ready) isEvent()                 {}
func (Resync) isEvent()                {}
