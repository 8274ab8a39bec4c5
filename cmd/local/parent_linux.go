package main

import "syscall"

// dieWithParent asks the kernel to send SIGTERM when our parent exits, so
// no process outlives `make dev`.
func dieWithParent() {
	const prSetPdeathsig = 1
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetPdeathsig, uintptr(syscall.SIGTERM), 0)
}
