//go:build !linux

package devstack

import "syscall"

// setChildAttrs puts the child in its own process group.
func setChildAttrs(a *syscall.SysProcAttr) {
	a.Setpgid = true
}
