package app

import "time"

// PeerID is the textual libp2p peer ID of a user; it names a contact and the
// conversation with that contact.
type PeerID string

// MsgID identifies one message across both devices (random, hex encoded).
type MsgID string

// ContactState says where a contact stands in the friendship handshake.
type ContactState string

// The states a contact can be in.
const (
	// StateRequested: we sent a friend request and wait for the answer.
	StateRequested ContactState = "requested"
	// StateIncoming: they sent us a friend request we have not answered.
	StateIncoming ContactState = "incoming"
	// StateFriend: both sides accepted; messages flow.
	StateFriend ContactState = "friend"
	// StateKeyChanged: the contact presented a different identity key than the
	// one pinned at friendship time. Sending stops until the user decides.
	StateKeyChanged ContactState = "key_changed"
)

// MessageStatus is the delivery state of a message.
type MessageStatus string

// Delivery states, in the order a sent message moves through them.
const (
	StatusQueued    MessageStatus = "queued"    // in the outbox, not handed to anyone yet
	StatusMailbox   MessageStatus = "mailbox"   // stored in the friend's mailbox node
	StatusDelivered MessageStatus = "delivered" // committed on the friend's device
	StatusReceived  MessageStatus = "received"  // an incoming message
)

// Contact is a friend or a pending friend as the frontends show it.
type Contact struct {
	PeerID      PeerID
	Name        string // sanitised display name (no bidi or zero-width characters)
	State       ContactState
	Online      bool
	Verified    bool // the user compared safety numbers
	Unread      int
	LastMessage string // short preview of the newest message, sanitised
	LastAt      time.Time
}

// Request is a friend request waiting for accept or decline.
type Request struct {
	PeerID     PeerID
	Name       string
	Greeting   string
	ReceivedAt time.Time
}

// Message is one message of a conversation.
type Message struct {
	ID       MsgID
	Conv     PeerID // the contact this conversation is with
	From     PeerID // sender (our own peer ID for outgoing messages)
	Outgoing bool
	Text     string
	SentAt   time.Time
	Status   MessageStatus
}

// Me describes the unlocked profile.
type Me struct {
	PeerID PeerID
	Name   string
	Invite string   // parley: URI of our signed contact card
	Nodes  []string // home node multiaddrs in our card
}

// SafetyNumber is the digest both friends compare to rule out a man in the middle.
type SafetyNumber struct {
	Digits string // 12 groups of 5 digits separated by spaces
	QR     []byte // payload to render as a QR code
}

// Status is the connectivity summary the status line shows.
type Status struct {
	NodeReachable bool
	Outbox        int  // messages waiting to be delivered
	Embedded      bool // the node is the in-process embedded node
	Nodes         []string
}

// Snapshot is the state at the moment of Subscribe; events follow from there.
type Snapshot struct {
	Me       Me
	Contacts []Contact
	Requests []Request
	Status   Status
}

// Problem is an error in words a user can act on. Frontends show Title,
// Detail and Hint; they never show err.Error().
type Problem struct {
	Title  string
	Detail string
	Hint   string
}
