package osrelease_test

import (
	"fmt"

	"github.com/portcullis-oci/portcullis/internal/osrelease"
)

func ExampleParseFile() {
	files := map[string]string{
		"etc/os-release":     "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
		"etc/centos-release": "CentOS Linux release 7.9.2009 (Core)\n",
	}
	for _, p := range osrelease.Paths() {
		b, ok := files[p]
		if !ok {
			continue
		}
		info, err := osrelease.ParseFile(p, []byte(b))
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s: %s %s %q\n", p, info.ID, info.VersionID, info.VersionCodename)
	}
	// Output:
	// etc/os-release: debian 12 "bookworm"
	// etc/centos-release: centos 7 "Core"
}
