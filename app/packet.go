package app

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// The receive path decodes Batch and Packet with protowire instead of
// proto.Unmarshal, which copies every bytes field: a 64 KiB text was copied
// twice (the packet out of the batch, the envelope out of the packet) before
// anything looked at it. These decoders return slices of their input, which
// the receiver never changes (ReadFrame gives each request its own buffer).
// FuzzDecodeBatch and FuzzDecodePacket hold them to proto.Unmarshal's
// verdicts and results.

// Field numbers of Batch and Packet (content.proto).
const (
	fBatchPackets   = 1
	fPacketEnvelope = 1
	fPacketRequest  = 2
	fPacketAccept   = 3
	fPacketID       = 4
)

var (
	errBadUTF8     = errors.New("message_id is not valid UTF-8")
	errFieldNumber = errors.New("invalid field number")
)

// decodeBatch returns the packets of a Batch encoding, aliasing b.
func decodeBatch(b []byte) ([][]byte, error) {
	var packets [][]byte
	err := decodeFields(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num == fBatchPackets && typ == protowire.BytesType {
			packets = append(packets, v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("decode batch: %w", err)
	}
	return packets, nil
}

// decodePacket decodes a Packet encoding into p (reset first); its
// envelope, request or accept aliases b. As with proto.Unmarshal, the last
// of the oneof's fields wins and fields of another wire type than their
// declared one, or unknown, are skipped.
func decodePacket(b []byte, p *Packet) error {
	*p = Packet{}
	err := decodeFields(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if typ != protowire.BytesType {
			return nil
		}
		switch num {
		case fPacketEnvelope:
			p.Body = &Packet_Envelope{Envelope: nonNil(v)}
		case fPacketRequest:
			p.Body = &Packet_Request{Request: nonNil(v)}
		case fPacketAccept:
			p.Body = &Packet_Accept{Accept: nonNil(v)}
		case fPacketID:
			if !utf8.Valid(v) {
				return errBadUTF8
			}
			p.MessageId = string(v)
		}
		return nil
	})
	if err != nil {
		*p = Packet{}
		return fmt.Errorf("decode packet: %w", err)
	}
	return nil
}

// nonNil keeps a present but empty oneof field distinguishable from an
// absent one, as proto.Unmarshal does.
func nonNil(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return v
}

// decodeFields calls fn for every field of the message encoding b, with the
// contents of length-delimited fields (other types: nil), and fails on
// anything proto.Unmarshal would refuse to parse.
func decodeFields(b []byte, fn func(protowire.Number, protowire.Type, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		if num > protowire.MaxValidNumber {
			return errFieldNumber
		}
		b = b[n:]
		var v []byte
		if typ == protowire.BytesType {
			v, n = protowire.ConsumeBytes(b)
		} else {
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, typ, v); err != nil {
			return err
		}
	}
	return nil
}
