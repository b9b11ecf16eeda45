package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/parley-chat/parley/app"
)

// TestRemoveContact: "Remove contact…" in the conversation header asks
// first, saying the history is deleted; Cancel keeps everything; confirming
// removes the contact and closes its conversation.
func TestRemoveContact(t *testing.T) {
	h := unlocked(t, bob, carol)
	s := h.g.sess
	conv := h.open(bob.PeerID)
	test.Tap(conv.removeBtn)
	d := s.removeDlg
	if d == nil {
		t.Fatal("no confirmation after Remove contact…")
	}
	if !strings.Contains(d.text.Text, "conversation with them will be deleted") {
		t.Errorf("confirmation text = %q, want it to say the history is deleted", d.text.Text)
	}
	test.AssertRendersToMarkup(t, "remove_contact.xml", h.w.Canvas())
	test.Tap(d.cancel)
	h.settle()
	if s.removeDlg != nil || len(h.core.removed) != 0 || s.conv != conv {
		t.Fatalf("after Cancel: dialog %v, RemoveContact calls %v, conversation open %v", s.removeDlg != nil, h.core.removed, s.conv == conv)
	}

	test.Tap(conv.removeBtn)
	test.Tap(s.removeDlg.confirm)
	h.settle()
	if got := h.core.removed; len(got) != 1 || got[0] != bob.PeerID {
		t.Fatalf("RemoveContact calls = %v, want [%s]", got, bob.PeerID)
	}
	if _, ok := s.contacts.get(bob.PeerID); ok || s.conv != nil || s.contacts.len() != 1 {
		t.Fatalf("after removal: bob listed %v, conversation open %v, %d contacts", ok, s.conv != nil, s.contacts.len())
	}
	// The core's ContactRemoved event comes too; applying it again is harmless.
	h.eventually("event applied", func() bool { return s.contacts.len() == 1 && s.conv == nil })
	if len(h.w.Canvas().Overlays().List()) != 0 {
		t.Error("a dialog is still open after the removal")
	}
}

// TestKeyChangeRemove: after a key change the banner and the details
// dialog offer both ways out, trusting the new key or removing the
// contact; removing never trusts.
func TestKeyChangeRemove(t *testing.T) {
	h := unlocked(t, bob)
	s := h.g.sess
	conv := h.open(bob.PeerID)
	h.core.emit(app.KeyChanged{Peer: bob.PeerID})
	h.eventually("banner", func() bool { return !conv.banner.Hidden })
	if conv.trustBtn.Hidden || conv.refuseBtn.Hidden {
		t.Fatal("the banner does not offer both trusting and removing")
	}
	test.Tap(conv.refuseBtn)
	if d := s.removeDlg; d == nil || !strings.Contains(d.text.Text, "refuses their new key") {
		t.Fatalf("banner's Remove contact… opened %+v, want the confirmation for a key change", d)
	}
	test.Tap(s.removeDlg.cancel)

	s.showDetails(bob.PeerID)
	h.settle()
	dd := s.detailsDlg
	if dd.warning.Hidden || dd.remove.Hidden || !dd.trust.Disabled() {
		t.Fatal("details: no key warning, no remove, or trust enabled before comparing")
	}
	test.Tap(dd.remove)
	test.Tap(s.removeDlg.confirm)
	h.settle()
	if len(h.core.removed) != 1 || len(h.core.trusted) != 0 {
		t.Fatalf("removed %v, trusted %v; want bob removed and nothing trusted", h.core.removed, h.core.trusted)
	}
	if s.detailsDlg != nil || s.conv != nil || s.contacts.len() != 0 {
		t.Error("details dialog or conversation still open after removing the contact")
	}
	if !s.empty.Visible() {
		t.Error("empty-state hint hidden after the last contact was removed")
	}
}
