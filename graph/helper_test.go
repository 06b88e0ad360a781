package graph

import "testing/fstest"

// testHelperSources stands in for the embedded sources in graph tests.
var testHelperSources = fstest.MapFS{
	"cmd/strata-layer/main.go": {Data: []byte("package main\nfunc main() {}\n")},
	"layer/layer.go":           {Data: []byte("package layer\n")},
}
