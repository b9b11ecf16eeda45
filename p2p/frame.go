package p2p

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/proto"
)

// DefaultMaxFrame is the frame size limit used when a caller passes max <= 0:
// a 300 KiB envelope plus protobuf overhead fits.
const DefaultMaxFrame = 512 << 10

// eagerAlloc is the largest frame body allocated in one piece before its bytes
// arrive; larger bodies grow with the data actually received, so a peer that
// announces a big frame and sends little costs little memory.
const eagerAlloc = 64 << 10

// Frame errors. They are wrapped with context; test them with errors.Is.
var (
	// ErrFrameTooLarge means a frame's announced length exceeds the maximum.
	ErrFrameTooLarge = errors.New("frame too large")
	// ErrBadLength means the length prefix is not a valid uvarint.
	ErrBadLength = errors.New("bad frame length")
)

// WriteFrame writes b as one frame (uvarint length, then b) in a single
// Write call. It refuses frames longer than max (DefaultMaxFrame if max <= 0)
// so a sender cannot produce what its peer must reject.
func WriteFrame(w io.Writer, b []byte, max int) error {
	frame, err := frameOf(b, max)
	if err != nil {
		return err
	}
	return writeFramed(w, frame)
}

// frameOf returns b as one frame of at most max bytes (DefaultMaxFrame if
// max <= 0): uvarint length, then a copy of b.
func frameOf(b []byte, max int) ([]byte, error) {
	if err := checkFrame(len(b), max); err != nil {
		return nil, err
	}
	frame := make([]byte, 0, binary.MaxVarintLen64+len(b))
	frame = binary.AppendUvarint(frame, uint64(len(b)))
	return append(frame, b...), nil
}

// marshalFrame encodes m as one frame of at most max bytes (DefaultMaxFrame
// if max <= 0), length and body in one buffer: WriteFrame of proto.Marshal's
// output would copy the encoding once more (64 KiB for a long text).
func marshalFrame(m proto.Message, max int) ([]byte, error) {
	var o proto.MarshalOptions
	n := o.Size(m)
	if err := checkFrame(n, max); err != nil {
		return nil, err
	}
	buf := make([]byte, 0, binary.MaxVarintLen64+n)
	buf = binary.AppendUvarint(buf, uint64(n))
	head := len(buf)
	o.UseCachedSize = true // the sizes Size just computed: not walked twice
	buf, err := o.MarshalAppend(buf, m)
	if err != nil {
		return nil, fmt.Errorf("marshal %T: %w", m, err)
	}
	if len(buf)-head != n { // m changed between Size and Marshal
		return nil, fmt.Errorf("marshal %T: %d bytes, announced %d", m, len(buf)-head, n)
	}
	return buf, nil
}

// checkFrame refuses a frame body of n bytes above max (DefaultMaxFrame if
// max <= 0).
func checkFrame(n, max int) error {
	if max <= 0 {
		max = DefaultMaxFrame
	}
	if n > max {
		return fmt.Errorf("write frame of %d bytes (max %d): %w", n, max, ErrFrameTooLarge)
	}
	return nil
}

// writeFramed writes a frame built by frameOf or marshalFrame in one Write
// call.
func writeFramed(w io.Writer, frame []byte) error {
	if _, err := w.Write(frame); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// ReadFrame reads one frame of at most max bytes (DefaultMaxFrame if
// max <= 0). The length is checked against max before anything is allocated.
// A clean end of stream before the first byte returns io.EOF; a frame cut
// short returns io.ErrUnexpectedEOF.
func ReadFrame(r io.Reader, max int) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxFrame
	}
	n, err := readLength(r)
	if err != nil {
		return nil, err
	}
	if n > uint64(max) {
		return nil, fmt.Errorf("read frame of %d bytes (max %d): %w", n, max, ErrFrameTooLarge)
	}
	// Allocate what has been announced up to eagerAlloc, and beyond that at
	// most twice what has arrived: a peer that announces a big frame and
	// sends little costs little memory, and the buffer grows straight to
	// the frame's size (a 66 KiB envelope: 64 + 66 KiB allocated, where a
	// bytes.Buffer took 64 + 129 KiB).
	b := make([]byte, min(n, eagerAlloc))
	for got := 0; ; {
		m, err := io.ReadFull(r, b[got:])
		got += m
		if err != nil {
			return nil, fmt.Errorf("read frame body: %w", unexpected(err))
		}
		if uint64(got) == n {
			return b, nil
		}
		grown := make([]byte, min(n, 2*uint64(got)))
		copy(grown, b)
		b = grown
	}
}

// readLength reads a uvarint one byte at a time, so that it never consumes
// bytes of the body from an unbuffered reader.
func readLength(r io.Reader) (uint64, error) {
	br, ok := r.(io.ByteReader)
	if !ok {
		br = &byteReader{r: r}
	}
	var x uint64
	var s uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		c, err := br.ReadByte()
		if err != nil {
			if i > 0 {
				err = unexpected(err)
			}
			if errors.Is(err, io.EOF) {
				return 0, io.EOF
			}
			return 0, fmt.Errorf("read frame length: %w", err)
		}
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				return 0, ErrBadLength
			}
			return x | uint64(c)<<s, nil
		}
		x |= uint64(c&0x7f) << s
		s += 7
	}
	return 0, ErrBadLength
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

type byteReader struct {
	r   io.Reader
	one [1]byte
}

func (b *byteReader) ReadByte() (byte, error) {
	if _, err := io.ReadFull(b.r, b.one[:]); err != nil {
		return 0, err
	}
	return b.one[0], nil
}

// WriteMsg marshals m and writes it as one frame of at most max bytes.
func WriteMsg(w io.Writer, m proto.Message, max int) error {
	frame, err := marshalFrame(m, max)
	if err != nil {
		return err
	}
	return writeFramed(w, frame)
}

// ReadMsg reads one frame of at most max bytes and unmarshals it into m.
func ReadMsg(r io.Reader, m proto.Message, max int) error {
	b, err := ReadFrame(r, max)
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(b, m); err != nil {
		return fmt.Errorf("unmarshal %T: %w", m, err)
	}
	return nil
}

// newReader wraps a stream in a small buffer: the length prefix is read byte
// by byte, which would otherwise cost one read call per byte.
func newReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 4096) }
