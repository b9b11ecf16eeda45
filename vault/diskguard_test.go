package vault

import (
	"errors"
	"syscall"
	"testing"
)

// TestDiskFullRefusesAndRecovers: below the free-space reserve Update
// refuses with ErrDiskFull (also ENOSPC) and writes nothing; once space
// returns the same Update succeeds. (fault_disk_test.go at the module root
// fills a real tmpfs under a running client.)
func TestDiskFullRefusesAndRecovers(t *testing.T) {
	v, _ := newVault(t)
	if v.guard == nil {
		t.Fatal("on-disk vault has no disk guard")
	}
	free := uint64(1 << 40)
	v.guard.SetFree(func(string) (uint64, error) { return free, nil })
	put := func(val string) error {
		return v.Update(func(tx *Tx) error { return tx.PutSetting("k", []byte(val)) })
	}
	if err := put("before"); err != nil {
		t.Fatalf("Update with space: %v", err)
	}
	free = DefaultMinFreeBytes - 1
	v.guard.Reset()
	err := put("while full")
	if !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Update on a full disk = %v, want ErrDiskFull and ENOSPC", err)
	}
	var got []byte
	if err := v.View(func(tx *Tx) (err error) { got, err = tx.GetSetting("k"); return err }); err != nil || string(got) != "before" {
		t.Fatalf("after the refused write GetSetting = %q, %v; want %q", got, err, "before")
	}
	free = 1 << 40
	v.guard.Reset()
	if err := put("after"); err != nil {
		t.Fatalf("Update after space returned: %v", err)
	}
}

func TestDiskGuardOff(t *testing.T) {
	for _, o := range []Options{{InMemory: true}, {MinFreeBytes: -1}} {
		if g := newDiskGuard(&o, t.TempDir(), nil); g != nil {
			t.Errorf("newDiskGuard(%+v) = %v, want nil (guard off)", o, g)
		}
	}
}
