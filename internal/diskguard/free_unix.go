//go:build linux || darwin

package diskguard

import "syscall"

// FreeBytes returns the bytes available to an unprivileged user on dir's
// file system.
func FreeBytes(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
