package e2e

import "google.golang.org/protobuf/encoding/protowire"

// header is a double-ratchet message header.
type header struct {
	dh    [keyLen]byte
	pn, n uint32
	salt  [saltLen]byte
}

// saltLen is the size of the per-message random salt. It goes into the
// derivation of the message's key and nonce, so that even a session state
// restored from an old copy (a crash before the new state was stored) never
// encrypts two messages under the same key and nonce.
const saltLen = 16

const maxHeaderLen = 2 + keyLen + 2*(1+5) + 2 + saltLen

// appendHeader appends the canonical protobuf encoding of h (the bytes
// proto.Marshal writes for Header).
func appendHeader(b []byte, h *header) []byte {
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, h.dh[:])
	if h.pn != 0 {
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(h.pn))
	}
	if h.n != 0 {
		b = protowire.AppendTag(b, 3, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(h.n))
	}
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	return protowire.AppendBytes(b, h.salt[:])
}

// parseHeader decodes a header strictly (known fields once, in order).
func parseHeader(b []byte) (header, bool) {
	var h header
	if len(b) > maxHeaderLen {
		return h, false
	}
	last, have := protowire.Number(0), 0
	for off := 0; off < len(b); {
		num, typ, n := protowire.ConsumeTag(b[off:])
		if n < 0 || num <= last || num > 4 {
			return h, false
		}
		off += n
		last = num
		if num == 1 || num == 4 {
			v, m := protowire.ConsumeBytes(b[off:])
			if typ != protowire.BytesType || m < 0 {
				return h, false
			}
			if num == 1 && copy32(&h.dh, v) {
				have++
			} else if num == 4 && len(v) == saltLen {
				copy(h.salt[:], v)
				have++
			} else {
				return h, false
			}
			off += m
			continue
		}
		v, m := protowire.ConsumeVarint(b[off:])
		if typ != protowire.VarintType || m < 0 || v > 0xffffffff {
			return h, false
		}
		off += m
		if num == 2 {
			h.pn = uint32(v)
		} else {
			h.n = uint32(v)
		}
	}
	return h, have == 2
}
