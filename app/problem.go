package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/parley-chat/parley/rendezvous"
	"github.com/parley-chat/parley/vault"
)

// Errors the client core returns. Test them with errors.Is; show users
// ProblemOf(err), never err.Error().
var (
	// ErrWrongPassphrase: the passphrase does not unlock the profile.
	ErrWrongPassphrase = vault.ErrWrongPassphrase
	// ErrNoProfile: the data directory holds no profile.
	ErrNoProfile = errors.New("app: no profile in this directory")
	// ErrProfileExists: CreateProfile found a profile already.
	ErrProfileExists = errors.New("app: a profile already exists in this directory")
	// ErrClosed: the client was used after Close.
	ErrClosed = errors.New("app: client closed")
	// ErrUnknownContact: no contact or request with that peer ID.
	ErrUnknownContact = errors.New("app: unknown contact")
	// ErrUnknownMessage: History's cursor names no message of that
	// conversation.
	ErrUnknownMessage = errors.New("app: unknown message")
	// ErrNotFriend: the contact has not accepted yet, so nothing can be sent.
	ErrNotFriend = errors.New("app: not a friend yet")
	// ErrKeyChanged: the contact's identity key changed; sending stops until
	// the user trusts the new key.
	ErrKeyChanged = errors.New("app: contact's key changed")
	// ErrTooLong: the message text exceeds MaxTextBytes.
	ErrTooLong = errors.New("app: message too long")
	// ErrEmpty: the message text is empty.
	ErrEmpty = errors.New("app: empty message")
	// ErrBadInvite: the invite could not be read or its signature is wrong.
	ErrBadInvite = errors.New("app: invalid invite")
	// ErrSelf: the invite is our own.
	ErrSelf = errors.New("app: that is your own invite")
	// ErrAlreadyFriend: the contact is already a friend or requested.
	ErrAlreadyFriend = errors.New("app: already a contact")
	// ErrNoNode: the operation needs a home node and none is configured.
	ErrNoNode = errors.New("app: no home node")
	// ErrBadUsername: the username is not of the accepted form.
	ErrBadUsername = errors.New("app: invalid username")
	// ErrBadNode: a node address is not a valid multiaddr with /p2p/.
	ErrBadNode = errors.New("app: invalid node address")
	// ErrNotDelivered: delivery keeps failing (reported once per streak of
	// failures; the courier keeps retrying).
	ErrNotDelivered = errors.New("app: message not delivered yet")
	// ErrNoKeyChange: TrustNewKey was called but the key did not change.
	ErrNoKeyChange = errors.New("app: no key change to trust")
)

// problems maps sentinel errors to words. The first match in order wins.
var problems = []struct {
	err error
	p   Problem
}{
	{ErrWrongPassphrase, Problem{"Wrong passphrase", "The passphrase does not unlock this profile.", "Check Caps Lock and try again."}},
	{ErrNoProfile, Problem{"No profile", "There is no profile in this data directory yet.", "Create one first (parley init)."}},
	{ErrProfileExists, Problem{"Profile exists", "This data directory already holds a profile.", "Unlock it, or choose another directory."}},
	{ErrClosed, Problem{"Locked", "The profile is locked.", "Unlock it again to continue."}},
	{vault.ErrClosed, Problem{"Locked", "The profile is locked.", "Unlock it again to continue."}},
	{vault.ErrNoVault, Problem{"No profile", "There is no profile in this data directory yet.", "Create one first (parley init)."}},
	{ErrUnknownContact, Problem{"Unknown contact", "There is no contact or request with that ID.", "Check the contact list."}},
	{ErrUnknownMessage, Problem{"Unknown message", "There is no message with that ID in this conversation.", "Start from the newest page."}},
	{ErrNotFriend, Problem{"Not a friend yet", "This person has not accepted your friend request yet.", "Messages can be sent once they accept."}},
	{ErrKeyChanged, Problem{"Safety number changed", "This contact's identity key changed, so sending is paused.", "Compare the safety number with them in person, then trust the new key."}},
	{ErrTooLong, Problem{"Message too long", fmt.Sprintf("A message may hold at most %d KiB of text.", MaxTextBytes>>10), "Split it into several messages."}},
	{ErrEmpty, Problem{"Empty message", "There is nothing to send.", "Type a message first."}},
	{ErrBadInvite, Problem{"Invalid invite", "The invite could not be read or its signature does not check out.", "Ask for the invite again and paste it whole."}},
	{ErrSelf, Problem{"That is you", "This invite is your own.", "Paste your friend's invite instead."}},
	{ErrAlreadyFriend, Problem{"Already a contact", "This person is already in your contacts.", ""}},
	{ErrNoNode, Problem{"No home node", "This needs a home node, and none is configured.", "Add a node address in the settings."}},
	{ErrBadUsername, Problem{"Invalid username", "A username is 3 to 32 letters, digits, dots, dashes or underscores.", "Try another one."}},
	{ErrBadNode, Problem{"Invalid node address", "A node address looks like /ip4/1.2.3.4/tcp/4001/p2p/12D3Koo….", "Copy the address the node printed."}},
	{ErrNoKeyChange, Problem{"Nothing to trust", "This contact's key has not changed.", ""}},
	{rendezvous.ErrNameTaken, Problem{"Username taken", "Someone else already claimed that username on this node.", "Try another one."}},
	{rendezvous.ErrNotFound, Problem{"Not found", "Nobody claimed that username on your home node.", "Check the spelling, or ask for an invite instead."}},
	{rendezvous.ErrQuota, Problem{"Mailbox full", "Your friend's mailbox is full.", "It will be retried; they need to come online."}},
	{rendezvous.ErrRateLimited, Problem{"Slow down", "The node is limiting how fast you send.", "It will be retried shortly."}},
	{rendezvous.ErrDenied, Problem{"Refused by the node", "The node refused the request.", ""}},
	{ErrNotDelivered, Problem{"Message not delivered yet", "Your friend is offline and their node cannot be reached right now. It will be sent when either of you is online again.", "Keep parley open to deliver faster."}},
	{vault.ErrIntegrity, Problem{"Damaged data", "Part of the local data failed its integrity check and was not used.", "Restore the data directory from a backup."}},
	{vault.ErrCorruptHeader, Problem{"Damaged profile", "The profile's key file is damaged.", "Restore the data directory from a backup."}},
	{vault.ErrNewerSchema, Problem{"Newer profile", "This profile was written by a newer version of parley.", "Update parley."}},
	{context.DeadlineExceeded, Problem{"Timed out", "The operation took too long.", "Check your connection and try again."}},
	{context.Canceled, Problem{"Cancelled", "The operation was cancelled.", ""}},
}

// genericProblem is shown for errors with no mapping.
var genericProblem = Problem{"Something went wrong", "parley could not complete that.", "Try again; if it keeps happening, restart parley."}

// ProblemOf turns err into words a user can act on. It is the only place
// where errors become user text. Unknown errors give a generic Problem.
func ProblemOf(err error) Problem {
	if err == nil {
		return Problem{}
	}
	for _, m := range problems {
		if errors.Is(err, m.err) {
			return m.p
		}
	}
	if p, ok := diskProblem(err); ok {
		return p
	}
	return genericProblem
}

// Problems of the data folder's file system.
var (
	readOnlyProblem = Problem{"Cannot write to the profile folder", "parley cannot write to its data folder: it is read-only or belongs to someone else.", "Check that the disk is mounted writable and that you own the folder."}
	diskFullProblem = Problem{"Your disk is full", "parley could not save because there is no space left on the disk. Nothing that was saved before is lost.", "Free some space, then try again."}
)

// diskProblem recognises file-system refusals. Badger flattens the errors
// it wraps into text, so the standard strerror texts are matched as well.
func diskProblem(err error) (Problem, bool) {
	text := err.Error()
	switch {
	case errors.Is(err, syscall.ENOSPC) || strings.Contains(text, "no space left on device"):
		return diskFullProblem, true
	case errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM),
		strings.Contains(text, "read-only file system"), strings.Contains(text, "permission denied"):
		return readOnlyProblem, true
	}
	return Problem{}, false
}

// Sentence is the Problem as one line: Title, then Detail.
func (p Problem) Sentence() string {
	if p.Detail == "" {
		return p.Title + "."
	}
	return p.Title + ": " + p.Detail
}
