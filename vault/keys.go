package vault

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// Badger key prefixes, one per record type (see doc.go). Every prefix ends
// in '/', and no prefix is a prefix of another.
const (
	pfxMeta       = "m/"  // m/schema
	pfxProfile    = "p/"  // p/profile
	pfxContact    = "c/"  // c/<peer>
	pfxSession    = "s/"  // s/<peer>
	pfxMessage    = "h/"  // h/<len16 conv><time64><id>
	pfxMessageIdx = "hi/" // hi/<len16 conv><id> → message key
	pfxBody       = "hb/" // hb/<len16 conv><time64><id>: a long text (raw)
	pfxOutbox     = "o/"  // o/<time64><id>
	pfxOutboxIdx  = "oi/" // oi/<id> → outbox key
	pfxSetting    = "t/"  // t/<name>
	pfxSeen       = "x/"  // x/<len16 ns><id>
	pfxSeenExp    = "xe/" // xe/<time64><len16 ns><id>
	pfxRequest    = "r/"  // r/<peer>
)

var (
	keySchema  = []byte(pfxMeta + "schema")
	keyProfile = []byte(pfxProfile + "profile")
)

// key concatenates a prefix and parts into a fresh slice.
func key(prefix string, parts ...[]byte) []byte {
	n := len(prefix)
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	k = append(k, prefix...)
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

// lenPrefixed encodes s with a 16-bit big-endian length, so that a
// variable-length component can be followed by others unambiguously.
func lenPrefixed(what, s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("empty %s", what)
	}
	if len(s) > math.MaxUint16 {
		return nil, fmt.Errorf("%s too long (%d bytes)", what, len(s))
	}
	b := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(s)), uint16(len(s)))
	return append(b, s...), nil
}

// nonEmpty checks a string key component.
func nonEmpty(what, s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("empty %s", what)
	}
	return []byte(s), nil
}

// timeKey encodes t so that byte order is time order (sign bit flipped).
func timeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(nanos(t))^(1<<63))
}

// nanos is t as Unix nanoseconds, 0 for the zero time. Times outside
// 1678–2262 saturate (UnixNano is undefined there).
func nanos(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// fromNanos is the inverse of nanos: 0 gives the zero time. Times come back
// in UTC; showing local time is the frontend's job.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
