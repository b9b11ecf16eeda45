package vault

import "fmt"

func sessionKey(peerID string) ([]byte, error) {
	id, err := nonEmpty("peer ID", peerID)
	if err != nil {
		return nil, err
	}
	return key(pfxSession, id), nil
}

// PutSession stores the opaque ratchet session blob for peerID.
func (tx *Tx) PutSession(peerID string, blob []byte) error {
	k, err := sessionKey(peerID)
	if err == nil {
		err = tx.put(k, blob)
	}
	if err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	return nil
}

// GetSession returns the session blob for peerID, or ErrNotFound.
func (tx *Tx) GetSession(peerID string) ([]byte, error) {
	k, err := sessionKey(peerID)
	var blob []byte
	if err == nil {
		blob, err = tx.get(k)
	}
	if err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	return blob, nil
}

// DeleteSession removes the session of peerID (no error if absent).
func (tx *Tx) DeleteSession(peerID string) error {
	k, err := sessionKey(peerID)
	if err == nil {
		err = tx.del(k)
	}
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
