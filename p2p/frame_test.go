package p2p

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestFrameRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 64 << 10, 64<<10 + 1, 300 << 10} {
		var buf bytes.Buffer
		in := bytes.Repeat([]byte{0xab}, n)
		if err := WriteFrame(&buf, in, 512<<10); err != nil {
			t.Fatalf("WriteFrame(%d bytes) = %v", n, err)
		}
		out, err := ReadFrame(&buf, 512<<10)
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("ReadFrame(%d bytes) = %d bytes, %v; want the same bytes", n, len(out), err)
		}
	}
}

func TestReadFrameRejects(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty stream", nil, io.EOF},
		{"claims 4 GiB", binary.AppendUvarint(nil, 4<<30), ErrFrameTooLarge},
		{"one over max", binary.AppendUvarint(nil, 1025), ErrFrameTooLarge},
		{"truncated body", append(binary.AppendUvarint(nil, 100), make([]byte, 99)...), io.ErrUnexpectedEOF},
		{"truncated big body", append(binary.AppendUvarint(nil, 1000), make([]byte, 10)...), io.ErrUnexpectedEOF},
		{"truncated length", []byte{0x80}, io.ErrUnexpectedEOF},
		{"overlong varint", bytes.Repeat([]byte{0xff}, 11), ErrBadLength},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadFrame(bytes.NewReader(c.in), 1024)
			if !errors.Is(err, c.want) {
				t.Errorf("ReadFrame(%x) = %v, want %v", c.in, err, c.want)
			}
		})
	}
}

// TestReadFrameLyingLengthAllocatesNothing: a frame that claims 4 GiB is
// rejected before its body is allocated.
func TestReadFrameLyingLengthAllocatesNothing(t *testing.T) {
	hdr := binary.AppendUvarint(nil, 4<<30)
	var r bytes.Reader
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(hdr)
		if _, err := ReadFrame(&r, DefaultMaxFrame); err == nil {
			t.Fatal("ReadFrame accepted a 4 GiB frame")
		}
	})
	// The wrapped error costs a few small allocations; a body would cost 4 GiB.
	if allocs > 8 {
		t.Errorf("ReadFrame(4 GiB claim) made %v allocations, want ≤ 8", allocs)
	}
}

// TestReadFrameLiarWithinMax: a frame that claims the maximum but sends a
// little allocates in proportion to what arrived, not to the claim.
func TestReadFrameLiarWithinMax(t *testing.T) {
	in := append(binary.AppendUvarint(nil, 8<<20), make([]byte, 100)...)
	var before, after uint64
	before = totalAlloc()
	_, err := ReadFrame(bytes.NewReader(in), 8<<20)
	after = totalAlloc()
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("ReadFrame = %v, want io.ErrUnexpectedEOF", err)
	}
	if got := after - before; got > 1<<20 {
		t.Errorf("ReadFrame allocated %d bytes for a 100-byte body claiming 8 MiB", got)
	}
}

// TestReadFrameGrowsToSize: a frame above eagerAlloc that arrives in
// pieces is read whole, and costs one eagerAlloc buffer plus one of its own
// size (a 66 KiB envelope: about 130 KiB; bytes.Buffer's doubling took 193).
func TestReadFrameGrowsToSize(t *testing.T) {
	const n = 66 << 10
	body := bytes.Repeat([]byte{0x5c}, n)
	in := append(binary.AppendUvarint(nil, n), body...)
	before := totalAlloc()
	out, err := ReadFrame(iotest.HalfReader(bytes.NewReader(in)), DefaultMaxFrame)
	after := totalAlloc()
	if err != nil || !bytes.Equal(out, body) {
		t.Fatalf("ReadFrame = %d bytes, %v; want the %d-byte body", len(out), err, n)
	}
	if got, limit := after-before, uint64(eagerAlloc+n+8<<10); got > limit {
		t.Errorf("ReadFrame allocated %d bytes for a %d-byte frame, want ≤ %d", got, n, limit)
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{3, 'a', 'b', 'c'})
	f.Add(binary.AppendUvarint(nil, 4<<30))
	f.Add(bytes.Repeat([]byte{0xff}, 12))
	f.Add(append(binary.AppendUvarint(nil, 70<<10), make([]byte, 100)...))
	f.Fuzz(func(t *testing.T, in []byte) {
		const max = 128 << 10
		r := bytes.NewReader(in)
		for {
			b, err := ReadFrame(r, max)
			if err != nil {
				return
			}
			if len(b) > max {
				t.Fatalf("ReadFrame returned %d bytes, max %d", len(b), max)
			}
			var buf bytes.Buffer
			if err := WriteFrame(&buf, b, max); err != nil {
				t.Fatalf("WriteFrame(ReadFrame output) = %v", err)
			}
			again, err := ReadFrame(&buf, max)
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("re-read = %x, %v; want %x", again, err, b)
			}
		}
	})
}
