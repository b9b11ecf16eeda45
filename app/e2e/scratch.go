package e2e

import "sync"

// scratchPool recycles the large temporary buffers of Seal and Open (the
// padded plaintext, and label || signed bytes for signature checks) so that
// a 64 KiB message does not cost two extra large allocations. The part of a
// buffer in use is cleared before it goes back, since the padded plaintext
// is secret; callers keep the buffer's length covering all they wrote.
var scratchPool = sync.Pool{New: func() any { return new([]byte) }}

// maxPooled keeps unusually large buffers out of the pool.
const maxPooled = MaxEnvelopeSize + 64

func getScratch(n int) *[]byte {
	p := scratchPool.Get().(*[]byte)
	if cap(*p) < n {
		*p = make([]byte, 0, n)
	}
	*p = (*p)[:0]
	return p
}

func putScratch(p *[]byte) {
	if cap(*p) > maxPooled {
		return
	}
	clear(*p) // the part in use; the rest was cleared when it was last used
	*p = (*p)[:0]
	scratchPool.Put(p)
}
