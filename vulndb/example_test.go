package vulndb_test

import (
	"fmt"
	"log"

	"github.com/portcullis-oci/portcullis/vulndb"
)

// Parse and score a CVSS vector.
func ExampleParseCVSS() {
	c, err := vulndb.ParseCVSS("", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:N")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Type, c.Score)
	// Output:
	// CVSS_V3 6.5
}
