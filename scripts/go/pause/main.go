// pause: the sandbox image's process, our own stand-in for registry.k8s.io/pause
// (upstream's is a C program; ours is Go so that the Go toolchain the fixtures
// already need builds it offline, static, with no C library).
//
// It is PID 1 of every pod sandbox. It holds the pod's namespaces open by
// staying alive, and because orphans of a shared PID namespace are re-parented
// to it, it must reap them or they stay zombies. The kubelet stops a sandbox
// with SIGTERM (SIGINT by hand): both end it with status 0, as upstream's does.
// PID 1 of a namespace gets no default signal actions, so the handlers are
// what makes it stoppable at all.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time (-X main.version=...) to the tag the image carries.
var version = "dev"

func reap() {
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		// 0: children left, none exited yet; ECHILD: no children at all.
		if pid <= 0 || err != nil {
			return
		}
	}
}

func main() {
	if len(os.Args) == 2 && (os.Args[1] == "-v" || os.Args[1] == "--version") {
		fmt.Printf("pause.go %s (k8s-pki)\n", version)
		return
	}
	if len(os.Args) > 1 {
		fmt.Fprintf(os.Stderr, "usage: %s [-v]\n", os.Args[0])
		os.Exit(1)
	}
	if os.Getpid() != 1 {
		// Not an error: upstream warns too, and tests run it outside a sandbox.
		fmt.Fprintln(os.Stderr, "Warning: pause should be the first process")
	}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s == syscall.SIGCHLD {
			reap()
			continue
		}
		fmt.Fprintf(os.Stderr, "Shutting down, got signal: %v\n", s)
		os.Exit(0)
	}
}
