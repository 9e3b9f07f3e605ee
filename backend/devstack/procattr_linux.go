package devstack

import "syscall"

// setChildAttrs puts the child in its own process group and asks the kernel
// to kill it when the parent dies.
func setChildAttrs(a *syscall.SysProcAttr) {
	a.Setpgid = true
	a.Pdeathsig = syscall.SIGKILL
}
