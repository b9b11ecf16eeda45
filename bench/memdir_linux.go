package main

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// memDir makes a fresh directory on tmpfs (/dev/shm) for row 8.memdisk.
func memDir() (string, error) {
	var st unix.Statfs_t
	if err := unix.Statfs("/dev/shm", &st); err != nil {
		return "", fmt.Errorf("no /dev/shm: %w", err)
	}
	if st.Type != unix.TMPFS_MAGIC {
		return "", errors.New("/dev/shm is not tmpfs")
	}
	return os.MkdirTemp("/dev/shm", "parley-bench-")
}
