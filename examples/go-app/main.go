// Command go-app is Strata's example Go service: a small HTTP server that
// says which platform it was built for.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"runtime"

	"github.com/google/uuid"
)

func main() {
	version := flag.Bool("version", false, "print the platform and exit")
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	if *version {
		fmt.Printf("go-app %s/%s\n", runtime.GOOS, runtime.GOARCH)
		return
	}
	http.HandleFunc("/", hello)
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	log.Printf("listening on %s as uid %d", *addr, os.Getuid())
	log.Fatal(http.ListenAndServe(*addr, nil))
}

func hello(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{
		"message":    "hello from strata",
		"platform":   runtime.GOOS + "/" + runtime.GOARCH,
		"request_id": uuid.NewString(),
	})
}
