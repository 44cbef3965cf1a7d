// Wrapper main for etcdctl, for the same reason as the etcd wrapper.
package main

import "go.etcd.io/etcd/etcdctl/v3/ctlv3"

func main() { ctlv3.MustStart() }
