package version

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/version/apk"
	"github.com/portcullis-oci/portcullis/internal/version/internal/vectortest"
	"github.com/portcullis-oci/portcullis/internal/version/maven"
	"github.com/portcullis-oci/portcullis/internal/version/semver"
)

// readmeTable reads the ecosystem → fixture table of the fixtures'
// README.md: rows "| npm, crates.io, Go, Hex | semver-versions.txt |".
func readmeTable(t *testing.T, dir string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "README.md"))
	require.NoError(t, err)
	paren := regexp.MustCompile(`\([^)]*\)`)
	table := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 4 || !strings.Contains(cells[2], ".txt") {
			continue
		}
		var files []string
		for _, f := range strings.Split(cells[2], ",") {
			files = append(files, strings.TrimSpace(f))
		}
		for _, eco := range strings.Split(paren.ReplaceAllString(cells[1], ""), ",") {
			table[strings.TrimSpace(eco)] = files
		}
	}
	require.NotEmpty(t, table, "no table rows in README.md")
	return table
}

// TestOSVFixtures runs every fixture of osv-scalibr-semantic through
// ForEcosystem, for the ecosystems its README names and for the other OSV
// names that share their rules.
func TestOSVFixtures(t *testing.T) {
	dir := vectortest.Dir(t, "osv-scalibr-semantic")
	table := readmeTable(t, dir)
	// Same rules, other OSV names.
	for alias, of := range map[string]string{
		"Ubuntu:22.04:LTS": "Debian", "Debian:12": "Debian", "Wolfi": "Alpine", "Chainguard": "Alpine",
		"Alpine:v3.19": "Alpine", "Rocky Linux:9": "Red Hat", "AlmaLinux": "Red Hat",
		"SUSE:Linux Enterprise Server 15 SP5": "Red Hat", "openSUSE:Leap 15.5": "Red Hat",
		"Mariner": "Red Hat", "GHC": "Hackage", "Azure Linux:3": "Red Hat", "Photon OS:5.0": "Red Hat", "Oracle": "Red Hat",
	} {
		table[alias] = table[of]
	}
	covered := map[string]bool{}
	ecosystems := make([]string, 0, len(table))
	for eco := range table {
		ecosystems = append(ecosystems, eco)
	}
	sort.Strings(ecosystems)
	for _, eco := range ecosystems {
		t.Run(eco, func(t *testing.T) {
			c, ok := ForEcosystem(eco)
			require.True(t, ok, "no comparer for %q", eco)
			for _, f := range table[eco] {
				covered[f] = true
				vectortest.RunOSV(t, f, c.Compare)
			}
		})
	}
	files := vectortest.Files(t, dir, "*.txt")
	require.NotEmpty(t, files)
	for _, f := range files {
		assert.True(t, covered[filepath.Base(f)], "fixture %s is not in the README table", filepath.Base(f))
	}
}

func TestForEcosystem(t *testing.T) {
	tests := []struct {
		ecosystem string
		a, b      string
		want      int
	}{
		{"Debian:12", "1:2.36-9+deb12u1", "2.36-9+deb12u4", 1},
		{"Ubuntu:22.04:LTS", "2.35-0ubuntu3.1", "2.35-0ubuntu3.6", -1},
		{"Alpine:v3.19", "3.1.4-r5", "3.1.4-r6", -1},
		{"Alpine:v3.18", "6.0.2p1-r0", "6.0.2p1-r1", -1},
		{"Wolfi", "1.2.3-r0", "1.2.3_rc1-r0", 1},
		{"Alpine", "1.2_blah", "1.2", -1},
		{"Alpine", "1.2_blah", "1.2_rc1", 1},
		{"Red Hat:enterprise_linux:9::appstream", "1:3.0.7-25.el9_3", "1:3.0.7-27.el9", -1},
		{"SUSE:Linux Enterprise Server 15 SP5", "2.31-150300.63.1", "2.31-150300.46.1", 1},
		{"Photon OS:5.0", "1.2.3-1.ph5", "1.2.3-1.ph5", 0},
		{"PyPI", "1.0rc1", "1.0", -1},
		{"PyPI", "2.0.1rc2-git", "0.8", -1},
		{"npm", "1.2.3-beta.2", "1.2.3-beta.11", -1},
		{"crates.io", "0.10.0", "0.9.9", 1},
		{"Hex", "1.0.0", "1.0.0+build", 0},
		{"Go", "v1.2.3", "1.2.3", 0},
		{"Go", "go1.21.3", "1.21.3", 0},
		{"Go", "go1.21rc2", "1.21.0-rc.2", 0},
		{"Go", "v2.0.0+incompatible", "2.0.1", -1},
		{"Maven", "1.0-SNAPSHOT", "1.0", -1},
		{"Maven", "1-ga-1", "1-1", 0},
		{"RubyGems", "1.0.0.rc1", "1.0.0", -1},
		{"RubyGems", "1beta", "1", -1},
		{"NuGet", "1.0.0-BETA", "1.0.0-beta", 0},
		{"NuGet", "1.0", "1.0.0.1", -1},
		{"NuGet", "2147483648.0", "2147483647.9", 1},
		{"Packagist", "v1.0.0-RC1", "1.0.0", -1},
		{"Packagist", "1.2.3.#", "1.2.3", 0},
		{"CRAN", "1.0-1", "1.0.1", 0},
		{"Pub", "1.0.0", "1.0.0+1", -1},
		{"Hackage", "1.0", "1.0.0", -1},
		{"GHC", "9.10.1", "9.4.8", 1},
	}
	for _, tt := range tests {
		t.Run(tt.ecosystem+"/"+tt.a+"_"+tt.b, func(t *testing.T) {
			c, ok := ForEcosystem(tt.ecosystem)
			require.True(t, ok)
			got, err := c.Compare(tt.a, tt.b)
			require.NoError(t, err)
			assert.Equal(t, tt.want, vectortest.Sign(got))
			got, err = c.Compare(tt.b, tt.a)
			require.NoError(t, err)
			assert.Equal(t, -tt.want, vectortest.Sign(got))
		})
	}
	for _, eco := range []string{"", "Bioconductor", "debian", "Linux", "GitHub Actions", ":12"} {
		c, ok := ForEcosystem(eco)
		assert.False(t, ok, "%q", eco)
		assert.Nil(t, c, "%q", eco)
	}
}

func TestCompareErrors(t *testing.T) {
	tests := []struct {
		ecosystem, a, b, bad string
		is                   error
	}{
		{"Alpine", "1.2.3-r0", "1.2.3+git1", "1.2.3+git1", apk.ErrInvalid},
		{"Alpine", "_blah", "1.2.3-r0", "_blah", apk.ErrInvalid},
		{"Maven", "", "1.0", "", maven.ErrEmpty},
		{"Go", "go1.21.3.4", "1.0.0", "go1.21.3.4", semver.ErrNumber},
		{"npm", "1.0.0", "latest", "latest", semver.ErrNumber},
		{"Debian", "1.0", "a1", "a1", nil},
		{"PyPI", "1.0", " ", " ", nil},
		{"NuGet", "1.0", "1.0.0.0.0", "1.0.0.0.0", nil},
		{"Packagist", "1.0", "#1", "#1", nil},
		{"RubyGems", "beta1", "1", "beta1", nil},
		{"CRAN", "1..2", "1", "1..2", nil},
		{"Red Hat", "1.0", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.ecosystem+"/"+tt.bad, func(t *testing.T) {
			c, ok := ForEcosystem(tt.ecosystem)
			require.True(t, ok)
			_, err := c.Compare(tt.a, tt.b)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "version: "+tt.ecosystem+" version \""+tt.bad+"\"")
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assert.False(t, Valid(tt.ecosystem, tt.bad))
		})
	}
}

func TestValid(t *testing.T) {
	for _, tt := range []struct {
		ecosystem, v string
		want         bool
	}{
		{"Debian:11", "1:2.3-4", true},
		{"Alpine:v3.16", "1.2.3_p1-r2", true},
		{"Alpine:v3.16", "1.2.3_blah", true},
		{"Alpine:v3.16", "1.2.3+git1", false},
		{"Alpine:v3.16", "1.2.3 r1", false},
		{"Go", "go1.22.0", true},
		{"Go", "v1.2.3-0.20230101120000-abcdef123456", true},
		{"PyPI", "1!2.0.post1.dev3+local", true},
		{"Maven", "1.0.0.Final", true},
		{"Hackage", "1.0", true},
		{"GHC", "9.4.07", false},
		{"NoSuchEcosystem", "1.0", false},
	} {
		assert.Equal(t, tt.want, Valid(tt.ecosystem, tt.v), "%s %q", tt.ecosystem, tt.v)
	}
}

func TestComparerFunc(t *testing.T) {
	calls := 0
	var c Comparer = ComparerFunc(func(a, b string) (int, error) {
		calls++
		if a == "bad" {
			return 0, errors.New("bad")
		}
		return strings.Compare(a, b), nil
	})
	got, err := c.Compare("a", "b")
	require.NoError(t, err)
	assert.Equal(t, -1, got)
	_, err = c.Compare("bad", "b")
	assert.Error(t, err)
	assert.Equal(t, 2, calls)
}
