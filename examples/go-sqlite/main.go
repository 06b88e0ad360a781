// go-sqlite creates a database with the system's SQLite (cgo, the
// libsqlite3 build tag of mattn/go-sqlite3), writes a row and reads it
// back.
package main

import (
	"database/sql"
	"fmt"
	"os"
	"runtime"

	_ "github.com/mattn/go-sqlite3"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go-sqlite DATABASE")
		os.Exit(2)
	}
	db, err := sql.Open("sqlite3", os.Args[1])
	if err != nil {
		fail(err)
	}
	defer db.Close()
	var version string
	if err := db.QueryRow("SELECT sqlite_version()").Scan(&version); err != nil {
		fail(err)
	}
	if _, err := db.Exec("CREATE TABLE IF NOT EXISTS t (arch TEXT); INSERT INTO t VALUES (?)", runtime.GOARCH); err != nil {
		fail(err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM t WHERE arch = ?", runtime.GOARCH).Scan(&n); err != nil {
		fail(err)
	}
	fmt.Printf("sqlite %s on %s: %d row\n", version, runtime.GOARCH, n)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "go-sqlite:", err)
	os.Exit(1)
}
