package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/scan"
)

func TestParseComparison(t *testing.T) {
	tests := []struct {
		src  string
		kind valueKind
		x    float64
		want bool
	}{
		// Every operator, at, below and above the threshold.
		{">= 3", kindCount, 2, false}, {">= 3", kindCount, 3, true}, {">= 3", kindCount, 4, true},
		{"> 3", kindCount, 2, false}, {"> 3", kindCount, 3, false}, {"> 3", kindCount, 4, true},
		{"== 3", kindCount, 2, false}, {"== 3", kindCount, 3, true}, {"== 3", kindCount, 4, false},
		{"!= 3", kindCount, 2, true}, {"!= 3", kindCount, 3, false}, {"!= 3", kindCount, 4, true},
		{"<= 3", kindCount, 2, true}, {"<= 3", kindCount, 3, true}, {"<= 3", kindCount, 4, false},
		{"< 3", kindCount, 2, true}, {"< 3", kindCount, 3, false}, {"< 3", kindCount, 4, false},
		{">=0", kindCount, 0, true},
		{"  >   1  ", kindCount, 2, true},
		{">= 7.5", kindScore, 7.5, true}, {">= 7.5", kindScore, 7.4, false},
		{"> 0.1", kindScore, 0.1, false}, {"> 0.1", kindScore, 0.11, true},
		{"> 30d", kindDuration, (30 * 24 * time.Hour).Seconds(), false},
		{"> 30d", kindDuration, (30*24*time.Hour + time.Second).Seconds(), true},
		{"<= 1d12h", kindDuration, (36 * time.Hour).Seconds(), true},
		{"<= 1d12h", kindDuration, (36*time.Hour + time.Second).Seconds(), false},
	}
	for _, tt := range tests {
		c, err := parseComparison(tt.src, tt.kind, 0, 10)
		require.NoError(t, err, tt.src)
		assert.Equal(t, tt.want, c.test(tt.x), "%q on %v", tt.src, tt.x)
	}
	for _, bad := range []struct {
		src  string
		kind valueKind
	}{
		{"3", kindCount}, {"=> 3", kindCount}, {"=< 3", kindCount}, {"~ 3", kindCount}, {">= -1", kindCount},
		{">= 1.5", kindCount}, {">= x", kindCount}, {">=", kindCount}, {">= 11", kindScore}, {">= NaN", kindScore},
		{"> 3x", kindDuration}, {"> d", kindDuration}, {"> -1d", kindDuration}, {"> 99999999999d", kindDuration},
	} {
		_, err := parseComparison(bad.src, bad.kind, 0, 10)
		assert.Error(t, err, bad.src)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"30d": 30 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "12h": 12 * time.Hour, "1d12h": 36 * time.Hour,
		"90m": 90 * time.Minute, "45s": 45 * time.Second, "0": 0, "1h30m": 90 * time.Minute, "500ms": 500 * time.Millisecond,
	} {
		got, err := parseDuration(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "d", "1", "1.5d", "1y", "-1d", "1d-", "10000000000s"} {
		_, err := parseDuration(bad)
		assert.Error(t, err, bad)
	}
	assert.Equal(t, "1d12h", formatDuration(36*time.Hour))
	assert.Equal(t, "0s", formatDuration(0))
}

func TestPURLPattern(t *testing.T) {
	openssl := scan.NewPURL("deb", "debian", "openssl", "3.0.11-1~deb12u2", "arch", "amd64", "distro", "debian-12")
	opensslDev := scan.NewPURL("deb", "debian", "openssl-dev", "3.0.11-1~deb12u2")
	log4j := scan.NewPURL("maven", "org.apache.logging.log4j", "log4j-core", "2.14.1")
	xnet := scan.NewPURL("golang", "golang.org/x", "net", "v0.17.0")
	tests := []struct {
		pattern string
		purl    scan.PURL
		want    bool
	}{
		{"pkg:deb", openssl, true},
		{"pkg:deb/", openssl, true},
		{"pkg:npm", openssl, false},
		{"pkg:deb/debian/", openssl, true},
		{"pkg:deb/ubuntu/", openssl, false},
		{"pkg:deb/debian/openssl", openssl, true},
		{"pkg:deb/debian/openssl", opensslDev, false}, // not a string prefix
		{"pkg:deb/debian/openssl@3.0.11-1~deb12u2", openssl, true},
		{"pkg:deb/debian/openssl@3.0.11", openssl, false}, // versions are exact
		{"pkg:deb/debian/openssl?arch=amd64", openssl, true},
		{"pkg:deb/debian/openssl?arch=arm64", openssl, false},
		{"pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12", openssl, true},
		{"pkg:maven/org.apache.logging.log4j/", log4j, true},
		{"pkg:maven/org.apache.logging/", log4j, false}, // namespace segments are whole
		{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", log4j, true},
		{"pkg:golang/golang.org/", xnet, true}, // namespaces below
		{"pkg:golang/golang.org/x/net", xnet, true},
		{"pkg:golang/golang.org/x/crypto", xnet, false},
		{"pkg:deb", scan.PURL{}, false},
	}
	for _, tt := range tests {
		p, err := parsePURLPattern(tt.pattern)
		require.NoError(t, err, tt.pattern)
		assert.Equal(t, tt.want, p.match(&tt.purl), "%s on %s", tt.pattern, tt.purl)
	}
	for _, bad := range []string{"deb/debian/openssl", "pkg:", "pkg:/", "pkg:@1", "pkg:deb/debian/%zz"} {
		_, err := parsePURLPattern(bad)
		assert.Error(t, err, bad)
	}
}
