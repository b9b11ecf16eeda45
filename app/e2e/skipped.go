package e2e

import (
	"maps"
	"slices"
)

// Bounds of the double ratchet's store of skipped message keys.
const (
	// MaxSkip is the most message keys one message may make the receiver
	// derive and store for messages it has not seen (per chain). A header
	// claiming more is rejected before any key is derived.
	MaxSkip = 1000
	// MaxSkippedKeys bounds the stored skipped keys of a session; the
	// oldest are dropped first.
	MaxSkippedKeys = 2000
	// MaxSkippedAge is how many receiving DH ratchet steps (turns of the
	// conversation) a skipped key is kept for.
	MaxSkippedAge = 50
)

type skipKey struct {
	dh [keyLen]byte
	n  uint32
}

type skipEntry struct {
	mk   [32]byte
	step uint32 // receiving DH step that stored it
}

// pendingSkip is a skipped key derived by an Open not yet committed.
type pendingSkip struct {
	key skipKey
	skipEntry
}

// skippedKeys stores message keys of skipped messages, oldest first. The
// zero value is an empty store. Not safe for concurrent use.
type skippedKeys struct {
	m     map[skipKey]skipEntry
	order []skipKey // insertion order; may still list consumed keys
}

func (s *skippedKeys) get(k skipKey) ([32]byte, bool) {
	e, ok := s.m[k]
	return e.mk, ok
}

func (s *skippedKeys) len() int { return len(s.m) }

// remove deletes k, overwriting its key first.
func (s *skippedKeys) remove(k skipKey) {
	if _, ok := s.m[k]; ok {
		s.m[k] = skipEntry{}
		delete(s.m, k)
	}
}

// add stores new keys, then drops keys older than MaxSkippedAge steps before
// step and the oldest keys beyond MaxSkippedKeys.
func (s *skippedKeys) add(keys []pendingSkip, step uint32) {
	if len(keys) > 0 && s.m == nil {
		s.m = make(map[skipKey]skipEntry, len(keys))
	}
	for _, p := range keys {
		s.m[p.key] = p.skipEntry
		s.order = append(s.order, p.key)
	}
	i := 0
	for ; i < len(s.order); i++ {
		k := s.order[i]
		e, ok := s.m[k]
		if ok && len(s.m) <= MaxSkippedKeys && step-e.step <= MaxSkippedAge {
			break
		}
		s.remove(k)
	}
	s.order = s.order[i:]
	if cap(s.order) > 4*MaxSkippedKeys || len(s.order) > 2*len(s.m)+64 {
		s.compact()
	}
}

// compact drops consumed keys from order and gives back memory.
func (s *skippedKeys) compact() {
	o := make([]skipKey, 0, len(s.m))
	for _, k := range s.order {
		if _, ok := s.m[k]; ok {
			o = append(o, k)
		}
	}
	s.order = o
}

// clone returns an independent copy.
func (s *skippedKeys) clone() skippedKeys {
	return skippedKeys{m: maps.Clone(s.m), order: slices.Clone(s.order)}
}

// entries lists the live keys, oldest first.
func (s *skippedKeys) entries() []pendingSkip {
	out := make([]pendingSkip, 0, len(s.m))
	for _, k := range s.order {
		if e, ok := s.m[k]; ok {
			out = append(out, pendingSkip{key: k, skipEntry: e})
		}
	}
	return out
}

func zeroSkips(p []pendingSkip) {
	for i := range p {
		p[i] = pendingSkip{}
	}
}
