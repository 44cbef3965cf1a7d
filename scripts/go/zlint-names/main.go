package main

import (
	"fmt"
	"sort"

	_ "github.com/zmap/zlint/v3"
	"github.com/zmap/zlint/v3/lint"
)

func main() {
	n := lint.GlobalRegistry().Names()
	sort.Strings(n)
	for _, x := range n {
		fmt.Println(x)
	}
}
