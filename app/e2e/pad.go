package e2e

import "slices"

// padBuckets are the plaintext sizes a message is padded up to, so that an
// observer learns only the bucket, not the length. The padded form is
// plaintext || 0x80 || zeros, bucket+1 bytes long. The 65 KiB bucket holds
// a maximal 64 KiB text with the content framing around it, which would
// otherwise be padded to 256 KiB (four times the bytes to seal, send and
// store). Adding a bucket changes no format: Open accepts any padding, and
// requests and accepts (which must be padded exactly) stay below 64 KiB.
var padBuckets = [...]int{256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 65 << 10, MaxPlaintextSize}

// paddedLen returns the padded length for a plaintext of n bytes (n must be at
// most MaxPlaintextSize).
func paddedLen(n int) int {
	for _, b := range padBuckets {
		if n <= b {
			return b + 1
		}
	}
	return MaxPlaintextSize + 1
}

// pad appends the padded form of p to dst.
func pad(dst, p []byte) []byte {
	n, start := paddedLen(len(p)), len(dst)
	dst = slices.Grow(dst, n)[:start+n]
	copy(dst[start:], p)
	dst[start+len(p)] = 0x80
	clear(dst[start+len(p)+1:])
	return dst
}

// unpad strips the padding; ok is false if there is no 0x80 marker.
// It runs after authentication, so its timing reveals nothing new.
func unpad(p []byte) ([]byte, bool) {
	for i := len(p) - 1; i >= 0; i-- {
		switch p[i] {
		case 0:
		case 0x80:
			return p[:i], true
		default:
			return nil, false
		}
	}
	return nil, false
}
