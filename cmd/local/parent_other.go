//go:build !linux

package main

// dieWithParent does nothing where the kernel cannot signal a process when
// its parent exits: stop the stack with Ctrl-C or SIGTERM there.
func dieWithParent() {}
