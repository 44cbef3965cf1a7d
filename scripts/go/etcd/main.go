// Wrapper main for etcd: go.etcd.io/etcd/server/v3 carries relative replace
// directives, so `go install` refuses it; depending on it as a library works.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
