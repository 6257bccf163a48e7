package java

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/scan"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		path string
		mode fs.FileMode
		want bool
	}{
		{"opt/app/lib/guava-31.1-jre.jar", 0o644, true},
		{"usr/local/tomcat/webapps/app.war", 0o644, true},
		{"srv/app.EAR", 0o644, true},
		{"x.Jar", 0o644, true},
		{"var/jenkins_home/plugins/git.jpi", 0o644, true},
		{"plugins/git.hpi", 0o644, true},
		{"a.par", 0o644, true}, {"a.sar", 0o644, true}, {"a.nar", 0o644, true}, {"a.kar", 0o644, true},
		{"deploy/portal.lpkg", 0o644, true},
		{"opt/app/lib/guava.jar", fs.ModeSymlink | 0o777, false},
		{"opt/app/lib/x.jar", fs.ModeDir | 0o755, false},
		{"opt/app/lib/.jar", 0o644, false},
		{"opt/.lpkg", 0o644, false},
		{".jar", 0o644, false},
		{"opt/app/lib/x.jar.sha1", 0o644, false},
		{"opt/app/lib/x.zip", 0o644, false},
		{"opt/app/lib/x.class", 0o644, false},
		{"jar", 0o644, false},
	}
	a := New()
	for _, tt := range tests {
		assert.Equal(t, tt.want, a.Match(tt.path, tt.mode), "%s %v", tt.path, tt.mode)
	}
	assert.Equal(t, Name, a.Name())
	assert.Equal(t, 1, a.Version())
}

func TestPomProperties(t *testing.T) {
	jar := zipOf(t,
		e("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nImplementation-Title: ignored\nImplementation-Version: 9.9\n\n"),
		pomProps("org.apache.logging.log4j", "log4j-core", "2.14.1"),
		pomXML("org.apache.logging.log4j", "log4j-core", "Apache License, Version 2.0", "Apache License, Version 2.0", "MIT"),
		e("org/apache/logging/log4j/core/Logger.class", "\xca\xfe\xba\xbe"))
	pkgs, err := analyze(t, New(), file("opt/app/lib/log4j-core-2.14.1.jar", jar))
	require.NoError(t, err)
	require.Equal(t, []scan.Package{{
		Name: "log4j-core", Version: "2.14.1", Type: scan.TypeMaven,
		PURL:     scan.NewPURL(scan.TypeMaven, "org.apache.logging.log4j", "log4j-core", "2.14.1"),
		Licenses: []string{"Apache License, Version 2.0", "MIT"},
		Paths:    []string{"opt/app/lib/log4j-core-2.14.1.jar"},
	}}, pkgs)
	assert.Equal(t, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", pkgs[0].PURL.String())
}

// TestShaded reads a shaded jar: its own pom.properties and one per library
// relocated into it, each a package.
func TestShaded(t *testing.T) {
	jar := zipOf(t,
		pomProps("com.example", "app-shaded", "1.0.0"),
		pomProps("com.google.guava", "guava", "31.1-jre"),
		pomProps("com.google.guava", "failureaccess", "1.0.1"),
		pomXML("com.google.guava", "guava", "Apache License, Version 2.0"),
		pomProps("org.yaml", "snakeyaml", "1.33"),
		// the same library twice (two shading passes): reported once
		e("META-INF/maven/org.yaml/snakeyaml-copy/pom.properties", "groupId=org.yaml\nartifactId=snakeyaml\nversion=1.33\n"),
		// incomplete ones are skipped
		e("META-INF/maven/x/y/pom.properties", "groupId=x\nartifactId=y\n"),
		e("META-INF/maven/x/z/pom.properties", "groupId=x\nartifactId=z\nversion=${project.version}\n"),
		e("com/example/shaded/com/google/common/base/Strings.class", "\xca\xfe\xba\xbe"))
	pkgs, err := analyze(t, New(), file("app/app-shaded-1.0.0.jar", jar))
	require.NoError(t, err)
	assert.Equal(t, []string{
		"com.example:app-shaded@1.0.0",
		"com.google.guava:guava@31.1-jre",
		"com.google.guava:failureaccess@1.0.1",
		"org.yaml:snakeyaml@1.33",
	}, short(pkgs))
	assert.Equal(t, []string{"Apache License, Version 2.0"}, pkgs[1].Licenses)
	assert.Empty(t, pkgs[2].Licenses)
}

func TestManifestFallbacks(t *testing.T) {
	tests := []struct {
		name, path, manifest string
		want                 string // group:artifact@version
	}{
		{"file name only", "lib/commons-lang3-3.12.0.jar", "", ":commons-lang3@3.12.0"},
		{"no manifest entry", "lib/spring-core-5.3.20.RELEASE.jar", "-", ":spring-core@5.3.20.RELEASE"},
		{"implementation version over the file name's", "lib/foo-1.0.jar", "Implementation-Title: Foo Library\nImplementation-Version: 1.0.1\nImplementation-Vendor-Id: com.example\n", "com.example:foo@1.0.1"},
		{"implementation title when the file name has no version", "lib/foo.jar", "Implementation-Title: foo-core\nImplementation-Version: 2.0\n", ":foo-core@2.0"},
		{"prose title: bundle symbolic name", "lib/foo.jar", "Implementation-Title: Foo Core Library\nBundle-SymbolicName: org.example.foo;singleton:=true\nBundle-Version: 3.1.0.v2022\n", ":org.example.foo@3.1.0.v2022"},
		{"specification fields", "lib/foo.jar", "Specification-Title: foo-api\nSpecification-Version: 1.2\n", ":foo-api@1.2"},
		{"nothing: the file name", "lib/tools.jar", "Manifest-Version: 1.0\n", ":tools@"},
		{"Jenkins plugin", "var/jenkins_home/plugins/git.jpi", "Short-Name: git\nPlugin-Version: 5.2.0\nGroup-Id: org.jenkins-ci.plugins\nImplementation-Version: 5.2.0\n", "org.jenkins-ci.plugins:git@5.2.0"},
		{"continuation lines and CRLF", "lib/x.jar", "Implementation-Title: very-long-artifact-na\r\n me\r\nImplementation-Version: 1.0\r\n\r\nName: section\r\nImplementation-Version: 9\r\n", ":very-long-artifact-name@1.0"},
		{"unresolved placeholder", "lib/bar-2.0.jar", "Implementation-Version: ${project.version}\n", ":bar@2.0"},
		{"lower-case names", "lib/x.jar", "implementation-title: lc\nimplementation-version: 0.1\n", ":lc@0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries := []entry{e("a/A.class", "x")}
			if tt.manifest != "-" && tt.manifest != "" {
				entries = append(entries, e("META-INF/MANIFEST.MF", tt.manifest))
			}
			pkgs, err := analyze(t, New(), file(tt.path, zipOf(t, entries...)))
			require.NoError(t, err)
			assert.Equal(t, []string{tt.want}, short(pkgs))
		})
	}
}

func TestParseFileName(t *testing.T) {
	for in, want := range map[string][2]string{
		"commons-lang3-3.12.0.jar":       {"commons-lang3", "3.12.0"},
		"guava-31.1-jre.jar":             {"guava", "31.1-jre"},
		"spring-core-5.3.20.RELEASE.jar": {"spring-core", "5.3.20.RELEASE"},
		"tools.jar":                      {"tools", ""},
		"app.war":                        {"app", ""},
		"log4j-1.2-api-2.17.1.jar":       {"log4j", "1.2-api-2.17.1"},
		"-1.0.jar":                       {"-1.0", ""},
		"x":                              {"x", ""},
	} {
		n, v := parseFileName(in)
		assert.Equal(t, want, [2]string{n, v}, in)
	}
}

// TestNested reads a war, an ear holding it, and a Spring Boot fat jar.
func TestNested(t *testing.T) {
	guava := libJar(t, "com.google.guava", "guava", "31.1-jre")
	jackson := libJar(t, "com.fasterxml.jackson.core", "jackson-databind", "2.13.4")
	noMeta := zipOf(t, e("x/X.class", "x"))
	war := zipOf(t,
		e("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n"),
		pomProps("com.example", "web", "1.0.0"),
		e("WEB-INF/web.xml", "<web-app/>"),
		deflated("WEB-INF/lib/guava-31.1-jre.jar", guava),
		stored("WEB-INF/lib/jackson-databind-2.13.4.jar", jackson),
		deflated("WEB-INF/lib/legacy-util-0.9.jar", noMeta))
	ear := zipOf(t,
		e("META-INF/application.xml", "<application/>"),
		deflated("web.war", war),
		stored("lib/guava-31.1-jre.jar", guava)) // seen twice: reported once
	fat := zipOf(t,
		e("META-INF/MANIFEST.MF", "Main-Class: org.springframework.boot.loader.JarLauncher\nStart-Class: com.example.App\n"),
		pomProps("com.example", "service", "2.0.0"),
		e("BOOT-INF/classes/com/example/App.class", "x"),
		stored("BOOT-INF/lib/guava-31.1-jre.jar", guava),
		stored("BOOT-INF/lib/jackson-databind-2.13.4.jar", jackson),
		e("BOOT-INF/lib/README.txt", "not an archive"))

	tests := []struct {
		name, path string
		body       []byte
		want       []string
	}{
		{"war", "usr/local/tomcat/webapps/web.war", war, []string{
			"com.example:web@1.0.0",
			"com.google.guava:guava@31.1-jre <- usr/local/tomcat/webapps/web.war!/WEB-INF/lib/guava-31.1-jre.jar",
			"com.fasterxml.jackson.core:jackson-databind@2.13.4 <- usr/local/tomcat/webapps/web.war!/WEB-INF/lib/jackson-databind-2.13.4.jar",
			":legacy-util@0.9 <- usr/local/tomcat/webapps/web.war!/WEB-INF/lib/legacy-util-0.9.jar",
		}},
		{"ear", "srv/app.ear", ear, []string{
			":app@",
			"com.example:web@1.0.0 <- srv/app.ear!/web.war",
			"com.google.guava:guava@31.1-jre <- srv/app.ear!/web.war!/WEB-INF/lib/guava-31.1-jre.jar",
			"com.fasterxml.jackson.core:jackson-databind@2.13.4 <- srv/app.ear!/web.war!/WEB-INF/lib/jackson-databind-2.13.4.jar",
			":legacy-util@0.9 <- srv/app.ear!/web.war!/WEB-INF/lib/legacy-util-0.9.jar",
		}},
		{"fat jar", "app/service.jar", fat, []string{
			"com.example:service@2.0.0",
			"com.google.guava:guava@31.1-jre <- app/service.jar!/BOOT-INF/lib/guava-31.1-jre.jar",
			"com.fasterxml.jackson.core:jackson-databind@2.13.4 <- app/service.jar!/BOOT-INF/lib/jackson-databind-2.13.4.jar",
		}},
	}
	for _, tt := range tests {
		for _, spool := range []bool{false, true} {
			name := tt.name
			opts := []Option{}
			if spool {
				name += " spooled"
				opts = append(opts, WithMaxInMemoryBytes(0))
			}
			t.Run(name, func(t *testing.T) {
				pkgs, err := analyze(t, New(opts...), file(tt.path, tt.body))
				require.NoError(t, err)
				assert.Equal(t, tt.want, short(pkgs))
				for _, p := range pkgs {
					assert.Equal(t, tt.path, p.Paths[0])
					assert.Equal(t, scan.TypeMaven, p.Type)
				}
			})
		}
	}
}

func TestBadArchives(t *testing.T) {
	good := libJar(t, "com.example", "good", "1.0")
	tests := []struct {
		name   string
		path   string
		body   []byte
		opts   []Option
		want   []string
		errIs  error
		errHas []string
	}{
		{name: "not a zip", path: "lib/x.jar", body: []byte("just text, not a zip archive"),
			errHas: []string{"lib/x.jar: java: not a valid zip archive: zip: not a valid zip file"}},
		{name: "empty", path: "lib/x.jar", body: nil, errHas: []string{"not a valid zip archive"}},
		{name: "truncated", path: "lib/x.jar", body: good[:len(good)/2], errHas: []string{"not a valid zip archive"}},
		{name: "nested not a zip", path: "app.war", body: zipOf(t, pomProps("g", "app", "1"), e("WEB-INF/lib/bad.jar", "nope"), stored("WEB-INF/lib/good.jar", good)),
			want:   []string{"g:app@1", "com.example:good@1.0 <- app.war!/WEB-INF/lib/good.jar"},
			errHas: []string{"app.war: java: WEB-INF/lib/bad.jar: not a valid zip archive"}},
		{name: "nested with a bad checksum", path: "app.war", body: corruptCRC(t, zipOf(t, pomProps("g", "app", "1"), deflated("WEB-INF/lib/good.jar", good)), "WEB-INF/lib/good.jar"),
			want:   []string{"g:app@1"},
			errHas: []string{"app.war: java: WEB-INF/lib/good.jar: zip: checksum error"}},
		{name: "unsupported compression", path: "app.war", body: withMethod(t, zipOf(t, pomProps("g", "app", "1"), deflated("WEB-INF/lib/good.jar", good)), "WEB-INF/lib/good.jar", 99),
			want:   []string{"g:app@1"},
			errHas: []string{"WEB-INF/lib/good.jar: zip: unsupported compression algorithm"}},
		{name: "entry names with ../ are only strings", path: "app.war",
			body: zipOf(t, pomProps("g", "app", "1"), stored("../../../../tmp/evil.jar", good), stored("/abs/evil.jar", good)),
			want: []string{"g:app@1", "com.example:good@1.0 <- app.war!/../../../../tmp/evil.jar"}},
		{name: "pom.properties over its bound", path: "lib/x-1.0.jar",
			body:   zipOf(t, e("META-INF/maven/g/x/pom.properties", "groupId=g\nartifactId=x\nversion=1.0\n#"+strings.Repeat("x", MaxPomPropertiesBytes))),
			want:   []string{":x@1.0"},
			errIs:  scan.ErrTooLarge,
			errHas: []string{"lib/x-1.0.jar: java: META-INF/maven/g/x/pom.properties: 65"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := analyze(t, New(tt.opts...), file(tt.path, tt.body))
			assert.Equal(t, tt.want, short(pkgs))
			if tt.errIs == nil && tt.errHas == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			var fe *scan.FileError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tt.path, fe.Path)
			if tt.errIs != nil {
				assert.ErrorIs(t, err, tt.errIs)
			}
			for _, s := range tt.errHas {
				assert.Contains(t, err.Error(), s)
			}
		})
	}

	t.Run("read error", func(t *testing.T) {
		boom := errors.New("truncated layer")
		r := io.MultiReader(bytes.NewReader(good[:10]), iotest.ErrReader(boom))
		pkgs, err := analyze(t, New(), scan.NewFile("lib/x.jar", 0o644, int64(len(good)), r))
		assert.Empty(t, pkgs)
		require.ErrorIs(t, err, boom)
		assert.Contains(t, err.Error(), "lib/x.jar: java: ")
	})
	t.Run("read error while spooling", func(t *testing.T) {
		boom := errors.New("truncated layer")
		r := io.MultiReader(bytes.NewReader(good[:10]), iotest.ErrReader(boom))
		pkgs, err := analyze(t, New(WithMaxInMemoryBytes(0)), scan.NewFile("lib/x.jar", 0o644, int64(len(good)), r))
		assert.Empty(t, pkgs)
		require.ErrorIs(t, err, boom)
		assert.Contains(t, err.Error(), "lib/x.jar: java: ")
	})
	t.Run("shorter than the layer says", func(t *testing.T) {
		pkgs, err := analyze(t, New(), scan.NewFile("lib/x.jar", 0o644, int64(len(good))+10, bytes.NewReader(good)))
		assert.Empty(t, pkgs)
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	})
	t.Run("one bad archive among good ones", func(t *testing.T) {
		pkgs, err := analyze(t, New(), file("lib/a.jar", good), file("lib/b.jar", []byte("x")), file("lib/c-2.jar", zipOf(t, e("x", "y"))))
		assert.Equal(t, []string{"com.example:good@1.0", ":c@2"}, short(pkgs))
		require.Error(t, err)
		assert.Equal(t, "lib/b.jar: java: not a valid zip archive: zip: not a valid zip file", err.Error())
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		pkgs, err := New().Analyze(ctx, scan.NewInput(scan.LayerRef{}, t.TempDir(), file("lib/a.jar", good)))
		assert.Empty(t, pkgs)
		assert.ErrorIs(t, err, context.Canceled)
	})
}

// corruptCRC changes the CRC-32 recorded for name in the central directory.
func corruptCRC(t *testing.T, z []byte, name string) []byte {
	return patchCD(t, z, name, func(rec []byte) { rec[16] ^= 0xff })
}

// withMethod sets the compression method recorded for name.
func withMethod(t *testing.T, z []byte, name string, method uint16) []byte {
	return patchCD(t, z, name, func(rec []byte) { rec[10] = byte(method); rec[11] = byte(method >> 8) })
}

// patchCD applies fix to name's central directory record.
func patchCD(t *testing.T, z []byte, name string, fix func([]byte)) []byte {
	t.Helper()
	z = bytes.Clone(z)
	i := bytes.LastIndex(z, append([]byte(nil), name...))
	require.Positive(t, i)
	rec := z[i-46:]
	require.Equal(t, "PK\x01\x02", string(rec[:4]))
	fix(rec)
	return z
}
