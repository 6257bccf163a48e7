package osrelease

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzOSRelease runs every parser over arbitrary bytes: no panic, and no
// output longer than the input plus the fixed names the fallbacks add.
func FuzzOSRelease(f *testing.F) {
	for _, s := range []string{
		debian12, ubuntu2204, alpine319, rocky9, "", "ID=x", "ID=\"x", "ID='x", "ID=x\\", "NAME=\"a\\\nb\"\nID=x\n",
		"12.5\n", "bookworm/sid\n", "3.19.1\n", "Red Hat Enterprise Linux release 8.9 (Ootpa)\n",
		"CentOS Linux release 7.9.2009 (Core)\n", "Fedora release 39 (Thirty Nine)\n", "x release 1 (",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range append(Paths(), "etc/system-release") {
			info, err := ParseFile(p, b)
			if err != nil {
				if info.ID != "" {
					t.Fatalf("%s: error with an ID: %v", p, err)
				}
				continue
			}
			if info.ID == "" {
				t.Fatalf("%s: no ID and no error", p)
			}
			n := len(info.ID) + len(info.Name) + len(info.PrettyName) + len(info.Version) +
				len(info.VersionID) + len(info.VersionCodename) + len(strings.Join(info.IDLike, ""))
			if n > 4*len(b)+64 {
				t.Fatalf("%s: %d bytes of output from %d bytes", p, n, len(b))
			}
			if len(info.IDLike) > len(b) {
				t.Fatalf("%s: %d ID_LIKE entries", p, len(info.IDLike))
			}
			if !validID(info.ID) || !utf8.ValidString(info.ID) {
				t.Fatalf("%s: invalid ID %q", p, info.ID)
			}
			for _, id := range info.IDLike {
				if !validID(id) {
					t.Fatalf("%s: invalid ID_LIKE entry %q", p, id)
				}
			}
		}
	})
}
