package e2e

import (
	"bytes"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"strings"
)

const (
	safetyIterations = 5200 // as Signal's NumericFingerprintGenerator
	safetyDigestLen  = 32   // bytes of each party's digest kept for the QR payload
	safetyQRVersion  = 1
	// SafetyQRLen is the length of Safety.QR payloads.
	SafetyQRLen = 1 + 2*safetyDigestLen
)

// Safety is the safety number of a pair of identities: the same for both
// parties whichever order they are given in, and different as soon as either
// key changes. It is a value; the zero value is empty.
type Safety struct {
	digits string // 60 decimal digits
	qr     []byte
}

// SafetyNumber computes the safety number of identities a and b. Each
// party's keys are hashed alone with iterated SHA-512 (as Signal does), and
// the two results are put in sorted order, which makes the number
// order-independent.
func SafetyNumber(a, b IdentityPublic) Safety {
	da, db := partyDigest(a), partyDigest(b)
	if bytes.Compare(da[:], db[:]) > 0 {
		da, db = db, da
	}
	qr := make([]byte, 0, SafetyQRLen)
	qr = append(append(append(qr, safetyQRVersion), da[:safetyDigestLen]...), db[:safetyDigestLen]...)
	return Safety{digits: digits30(da[:]) + digits30(db[:]), qr: qr}
}

// partyDigest is SHA-512 iterated over version || keys || label.
func partyDigest(p IdentityPublic) [sha512.Size]byte {
	keys := append(p.ed[:], p.dh[:]...)
	in := make([]byte, 0, 2+len(keys)+len(labelSafety))
	in = binary.BigEndian.AppendUint16(in, 0)
	in = append(append(in, keys...), labelSafety...)
	sum := sha512.Sum512(in)
	buf := make([]byte, 0, sha512.Size+len(keys))
	for i := 1; i < safetyIterations; i++ {
		buf = append(append(buf[:0], sum[:]...), keys...)
		sum = sha512.Sum512(buf)
	}
	return sum
}

// digits30 turns the first 30 bytes into 6 groups of 5 digits (each group is
// a 40-bit big-endian chunk modulo 100000), as Signal does.
func digits30(d []byte) string {
	var b strings.Builder
	for i := 0; i < 6; i++ {
		c := d[i*5 : i*5+5]
		v := uint64(c[0])<<32 | uint64(c[1])<<24 | uint64(c[2])<<16 | uint64(c[3])<<8 | uint64(c[4])
		fmt.Fprintf(&b, "%05d", v%100000)
	}
	return b.String()
}

// String formats the number as 12 groups of 5 digits separated by spaces.
func (s Safety) String() string {
	g := s.Groups()
	return strings.Join(g[:], " ")
}

// Groups returns the 12 groups of 5 digits.
func (s Safety) Groups() [12]string {
	var g [12]string
	for i := range g {
		if len(s.digits) >= (i+1)*5 {
			g[i] = s.digits[i*5 : i*5+5]
		}
	}
	return g
}

// QR returns the bytes to show as a QR code (a copy): a version byte and
// both parties' 32-byte digests in sorted order.
func (s Safety) QR() []byte { return append([]byte(nil), s.qr...) }

// MatchQR reports, in constant time, whether a scanned QR payload equals this
// safety number's payload.
func (s Safety) MatchQR(scanned []byte) bool {
	return len(s.qr) == SafetyQRLen && subtle.ConstantTimeCompare(s.qr, scanned) == 1
}

// Equal reports in constant time whether two safety numbers are the same.
func (s Safety) Equal(o Safety) bool { return s.MatchQR(o.qr) }
