package vault

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Request is an incoming friend request awaiting the user's answer. The zero
// value is an empty record.
type Request struct {
	PeerID     string
	Name       string
	Greeting   string
	Card       []byte // the requester's signed contact card
	Payload    []byte // opaque request state the app needs to accept it
	ReceivedAt time.Time
}

func (q *Request) record() *RequestRecord {
	return &RequestRecord{
		PeerId: q.PeerID, Name: q.Name, Greeting: q.Greeting,
		Card: q.Card, Payload: q.Payload, ReceivedAt: nanos(q.ReceivedAt),
	}
}

func (r *RequestRecord) request() Request {
	return Request{
		PeerID: r.PeerId, Name: r.Name, Greeting: r.Greeting,
		Card: r.Card, Payload: r.Payload, ReceivedAt: fromNanos(r.ReceivedAt),
	}
}

func requestKey(peerID string) ([]byte, error) {
	id, err := nonEmpty("peer ID", peerID)
	if err != nil {
		return nil, err
	}
	return key(pfxRequest, id), nil
}

// PutRequest stores (replaces) the pending request from q.PeerID: one
// request per peer.
func (tx *Tx) PutRequest(q Request) error {
	k, err := requestKey(q.PeerID)
	if err == nil {
		err = tx.putProto(k, q.record())
	}
	if err != nil {
		return fmt.Errorf("put request: %w", err)
	}
	return nil
}

// GetRequest returns the pending request from peerID, or ErrNotFound.
func (tx *Tx) GetRequest(peerID string) (Request, error) {
	k, err := requestKey(peerID)
	var r RequestRecord
	if err == nil {
		err = tx.getProto(k, &r)
	}
	if err != nil {
		return Request{}, fmt.Errorf("get request: %w", err)
	}
	return r.request(), nil
}

// ListRequests returns the pending requests, oldest first (ties by peer ID).
func (tx *Tx) ListRequests() ([]Request, error) {
	var out []Request
	err := tx.scan([]byte(pfxRequest), false, func(_, plain []byte) error {
		var r RequestRecord
		if err := unmarshal(plain, &r); err != nil {
			return err
		}
		out = append(out, r.request())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	slices.SortStableFunc(out, func(a, b Request) int {
		return cmp.Or(a.ReceivedAt.Compare(b.ReceivedAt), cmp.Compare(a.PeerID, b.PeerID))
	})
	return out, nil
}

// DeleteRequest removes the request from peerID (no error if absent).
func (tx *Tx) DeleteRequest(peerID string) error {
	k, err := requestKey(peerID)
	if err == nil {
		err = tx.del(k)
	}
	if err != nil {
		return fmt.Errorf("delete request: %w", err)
	}
	return nil
}

// CountRequests returns the number of pending requests without reading them.
func (tx *Tx) CountRequests() (int, error) {
	n, err := tx.count(pfxRequest)
	if err != nil {
		return 0, fmt.Errorf("count requests: %w", err)
	}
	return n, nil
}
