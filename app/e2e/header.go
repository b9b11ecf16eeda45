package e2e

import "google.golang.org/protobuf/encoding/protowire"

// header is a double-ratchet message header.
type header struct {
	dh    [keyLen]byte
	pn, n uint32
}

const maxHeaderLen = 2 + keyLen + 2*(1+5)

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
	return b
}

// parseHeader decodes a header strictly (known fields once, in order).
func parseHeader(b []byte) (header, bool) {
	var h header
	if len(b) > maxHeaderLen {
		return h, false
	}
	last, haveDH := protowire.Number(0), false
	for off := 0; off < len(b); {
		num, typ, n := protowire.ConsumeTag(b[off:])
		if n < 0 || num <= last || num > 3 {
			return h, false
		}
		off += n
		last = num
		if num == 1 {
			v, m := protowire.ConsumeBytes(b[off:])
			if typ != protowire.BytesType || m < 0 || len(v) != keyLen {
				return h, false
			}
			copy(h.dh[:], v)
			off, haveDH = off+m, true
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
	return h, haveDH
}
