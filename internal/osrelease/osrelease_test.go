package osrelease

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const debian12 = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`

const ubuntu2204 = `PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
UBUNTU_CODENAME=jammy
`

const alpine319 = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
HOME_URL="https://alpinelinux.org/"
`

const rocky9 = `NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
`

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Info
	}{
		{name: "debian", in: debian12, want: Info{ID: "debian", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux 12 (bookworm)",
			Version: "12 (bookworm)", VersionID: "12", VersionCodename: "bookworm"}},
		{name: "ubuntu", in: ubuntu2204, want: Info{ID: "ubuntu", IDLike: []string{"debian"}, Name: "Ubuntu", PrettyName: "Ubuntu 22.04.4 LTS",
			Version: "22.04.4 LTS (Jammy Jellyfish)", VersionID: "22.04", VersionCodename: "jammy"}},
		{name: "alpine", in: alpine319, want: Info{ID: "alpine", Name: "Alpine Linux", PrettyName: "Alpine Linux v3.19", VersionID: "3.19.1"}},
		{name: "rocky", in: rocky9, want: Info{ID: "rocky", IDLike: []string{"rhel", "centos", "fedora"}, Name: "Rocky Linux",
			PrettyName: "Rocky Linux 9.3 (Blue Onyx)", Version: "9.3 (Blue Onyx)", VersionID: "9.3"}},
		{name: "CRLF", in: strings.ReplaceAll(debian12, "\n", "\r\n"), want: Info{ID: "debian", Name: "Debian GNU/Linux",
			PrettyName: "Debian GNU/Linux 12 (bookworm)", Version: "12 (bookworm)", VersionID: "12", VersionCodename: "bookworm"}},
		{name: "comments and blank lines", in: "# comment\n\n   # indented comment\nID=arch\n\n#ID=other\n", want: Info{ID: "arch"}},
		{name: "single quotes are literal", in: `ID='x'` + "\nNAME='a \"b\" $c \\d'\n", want: Info{ID: "x", Name: `a "b" $c \d`}},
		{name: "double-quote escapes", in: `ID=x` + "\n" + `NAME="a \"b\" \\ \$c \` + "`d` \\n e\"\n",
			want: Info{ID: "x", Name: "a \"b\" \\ $c `d` \\n e"}},
		{name: "unquoted escapes", in: `ID=my\-distro` + "\n" + `NAME=a\ b` + "\n", want: Info{ID: "my-distro", Name: "a b"}},
		{name: "unquoted stops at blank", in: "ID=debian # trailing comment\nVERSION_ID=12 junk\n", want: Info{ID: "debian", VersionID: "12"}},
		{name: "concatenated quotes", in: `ID="deb"'ian'` + "\n", want: Info{ID: "debian"}},
		{name: "ID lower-cased", in: "ID=Debian\nID_LIKE=\"RHEL  Fedora\"\n", want: Info{ID: "debian", IDLike: []string{"rhel", "fedora"}}},
		{name: "last assignment wins", in: "ID=a\nID=b\n", want: Info{ID: "b"}},
		{name: "multi-line quoted value", in: "NAME=\"a\nb\"\nID=x\n", want: Info{ID: "x", Name: "a\nb"}},
		{name: "backslash-newline continues", in: "NAME=\"a\\\nb\"\nID=x\n", want: Info{ID: "x", Name: "ab"}},
		{name: "unterminated quote ignores the line", in: "NAME=\"broken\nID=x\n", want: Info{ID: "x"}},
		{name: "unterminated single quote", in: "NAME='broken\nID=x\n", want: Info{ID: "x"}},
		{name: "malformed lines ignored", in: "export ID=y\nnot an assignment\n=3\nID-X=1\nID=x\n", want: Info{ID: "x"}},
		{name: "blanks around =", in: "ID = x\n", want: Info{ID: "x"}},
		{name: "no final newline", in: "ID=x", want: Info{ID: "x"}},
		{name: "empty value", in: "ID=x\nVERSION_ID=\n", want: Info{ID: "x"}},
		{name: "trailing backslash", in: "ID=x\\", want: Info{ID: "x"}},
		{name: "NUL before a key", in: "\x00ID=a\nID=x\n", want: Info{ID: "x"}},
		{name: "invalid ID_LIKE entries dropped", in: "ID=x\nID_LIKE=\"rhel fe/dora \x01 centos\"\n", want: Info{ID: "x", IDLike: []string{"rhel", "centos"}}},
		{name: "VERSION_ID with a blank dropped", in: "ID=x\nVERSION_ID=\"1 2\"\nVERSION_CODENAME=\" jammy \"\n", want: Info{ID: "x", VersionCodename: "jammy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{name: "empty", in: "", want: ErrNoID},
		{name: "no ID", in: "NAME=x\nVERSION_ID=1\n", want: ErrNoID},
		{name: "empty ID", in: "ID=\"\"\n", want: ErrNoID},
		{name: "binary", in: "\x7fELF\x02\x01\x01", want: ErrNoID},
		{name: "invalid ID", in: "ID=\"my distro\"\n", want: ErrNoID},
		{name: "ID with NUL", in: "ID=x\x00y\n", want: ErrNoID},
		{name: "ID with slash", in: "ID=../x\n", want: ErrNoID},
		{name: "too large", in: "ID=x\n" + strings.Repeat("#", MaxSize), want: ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			assert.ErrorIs(t, err, tt.want)
		})
	}
	_, err := Parse([]byte("ID=x\n" + strings.Repeat("#", MaxSize-5)))
	assert.NoError(t, err, "exactly MaxSize bytes")
}

func TestFallbacks(t *testing.T) {
	tests := []struct {
		path string
		in   string
		want Info
	}{
		{"etc/debian_version", "12.5\n", Info{ID: "debian", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux 12.5",
			Version: "12.5", VersionID: "12", VersionCodename: "bookworm"}},
		{"etc/debian_version", "11.9", Info{ID: "debian", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux 11.9",
			Version: "11.9", VersionID: "11", VersionCodename: "bullseye"}},
		{"etc/debian_version", "8.11\r\n", Info{ID: "debian", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux 8.11",
			Version: "8.11", VersionID: "8", VersionCodename: "jessie"}},
		{"etc/debian_version", "42\n", Info{ID: "debian", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux 42",
			Version: "42", VersionID: "42"}},
		{"etc/debian_version", "bookworm/sid\n", Info{ID: "debian", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux bookworm/sid",
			Version: "bookworm/sid", VersionCodename: "bookworm"}},
		{"etc/debian_version", "\n\ntrixie/sid\n", Info{ID: "debian", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux trixie/sid",
			Version: "trixie/sid", VersionCodename: "trixie"}},
		{"etc/alpine-release", "3.19.1\n", Info{ID: "alpine", Name: "Alpine Linux", PrettyName: "Alpine Linux 3.19.1",
			Version: "3.19.1", VersionID: "3.19.1"}},
		{"etc/alpine-release", "3.20.0_alpha20240329\n", Info{ID: "alpine", Name: "Alpine Linux", PrettyName: "Alpine Linux 3.20.0_alpha20240329",
			Version: "3.20.0_alpha20240329", VersionID: "3.20.0_alpha20240329"}},
		{"etc/redhat-release", "Red Hat Enterprise Linux release 8.9 (Ootpa)\n", Info{ID: "rhel", Name: "Red Hat Enterprise Linux",
			PrettyName: "Red Hat Enterprise Linux release 8.9 (Ootpa)", Version: "8.9", VersionID: "8.9", VersionCodename: "Ootpa"}},
		{"etc/redhat-release", "Red Hat Enterprise Linux Server release 7.9 (Maipo)\n", Info{ID: "rhel", Name: "Red Hat Enterprise Linux Server",
			PrettyName: "Red Hat Enterprise Linux Server release 7.9 (Maipo)", Version: "7.9", VersionID: "7.9", VersionCodename: "Maipo"}},
		{"etc/centos-release", "CentOS Linux release 7.9.2009 (Core)\n", Info{ID: "centos", Name: "CentOS Linux",
			PrettyName: "CentOS Linux release 7.9.2009 (Core)", Version: "7.9.2009", VersionID: "7", VersionCodename: "Core"}},
		{"etc/centos-release", "CentOS Stream release 9\n", Info{ID: "centos", Name: "CentOS Stream",
			PrettyName: "CentOS Stream release 9", Version: "9", VersionID: "9"}},
		{"etc/fedora-release", "Fedora release 39 (Thirty Nine)\n", Info{ID: "fedora", Name: "Fedora",
			PrettyName: "Fedora release 39 (Thirty Nine)", Version: "39", VersionID: "39", VersionCodename: "Thirty Nine"}},
		{"etc/redhat-release", "Rocky Linux release 9.3 (Blue Onyx)\n", Info{ID: "rocky", Name: "Rocky Linux",
			PrettyName: "Rocky Linux release 9.3 (Blue Onyx)", Version: "9.3", VersionID: "9.3", VersionCodename: "Blue Onyx"}},
		{"etc/system-release", "Amazon Linux release 2 (Karoo)\n", Info{ID: "amzn", Name: "Amazon Linux",
			PrettyName: "Amazon Linux release 2 (Karoo)", Version: "2", VersionID: "2", VersionCodename: "Karoo"}},
		// A symlink's target is parsed by its own name.
		{"usr/lib/os-release", debian12, Info{ID: "debian", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux 12 (bookworm)",
			Version: "12 (bookworm)", VersionID: "12", VersionCodename: "bookworm"}},
		{"usr/lib/os-release.d/custom", "ID=x\n", Info{ID: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.path+"/"+tt.in, func(t *testing.T) {
			got, err := ParseFile(tt.path, []byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFallbackErrors(t *testing.T) {
	tests := []struct {
		path, in string
		want     error
	}{
		{"etc/debian_version", "", ErrNoID},
		{"etc/debian_version", "\n \n", ErrNoID},
		{"etc/debian_version", "12.5 extra", ErrNoID},
		{"etc/debian_version", "Bookworm/sid", ErrNoID},
		{"etc/debian_version", "\x00\x01", ErrNoID},
		{"etc/alpine-release", "", ErrNoID},
		{"etc/alpine-release", "v3.19", ErrNoID},
		{"etc/alpine-release", "3.19 (x)", ErrNoID},
		{"etc/redhat-release", "", ErrNoID},
		{"etc/redhat-release", "Red Hat Enterprise Linux", ErrNoID},
		{"etc/redhat-release", "Red Hat Enterprise Linux release ", ErrNoID},
		{"etc/redhat-release", "Red Hat Enterprise Linux release (Ootpa)", ErrNoID},
		{"etc/redhat-release", "Slackware release 15.0", ErrNoID},
		{"etc/centos-release", strings.Repeat("x", MaxSize+1), ErrTooLarge},
		{"etc/debian_version", strings.Repeat("1", MaxSize+1), ErrTooLarge},
		{"etc/os-release", "NAME=x", ErrNoID},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := ParseFile(tt.path, []byte(tt.in))
			require.ErrorIs(t, err, tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), tt.path+": "), err.Error())
		})
	}
}

func TestPaths(t *testing.T) {
	p := Paths()
	assert.Equal(t, []string{"etc/os-release", "usr/lib/os-release"}, p[:2], "os-release first")
	assert.Equal(t, "etc/debian_version", p[len(p)-1], "debian_version last: Ubuntu has one too")
	assert.Less(t, indexOf(p, "etc/centos-release"), indexOf(p, "etc/redhat-release"))
	assert.Less(t, indexOf(p, "etc/fedora-release"), indexOf(p, "etc/redhat-release"))
	p[0] = "changed"
	assert.Equal(t, "etc/os-release", Paths()[0], "callers get a copy")
	for _, path := range Paths() {
		assert.NotEqual(t, '/', path[0])
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
