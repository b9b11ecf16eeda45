package ui

import (
	"context"

	"github.com/parley-chat/parley/app"
)

// Core is what the GUI needs from an unlocked client. *app.Client satisfies
// it; tests use a fake. Every method may block on disk or network, so the UI
// calls them off the UI goroutine.
type Core interface {
	Subscribe(ctx context.Context) (app.Snapshot, <-chan app.Event)
	Me() app.Me
	Status() app.Status
	Contacts() []app.Contact
	Requests() []app.Request
	AddContact(ctx context.Context, inviteOrUsername, greeting string) (app.PeerID, error)
	Accept(ctx context.Context, peer app.PeerID) error
	Decline(ctx context.Context, peer app.PeerID) error
	Send(ctx context.Context, to app.PeerID, text string) (app.MsgID, error)
	// History returns up to limit messages older than before (newest first);
	// an empty before means the newest page.
	History(ctx context.Context, with app.PeerID, before app.MsgID, limit int) ([]app.Message, error)
	MarkRead(ctx context.Context, with app.PeerID) error
	SafetyNumber(with app.PeerID) (app.SafetyNumber, error)
	Verify(ctx context.Context, with app.PeerID) error
	// TrustNewKey accepts a changed identity key after the user compared
	// safety numbers again; sending resumes.
	TrustNewKey(ctx context.Context, with app.PeerID) error
	// RemoveContact deletes a contact with its whole history; it is also
	// how the user refuses a changed key.
	RemoveContact(ctx context.Context, peer app.PeerID) error
	Claim(ctx context.Context, username string) error
	ChangePassphrase(ctx context.Context, old, new []byte) error
	SetNodes(ctx context.Context, nodes []string) error
	// Close locks: it stops the client and closes the vault. Idempotent.
	Close() error
}

// Opener creates or unlocks a profile. The GUI entry point implements it
// over app.CreateProfile and app.Open.
type Opener interface {
	ProfileExists() bool
	// DefaultNode is the pre-filled home node address (from --node or the last used).
	DefaultNode() string
	Create(ctx context.Context, name string, passphrase []byte, nodes []string) error
	// Unlock opens the vault and starts the client. A wrong passphrase
	// returns an error matching app.ErrWrongPassphrase.
	Unlock(ctx context.Context, passphrase []byte) (Core, error)
}
