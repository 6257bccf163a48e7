package deb822_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/portcullis-oci/portcullis/internal/deb822"
)

func ExampleReader() {
	const in = "Package: a\r\nVersion: 1\r\nDescription: short\r\n long\r\n\r\nPackage b\r\n\r\nPackage: c\r\nVersion: 2\r\n"
	r := deb822.NewReader(strings.NewReader(in), deb822.Options{SplitOn: "Package"})
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if deb822.IsSyntax(err) {
			fmt.Println("skipped:", err)
			continue
		}
		if err != nil {
			fmt.Println("error:", err)
			break
		}
		fmt.Printf("line %d: %s %s\n", p.Line, p.Get("Package"), p.Get("Version"))
	}
	// Output:
	// line 1: a 1
	// skipped: line 6: not a field (no colon): "Package b"
	// line 8: c 2
}
