package main

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// memDir makes a fresh directory on tmpfs (/dev/shm) for rows 3.memdisk16
// and 8.memdisk, if the tmpfs has at least need bytes free (the row's
// vaults live in RAM).
func memDir(need uint64) (string, error) {
	var st unix.Statfs_t
	if err := unix.Statfs("/dev/shm", &st); err != nil {
		return "", fmt.Errorf("no /dev/shm: %w", err)
	}
	if st.Type != unix.TMPFS_MAGIC {
		return "", errors.New("/dev/shm is not tmpfs")
	}
	if free := st.Bavail * uint64(st.Bsize); free < need {
		return "", fmt.Errorf("/dev/shm has %d MiB free, the row needs %d MiB", free>>20, need>>20)
	}
	return os.MkdirTemp("/dev/shm", "parley-bench-")
}
