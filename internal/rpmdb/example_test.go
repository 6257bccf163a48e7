package rpmdb_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/portcullis-oci/portcullis/internal/rpmdb"
)

// helloHeader is the header blob of a small package, as rpm stores it.
const helloHeader = "00000007000000580000003f000000070000004800000010000003e800000006" +
	"0000000000000001000003e9000000060000000600000001000003ea00000006" +
	"0000000d00000001000003fe000000060000001400000001000003f600000006" +
	"0000001b0000000100000414000000060000002c0000000168656c6c6f00322e" +
	"31322e3100312e66633430007838365f36340047504c2d332e302d6f722d6c61" +
	"7465720068656c6c6f2d322e31322e312d312e666334302e7372632e72706d00" +
	"0000003f00000007ffffff9000000010"

func ExampleOpen() {
	// Make a one-package sqlite database, as Fedora keeps in
	// usr/lib/sysimage/rpm/rpmdb.sqlite.
	dir, err := os.MkdirTemp("", "rpmdb-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "rpmdb.sqlite")
	blob, _ := hex.DecodeString(helloHeader)
	s, err := sql.Open("sqlite", path)
	if err != nil {
		panic(err)
	}
	if _, err := s.Exec(`CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)`); err != nil {
		panic(err)
	}
	if _, err := s.Exec(`INSERT INTO Packages (blob) VALUES (?)`, blob); err != nil {
		panic(err)
	}
	s.Close()

	db, err := rpmdb.Open(path)
	if err != nil {
		panic(err)
	}
	defer db.Close()
	pkgs, err := db.Packages(context.Background())
	if err != nil {
		panic(err)
	}
	for _, p := range pkgs {
		fmt.Println(db.Format(), p.Name, p.Version, p.Release, p.Arch, p.SourceRPM, p.License)
	}
	// Output:
	// sqlite hello 2.12.1 1.fc40 x86_64 hello-2.12.1-1.fc40.src.rpm GPL-3.0-or-later
}

func ExampleParseHeader() {
	blob, _ := hex.DecodeString(helloHeader)
	p, err := rpmdb.ParseHeader(blob)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s-%s-%s.%s epoch=%v\n", p.Name, p.Version, p.Release, p.Arch, p.HasEpoch)

	_, err = rpmdb.ParseHeader(blob[:100])
	fmt.Println(err)
	// Output:
	// hello-2.12.1-1.fc40.x86_64 epoch=false
	// rpmdb: header: malformed: header declares 7 index entries and 88 data bytes (208 bytes in all), blob has 100 bytes
}
