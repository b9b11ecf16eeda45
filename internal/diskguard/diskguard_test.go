package diskguard

import (
	"errors"
	"log/slog"
	"syscall"
	"testing"
)

var errFull = errors.New("test: full")

func TestGuard(t *testing.T) {
	g := New(t.TempDir(), 100, errFull, slog.New(slog.DiscardHandler))
	free := uint64(1000)
	g.SetFree(func(string) (uint64, error) { return free, nil })
	if err := g.Check(); err != nil {
		t.Fatalf("Check with space = %v, want nil", err)
	}
	free = 10
	if err := g.Check(); err != nil {
		t.Fatalf("Check within a second of the last measurement = %v, want the cached nil", err)
	}
	g.Reset()
	err := g.Check()
	if !errors.Is(err, errFull) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Check on a full disk = %v, want errFull and ENOSPC", err)
	}
	free = 1000
	g.Reset()
	if err := g.Check(); err != nil {
		t.Fatalf("Check after space returned = %v, want nil", err)
	}
	g.SetFree(func(string) (uint64, error) { return 0, errors.New("statfs failed") })
	if err := g.Check(); err != nil {
		t.Fatalf("Check with a failing statfs = %v, want nil (admit)", err)
	}
	var none *Guard
	if err := none.Check(); err != nil {
		t.Fatalf("nil guard Check = %v, want nil", err)
	}
}

func TestFreeBytesOfTempDir(t *testing.T) {
	free, err := FreeBytes(t.TempDir())
	if err != nil || free == 0 {
		t.Fatalf("FreeBytes(tempdir) = %d, %v; want > 0, nil", free, err)
	}
}
