//go:build !linux

package dynamolocal

import "syscall"

// procAttr: no parent-death signal outside Linux; Stop ends Java.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
