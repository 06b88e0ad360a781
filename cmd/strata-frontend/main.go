// Command strata-frontend is the entrypoint of Strata's frontend image: the
// program BuildKit starts for a spec whose first line is # syntax=<image>.
// It talks to BuildKit over stdin/stdout, so it never prints to stdout.
package main

import (
	"fmt"
	"os"

	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"
	_ "github.com/moby/buildkit/util/grpcutil/encoding/proto"
	"github.com/strata-build/strata/frontend"
	"github.com/strata-build/strata/version"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" { // never passed by BuildKit
		fmt.Println("strata-frontend", version.String())
		return
	}
	if err := grpcclient.RunFromEnvironment(appcontext.Context(), frontend.Build); err != nil {
		fmt.Fprintf(os.Stderr, "strata frontend: %v\n", err)
		os.Exit(1)
	}
}
