package binary

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const temurin21 = `IMPLEMENTOR="Eclipse Adoptium"
IMPLEMENTOR_VERSION="Temurin-21.0.4+7"
JAVA_RUNTIME_VERSION="21.0.4+7-LTS"
JAVA_VERSION="21.0.4"
JAVA_VERSION_DATE="2024-07-16"
LIBC="gnu"
MODULES="java.base java.compiler java.datatransfer java.xml java.prefs java.desktop"
OS_ARCH="aarch64"
OS_NAME="Linux"
SOURCE=".:git:13710926b798"
BUILD_SOURCE="git:1271f10a26c47e1489a814dd2731f936a588d621"
BUILD_SOURCE_REPO="https://github.com/adoptium/temurin-build.git"
SOURCE_REPO="https://github.com/adoptium/jdk21u.git"
FULL_VERSION="21.0.4+7-LTS"
SEMANTIC_VERSION="21.0.4+7"
BUILD_INFO="OS: Linux Version: 5.4.0-150-generic"
JVM_VARIANT="Hotspot"
JVM_VERSION="21.0.4+7-LTS"
IMAGE_TYPE="JDK"
`

func TestJavaRelease(t *testing.T) {
	tests := []struct {
		name, path, content string
		purl                string
		cpes                []string
	}{
		{
			name: "Temurin JDK", path: "opt/java/openjdk/release", content: temurin21,
			purl: "pkg:generic/oracle/openjdk@21.0.4%2B7-LTS?repository_url=https:%2F%2Fgithub.com%2Fadoptium%2Fjdk21u.git",
			cpes: []string{`cpe:2.3:a:oracle:openjdk:21.0.4:*:*:*:*:*:*:*`},
		},
		{
			name: "Corretto 8, legacy version", path: "usr/lib/jvm/java-1.8.0-amazon-corretto/jre/release",
			content: "JAVA_VERSION=\"1.8.0_392\"\nOS_NAME=\"Linux\"\nIMPLEMENTOR=\"Amazon.com Inc.\"\nFULL_VERSION=\"1.8.0_392-b08\"\nIMAGE_TYPE=\"JRE\"\n",
			purl:    "pkg:generic/oracle/openjdk@1.8.0_392-b08",
			cpes:    []string{`cpe:2.3:a:oracle:openjdk:1.8.0:update392:*:*:*:*:*:*`},
		},
		{
			name: "Zulu", path: "usr/lib/jvm/zulu17/release",
			content: "IMPLEMENTOR=\"Azul Systems, Inc.\"\nIMPLEMENTOR_VERSION=\"Zulu17.46+19-CA\"\nJAVA_RUNTIME_VERSION=\"17.0.9+8-LTS\"\nJAVA_VERSION=\"17.0.9\"\n",
			purl:    "pkg:generic/azul/zulu@17.0.9%2B8-LTS",
			cpes:    []string{`cpe:2.3:a:azul:zulu:17.0.9:*:*:*:*:*:*:*`, `cpe:2.3:a:oracle:openjdk:17.0.9:*:*:*:*:*:*:*`},
		},
		{
			name: "Oracle JRE", path: "opt/oracle/jre/release",
			content: "IMPLEMENTOR=\"Oracle Corporation\"\nJAVA_VERSION=\"22.0.2\"\nJAVA_RUNTIME_VERSION=\"22.0.2+9-70\"\nIMAGE_TYPE=\"JRE\"\n",
			purl:    "pkg:generic/oracle/jre@22.0.2%2B9-70",
			cpes:    []string{`cpe:2.3:a:oracle:java_se:22.0.2:*:*:*:*:*:*:*`, `cpe:2.3:a:oracle:jre:22.0.2:*:*:*:*:*:*:*`},
		},
		{
			name: "CRLF, no runtime version", path: "jdk/release",
			content: "JAVA_VERSION=\"11.0.21\"\r\nFULL_VERSION=\"11.0.21+9\"\r\n",
			purl:    "pkg:generic/oracle/openjdk@11.0.21%2B9",
			cpes:    []string{`cpe:2.3:a:oracle:openjdk:11.0.21:*:*:*:*:*:*:*`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := analyze(t, New(), tt.path, []byte(tt.content))
			require.NoError(t, err)
			require.Len(t, pkgs, 1)
			p := pkgs[0]
			assert.Equal(t, tt.purl, p.PURL.String())
			assert.Equal(t, tt.cpes, p.CPEs)
			assert.Equal(t, p.PURL.Name, p.Name)
			assert.Equal(t, []string{tt.path}, p.Paths)
		})
	}
}

func TestJavaReleaseNegative(t *testing.T) {
	for name, content := range map[string]string{
		"os-release style":   "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n",
		"empty":              "",
		"binary":             "\x7fELF\x02\x01\x01\x00JAVA_VERSION",
		"version not digits": "JAVA_VERSION=\"latest\"\n",
		"control characters": "JAVA_VERSION=\"17\x00.0.1\"\n",
		"long line":          strings.Repeat("x", 2*MaxReleaseBytes),
	} {
		t.Run(name, func(t *testing.T) {
			pkgs, err := analyze(t, New(), "usr/share/app/release", []byte(content))
			require.NoError(t, err)
			assert.Empty(t, pkgs)
		})
	}
}
