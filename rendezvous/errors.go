package rendezvous

import (
	"errors"
	"fmt"
)

// Errors a node answers with, and ErrNoCursor. Test them with errors.Is.
var (
	ErrQuota       = errors.New("rendezvous: inbox quota exceeded")
	ErrRateLimited = errors.New("rendezvous: rate limited")
	ErrTooLarge    = errors.New("rendezvous: too large")
	ErrNameTaken   = errors.New("rendezvous: username taken")
	ErrNotFound    = errors.New("rendezvous: not found")
	ErrDenied      = errors.New("rendezvous: denied")
	ErrBadRequest  = errors.New("rendezvous: bad request")
	ErrInternal    = errors.New("rendezvous: node error")
	// ErrStorageFull means the node's disk is (nearly) full; nothing was
	// stored and a later retry may succeed.
	ErrStorageFull = errors.New("rendezvous: node storage full")
	// ErrNoCursor means the node predates the FETCH cursor
	// (/parley/mailbox/1): FetchAfter cannot page there; Fetch can.
	ErrNoCursor = errors.New("rendezvous: node has no fetch cursor")
)

// StatusError maps a wire status to its sentinel error (nil for STATUS_OK).
func StatusError(s Status) error {
	switch s {
	case Status_STATUS_OK:
		return nil
	case Status_STATUS_QUOTA:
		return ErrQuota
	case Status_STATUS_RATE_LIMITED:
		return ErrRateLimited
	case Status_STATUS_TOO_LARGE:
		return ErrTooLarge
	case Status_STATUS_NAME_TAKEN:
		return ErrNameTaken
	case Status_STATUS_NOT_FOUND:
		return ErrNotFound
	case Status_STATUS_DENIED:
		return ErrDenied
	case Status_STATUS_BAD_REQUEST:
		return ErrBadRequest
	case Status_STATUS_INTERNAL:
		return ErrInternal
	case Status_STATUS_STORAGE_FULL:
		return ErrStorageFull
	default:
		return fmt.Errorf("%w: unknown status %d", ErrInternal, s)
	}
}
