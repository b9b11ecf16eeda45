package vault

import (
	"fmt"
	"time"
)

// Profile is the local user's account: display name, private identity and
// signed contact card. The zero value is an empty profile.
type Profile struct {
	Name        string
	IdentityKey []byte // opaque private identity blob (app/e2e encodes it)
	Card        []byte // our signed contact card
	Nodes       []string
	CreatedAt   time.Time
}

func (p *Profile) record() *ProfileRecord {
	return &ProfileRecord{
		Name:        p.Name,
		IdentityKey: p.IdentityKey,
		Card:        p.Card,
		Nodes:       p.Nodes,
		CreatedAt:   nanos(p.CreatedAt),
	}
}

func (r *ProfileRecord) profile() Profile {
	return Profile{
		Name:        r.Name,
		IdentityKey: r.IdentityKey,
		Card:        r.Card,
		Nodes:       r.Nodes,
		CreatedAt:   fromNanos(r.CreatedAt),
	}
}

// GetProfile returns the profile, or ErrNotFound before PutProfile.
func (tx *Tx) GetProfile() (Profile, error) {
	var r ProfileRecord
	if err := tx.getProto(keyProfile, &r); err != nil {
		return Profile{}, fmt.Errorf("get profile: %w", err)
	}
	return r.profile(), nil
}

// PutProfile stores (replaces) the profile.
func (tx *Tx) PutProfile(p Profile) error {
	if err := tx.putProto(keyProfile, p.record()); err != nil {
		return fmt.Errorf("put profile: %w", err)
	}
	return nil
}
