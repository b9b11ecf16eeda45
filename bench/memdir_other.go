//go:build !linux

package main

import "errors"

// memDir: tmpfs at a known place is a Linux fact.
func memDir(uint64) (string, error) { return "", errors.New("no tmpfs directory on this OS") }
