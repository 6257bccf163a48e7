package binary

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/testimage"
	"github.com/portcullis-oci/portcullis/scan"
)

// blob returns n bytes of executable-like noise (random bytes, runs of
// NULs, short C strings) with the given strings embedded at the given
// fractions of its length.
func blob(seed uint64, n int, embed map[float64]string) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := 0; i < n; {
		switch rng.IntN(4) {
		case 0: // NUL padding
			i += rng.IntN(32)
		case 1: // a C string
			s := []byte("\x00" + string(rune('a'+rng.IntN(26))) + strings.Repeat("abc.", rng.IntN(4)) + "\x00version %s\x00")
			i += copy(b[i:], s)
		default:
			k := min(rng.IntN(256), n-i)
			for j := 0; j < k; j++ {
				b[i+j] = byte(rng.IntN(256))
			}
			i += k
		}
	}
	for at, s := range embed {
		copy(b[int(at*float64(n)):], s)
	}
	return b
}

func analyze(t testing.TB, a *Analyzer, path string, body []byte) ([]scan.Package, error) {
	t.Helper()
	f := scan.NewFile(path, 0o755, int64(len(body)), bytes.NewReader(body))
	return a.Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, "", f))
}

func summary(pkgs []scan.Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.PURL.String()+" "+strings.Join(p.CPEs, " "))
	}
	return out
}

// TestClassifiers: version strings as they appear in the real programs,
// at the start, middle and end of a 2 MB file.
func TestClassifiers(t *testing.T) {
	tests := []struct {
		name, path string
		strs       []string
		want       string
	}{
		{"openssl 3", "usr/local/bin/openssl", []string{"\x00OpenSSL 3.0.13 30 Jan 2024\x00"}, "pkg:generic/openssl@3.0.13 cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*"},
		{"libcrypto 1.1.1", "usr/local/lib/libcrypto.so.1.1", []string{"\x00OpenSSL 1.1.1w  11 Sep 2023\x00"}, "pkg:generic/openssl@1.1.1w cpe:2.3:a:openssl:openssl:1.1.1w:*:*:*:*:*:*:*"},
		{"libcrypto prerelease", "opt/ssl/lib64/libcrypto.so", []string{"\x00OpenSSL 3.2.0-alpha1 7 Sep 2023\x00"}, "pkg:generic/openssl@3.2.0-alpha1 cpe:2.3:a:openssl:openssl:3.2.0-alpha1:*:*:*:*:*:*:*"},
		{"busybox", "bin/busybox", []string{"BusyBox v1.36.1 (2023-11-07 18:53:09 UTC) multi-call binary.\x00"}, "pkg:generic/busybox@1.36.1 cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*"},
		{"node", "usr/local/bin/node", []string{"\x00v4.9.1\x00", "https://nodejs.org/download/release/v20.11.0/\x00node.js/v20.11.0\x00"}, "pkg:generic/node@20.11.0 cpe:2.3:a:nodejs:node.js:20.11.0:*:*:*:*:*:*:*"},
		{"node 0.10", "usr/bin/nodejs", []string{"\x00node v0.10.48\x00"}, "pkg:generic/node@0.10.48 cpe:2.3:a:nodejs:node.js:0.10.48:*:*:*:*:*:*:*"},
		{"python binary", "usr/local/bin/python3.11", []string{"\x003.10.4\x00", "\x003.11.7\x00%.80s (%.80s) %.80s\x00"}, "pkg:generic/python@3.11.7 cpe:2.3:a:python:python:3.11.7:*:*:*:*:*:*:*"},
		{"libpython", "usr/local/lib/libpython3.12.so.1.0", []string{"\x003.12.1\x00"}, "pkg:generic/python@3.12.1 cpe:2.3:a:python:python:3.12.1:*:*:*:*:*:*:*"},
		{"python prerelease", "opt/py/bin/python3.13t", []string{"\x003.13.0rc2\x00"}, "pkg:generic/python@3.13.0rc2 cpe:2.3:a:python:python:3.13.0rc2:*:*:*:*:*:*:*"},
		{"nginx", "usr/sbin/nginx", []string{"nginx version: nginx/1.25.3\x0a\x00"}, "pkg:generic/nginx@1.25.3 cpe:2.3:a:f5:nginx:1.25.3:*:*:*:*:*:*:* cpe:2.3:a:nginx:nginx:1.25.3:*:*:*:*:*:*:*"},
		{"openresty", "usr/local/openresty/nginx/sbin/nginx", []string{"nginx version: openresty/1.21.4.3\x0a"}, "pkg:generic/nginx@1.21.4 cpe:2.3:a:f5:nginx:1.21.4:*:*:*:*:*:*:* cpe:2.3:a:nginx:nginx:1.21.4:*:*:*:*:*:*:*"},
		{"redis buildkit", "usr/local/bin/redis-server", []string{"\x007.2.4buildkitsandbox-1702957741000000000\x00"}, "pkg:generic/redis@7.2.4 cpe:2.3:a:redis:redis:7.2.4:*:*:*:*:*:*:* cpe:2.3:a:redislabs:redis:7.2.4:*:*:*:*:*:*:*"},
		{"redis container host", "usr/local/bin/redis-server", []string{"\x004.0.11841ce7054bd9-1542359302000000000\x00"}, "pkg:generic/redis@4.0.11 cpe:2.3:a:redis:redis:4.0.11:*:*:*:*:*:*:* cpe:2.3:a:redislabs:redis:4.0.11:*:*:*:*:*:*:*"},
		{"redis 2", "usr/bin/redis-server", []string{"Server started, Redis version 2.8.23\x00"}, "pkg:generic/redis@2.8.23 cpe:2.3:a:redis:redis:2.8.23:*:*:*:*:*:*:* cpe:2.3:a:redislabs:redis:2.8.23:*:*:*:*:*:*:*"},
		{"curl", "usr/local/bin/curl", []string{"\x00curl/8.5.0\x00"}, "pkg:generic/curl@8.5.0 cpe:2.3:a:haxx:curl:8.5.0:*:*:*:*:*:*:* cpe:2.3:a:haxx:libcurl:8.5.0:*:*:*:*:*:*:*"},
		{"libcurl", "usr/lib/libcurl.so.4.8.0", []string{"\x00libcurl/8.5.0\x00"}, "pkg:generic/curl@8.5.0 cpe:2.3:a:haxx:curl:8.5.0:*:*:*:*:*:*:* cpe:2.3:a:haxx:libcurl:8.5.0:*:*:*:*:*:*:*"},
		{"bash", "bin/bash", []string{"\x00@(#)Bash version 5.2.21(1) release GNU\x00"}, "pkg:generic/bash@5.2.21 cpe:2.3:a:gnu:bash:5.2.21:*:*:*:*:*:*:*"},
		{"postgres", "usr/lib/postgresql/16/bin/postgres", []string{"\x00postgres (PostgreSQL) 16.1\x0a\x00"}, "pkg:generic/postgresql@16.1 cpe:2.3:a:postgresql:postgresql:16.1:*:*:*:*:*:*:*"},
		{"postgres version string", "usr/local/bin/postgres", []string{"\x00PostgreSQL 15.5 on x86_64-pc-linux-gnu, compiled by gcc\x00"}, "pkg:generic/postgresql@15.5 cpe:2.3:a:postgresql:postgresql:15.5:*:*:*:*:*:*:*"},
		{"httpd", "usr/local/apache2/bin/httpd", []string{"\x00Apache/2.4.58 (Unix)\x00"}, "pkg:generic/httpd@2.4.58 cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*"},
		{"haproxy", "usr/local/sbin/haproxy", []string{"\x00HAProxy version 2.8.5-1b3c4a5 2023/12/07 - https://haproxy.org/\x00"}, "pkg:generic/haproxy@2.8.5 cpe:2.3:a:haproxy:haproxy:2.8.5:*:*:*:*:*:*:*"},
		{"haproxy format", "usr/local/sbin/haproxy", []string{"\x002.7.3-1065b10\x002023/02/14\x00\x00HAProxy version %s %s - https://haproxy.org/\x0a"}, "pkg:generic/haproxy@2.7.3 cpe:2.3:a:haproxy:haproxy:2.7.3:*:*:*:*:*:*:*"},
		{"haproxy released", "usr/sbin/haproxy", []string{"Status: long-term supported branch\x00version 2.4.22-f8e3218, released 2023/02/14\x00"}, "pkg:generic/haproxy@2.4.22 cpe:2.3:a:haproxy:haproxy:2.4.22:*:*:*:*:*:*:*"},
		{"haproxy 1.8", "usr/sbin/haproxy", []string{"HA-Proxy version 1.8.22 2019/10/25\x00"}, "pkg:generic/haproxy@1.8.22 cpe:2.3:a:haproxy:haproxy:1.8.22:*:*:*:*:*:*:*"},
	}
	for _, tt := range tests {
		for _, at := range []float64{0.0001, 0.5, 0.9999} {
			t.Run(tt.name, func(t *testing.T) {
				embed := map[float64]string{}
				for i, s := range tt.strs {
					pos := at + float64(i)*0.00001
					if at > 0.9 {
						pos = at - float64(len(tt.strs)-i)*0.0001
					}
					embed[pos] = s
				}
				pkgs, err := analyze(t, New(), tt.path, blob(3, 2<<20, embed))
				require.NoError(t, err)
				assert.Equal(t, []string{tt.want}, summary(pkgs))
				for _, p := range pkgs {
					assert.Equal(t, scan.TypeBinary, p.Type)
					assert.Equal(t, []string{tt.path}, p.Paths)
				}
			})
		}
	}
}

// TestNegative: the right name without the right bytes is nothing.
func TestNegative(t *testing.T) {
	tests := []struct {
		name, path, str string
	}{
		{"AWS-LC", "usr/bin/openssl", "\x00OpenSSL 1.1.1 (compatible; AWS-LC 1.69.0)\x00"},
		{"LibreSSL", "usr/bin/openssl", "\x00LibreSSL 3.8.2\x00"},
		{"OpenSSL without a NUL before", "usr/bin/openssl", "linked against OpenSSL 3.0.13 30 Jan 2024"},
		{"modern node, only a v-string", "usr/bin/node", "\x00v20.11.0\x00"},
		{"python of another minor version", "usr/bin/python3.11", "\x003.12.1\x00"},
		{"python without NULs", "usr/bin/python3.11", "version 3.11.7 (main"},
		{"bash without the what string", "bin/bash", "GNU bash, version %s (%s)\x00"},
		{"nginx format only", "usr/sbin/nginx", "nginx version: %s\x00"},
		{"curl format only", "usr/bin/curl", "curl/%s\x00"},
		{"redis format only", "usr/bin/redis-server", "redis_version:%s\r\n\x00"},
		{"a shell script named node", "usr/local/bin/node", "#!/bin/sh\nexec /opt/node/bin/node \"$@\"\n"},
		{"haproxy with no version", "usr/sbin/haproxy", "HAProxy version %s %s - https://haproxy.org/\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := analyze(t, New(), tt.path, blob(5, 300<<10, map[float64]string{0.5: tt.str}))
			require.NoError(t, err)
			assert.Empty(t, pkgs)
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		path string
		mode fs.FileMode
		want bool
	}{
		{"usr/bin/openssl", 0o755, true},
		{"usr/lib/x86_64-linux-gnu/libcrypto.so.3", 0o644, true},
		{"usr/lib/libcrypto.so", 0o644, true},
		{"usr/lib/libcrypto.sodium", 0o644, false},
		{"usr/lib/libcrypto.a", 0o644, false},
		{"usr/bin/python3.11", 0o755, true},
		{"usr/bin/python3.11-config", 0o755, false},
		{"usr/bin/python3", 0o755, false},
		{"usr/lib/libpython3.11.so.1.0", 0o644, true},
		{"usr/lib/libpython3.11.a", 0o644, false},
		{"usr/lib/python3.11", 0o644, true},
		{"usr/bin/node", 0o755, true},
		{"usr/bin/node", fs.ModeSymlink | 0o777, false},
		{"usr/local/bin/redis-server", 0o755, true},
		{"usr/local/bin/redis-cli", 0o755, false},
		{"opt/java/openjdk/release", 0o644, true},
		{"etc/os-release", 0o644, false},
		{"usr/bin/ls", 0o755, false},
	}
	a := New()
	for _, tt := range tests {
		assert.Equal(t, tt.want, a.Match(tt.path, tt.mode), tt.path)
	}
	assert.Equal(t, "binary", a.Name())
}

// TestWindow: strings across read boundaries, strings in the overlap, and
// preference over order: the preferred node pattern late in the file wins
// over a fallback early.
func TestWindow(t *testing.T) {
	const chunk = 4096
	for _, tt := range []struct{ path, str, want string }{
		{"usr/bin/openssl", "\x00OpenSSL 3.1.4 24 Oct 2023\x00", "3.1.4"},
		{"usr/bin/python3.12", "\x003.12.1\x00", "3.12.1"}, // a literal searched without its NUL
		{"usr/bin/node", "\x00node v0.12.18\x00", "0.12.18"},
		{"usr/bin/haproxy", "\x002.7.3-1065b10\x00x\x00HAProxy version %s", "2.7.3"}, // context before the literal
	} {
		for off := chunk - 200; off <= chunk+10; off++ {
			body := make([]byte, 3*chunk)
			copy(body[off:], tt.str)
			pkgs, err := analyze(t, New(WithChunkBytes(chunk)), tt.path, body)
			require.NoError(t, err)
			require.Len(t, pkgs, 1, "%s: string at %d", tt.path, off)
			assert.Equal(t, tt.want, pkgs[0].Version)
		}
		body := []byte(tt.str) // at the very start of a file
		pkgs, err := analyze(t, New(WithChunkBytes(chunk)), tt.path, body)
		require.NoError(t, err)
		require.Len(t, pkgs, 1, "%s: string at 0", tt.path)
	}
	t.Run("one byte at a time", func(t *testing.T) {
		body := blob(9, 100<<10, map[float64]string{0.3: "\x007.0.14buildkitsandbox-1702957741000000000\x00"})
		f := scan.NewFile("usr/local/bin/redis-server", 0o755, int64(len(body)), iotest.OneByteReader(bytes.NewReader(body)))
		pkgs, err := New(WithChunkBytes(chunk)).Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, "", f))
		require.NoError(t, err)
		require.Len(t, pkgs, 1)
		assert.Equal(t, "7.0.14", pkgs[0].Version)
	})
}

// TestStopsEarly: once the preferred evidence is found the rest of the
// file is not read.
func TestStopsEarly(t *testing.T) {
	body := blob(1, 8<<20, map[float64]string{0.01: "\x00OpenSSL 3.0.13 30 Jan 2024\x00"})
	r := &countingReader{r: bytes.NewReader(body)}
	f := scan.NewFile("usr/lib/libcrypto.so.3", 0o644, int64(len(body)), r)
	pkgs, err := New().Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, "", f))
	require.NoError(t, err)
	require.Len(t, pkgs, 1)
	assert.LessOrEqual(t, r.n, int64(DefaultChunkBytes))
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestLimits(t *testing.T) {
	t.Run("no version within WithMaxFileBytes", func(t *testing.T) {
		body := blob(2, 200<<10, map[float64]string{0.9: "\x00curl/8.5.0\x00"})
		pkgs, err := analyze(t, New(WithMaxFileBytes(100<<10)), "usr/bin/curl", body)
		assert.Empty(t, pkgs)
		require.ErrorIs(t, err, scan.ErrTooLarge)
		var fe *scan.FileError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, "usr/bin/curl", fe.Path)
	})
	t.Run("file exactly at the limit", func(t *testing.T) {
		body := blob(2, 100<<10, nil)
		pkgs, err := analyze(t, New(WithMaxFileBytes(100<<10)), "usr/bin/curl", body)
		assert.Empty(t, pkgs)
		require.NoError(t, err)
	})
	t.Run("read error", func(t *testing.T) {
		boom := errors.New("truncated layer")
		f := scan.NewFile("bin/bash", 0o755, 1<<20, io.MultiReader(bytes.NewReader(make([]byte, 5000)), iotest.ErrReader(boom)))
		_, err := New().Analyze(context.Background(), scan.NewInput(scan.LayerRef{}, "", f))
		require.ErrorIs(t, err, boom)
		assert.Contains(t, err.Error(), "bin/bash")
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := New().Analyze(ctx, scan.NewInput(scan.LayerRef{}, "", scan.NewFile("bin/bash", 0o755, 1, strings.NewReader("x"))))
		require.ErrorIs(t, err, context.Canceled)
	})
}

func TestCPEEscape(t *testing.T) {
	assert.Equal(t, `cpe:2.3:a:oracle:openjdk:17.0.9\+9:*:*:*:*:*:*:*`, CPE("oracle", "openjdk", "17.0.9+9", ""))
	assert.Equal(t, `cpe:2.3:a:erlang:erlang\/otp:26:*:*:*:*:*:*:*`, CPE("erlang", "erlang/otp", "26", ""))
	assert.Equal(t, `cpe:2.3:a:oracle:jdk:1.8.0:update392:*:*:*:*:*:*`, CPE("oracle", "jdk", "1.8.0", "update392"))
}

// TestScanImage runs the analyzer through a real scan: an openssl built
// from source in layer 1 of an image, replaced by a newer one in layer 2;
// a JDK in layer 0.
func TestScanImage(t *testing.T) {
	const release = "IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_VERSION=\"17.0.9\"\nJAVA_RUNTIME_VERSION=\"17.0.9+9\"\n"
	img := testimage.Image(
		[]testimage.Entry{testimage.File("opt/java/openjdk/release", release)},
		[]testimage.Entry{{Name: "usr/local/lib64/libcrypto.so.3", Body: blob(1, 1<<20, map[float64]string{0.4: "\x00OpenSSL 3.0.12 24 Oct 2023\x00"})}},
		[]testimage.Entry{{Name: "usr/local/lib64/libcrypto.so.3", Body: blob(2, 1<<20, map[float64]string{0.6: "\x00OpenSSL 3.0.13 30 Jan 2024\x00"})}},
	)
	sc, err := scan.New(scan.WithAnalyzers(New()))
	require.NoError(t, err)
	rep, err := sc.Scan(context.Background(), img)
	require.NoError(t, err)
	require.Empty(t, rep.Incomplete)
	got := map[string]int{}
	for _, p := range rep.Packages {
		got[p.PURL.String()] = p.Layer.Index
	}
	assert.Equal(t, map[string]int{"pkg:generic/openssl@3.0.13": 2, "pkg:generic/oracle/openjdk@17.0.9%2B9": 0}, got)
}

// TestSystemPrograms classifies the programs installed on this machine,
// where there are any, and compares with the version they print.
func TestSystemPrograms(t *testing.T) {
	tests := []struct {
		path string
		args []string
		re   string
	}{
		{"/bin/bash", []string{"--version"}, `version (\d+\.\d+\.\d+)`},
		{"/usr/bin/curl", []string{"--version"}, `^curl (\d+\.\d+\.\d+)`},
		{"/usr/bin/openssl", []string{"version"}, `^OpenSSL (\S+)`},
		{"/usr/bin/node", []string{"--version"}, `^v(\d+\.\d+\.\d+)`},
		{"/usr/sbin/nginx", []string{"-v"}, `nginx/(\d+\.\d+\.\d+)`},
		{"/bin/busybox", nil, `BusyBox v(\d+\.\d+\.\d+)`},
	}
	if matches, _ := filepath.Glob("/usr/bin/python3.[0-9]*"); len(matches) > 0 {
		for _, m := range matches {
			if !strings.Contains(filepath.Base(m), "-") {
				tests = append(tests, struct {
					path string
					args []string
					re   string
				}{m, []string{"--version"}, `Python (\S+)`})
			}
		}
	}
	ran := 0
	for _, tt := range tests {
		st, err := os.Stat(tt.path)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, _ := exec.CommandContext(ctx, tt.path, tt.args...).CombinedOutput()
		cancel()
		m := regexp.MustCompile(`(?m)` + tt.re).FindSubmatch(out)
		if m == nil {
			continue
		}
		body, err := os.ReadFile(tt.path)
		require.NoError(t, err)
		pkgs, err := analyze(t, New(), strings.TrimPrefix(tt.path, "/"), body)
		require.NoError(t, err)
		require.Len(t, pkgs, 1, tt.path)
		assert.Equal(t, string(m[1]), pkgs[0].Version, tt.path)
		ran++
	}
	if ran == 0 {
		t.Skip("none of the programs is installed here")
	}
	t.Logf("%d programs checked", ran)
}

// TestWithClassifiers adds a classifier of one's own to the built-in set.
func TestWithClassifiers(t *testing.T) {
	memcached := &Classifier{
		Name: "memcached", CPEs: []CPEName{{"memcached", "memcached"}},
		Files: func(base string) ([]Pattern, bool) {
			if base != "memcached" {
				return nil, false
			}
			return []Pattern{{Literal: "memcached ", Digit: true, After: 16, Re: regexp.MustCompile(`^memcached (\d+\.\d+\.\d+)`)}}, true
		},
	}
	a := New(WithClassifiers(append(Classifiers(), memcached, nil)...))
	assert.True(t, a.Match("usr/local/bin/memcached", 0o755))
	assert.True(t, a.Match("usr/bin/openssl", 0o755))
	pkgs, err := analyze(t, a, "usr/local/bin/memcached", []byte("\x00memcached 1.6.22\x00"))
	require.NoError(t, err)
	assert.Equal(t, []string{"pkg:generic/memcached@1.6.22 cpe:2.3:a:memcached:memcached:1.6.22:*:*:*:*:*:*:*"}, summary(pkgs))
	assert.False(t, New().Match("usr/local/bin/memcached", 0o755))
}
