package layerio_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portcullis-oci/portcullis/internal/layerio"
	"github.com/portcullis-oci/portcullis/internal/testimage"
)

func TestSniffAndHash(t *testing.T) {
	raw := testimage.Tar(testimage.File("a", "hello"))
	want := fmt.Sprintf("sha256:%x", sha256.Sum256(raw))
	for _, tc := range []struct {
		c    testimage.Compression
		want layerio.Compression
	}{{testimage.Gzip, layerio.Gzip}, {testimage.Zstd, layerio.Zstd}, {testimage.Uncompressed, layerio.None}} {
		r, err := layerio.NewReader(bytes.NewReader(testimage.Compress(raw, tc.c)), 1<<20, "sha256")
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		require.NoError(t, err)
		assert.Equal(t, raw, got)
		assert.Equal(t, tc.want, r.Compression)
		assert.Equal(t, want, r.DiffID())
		r.Close()
	}
}

func TestLimitAndAlgorithms(t *testing.T) {
	raw := bytes.Repeat([]byte{0}, 1<<20) // a small gzip bomb
	r, err := layerio.NewReader(bytes.NewReader(testimage.Compress(raw, testimage.Gzip)), 1<<20-1, "sha256")
	require.NoError(t, err)
	_, err = r.Drain()
	require.ErrorIs(t, err, layerio.ErrTooLarge)

	r, err = layerio.NewReader(bytes.NewReader(raw), 1<<20, "sha512")
	require.NoError(t, err)
	_, err = r.Drain()
	require.NoError(t, err)
	assert.Contains(t, r.DiffID(), "sha512:")

	_, err = layerio.NewReader(bytes.NewReader(raw), 1, "md5")
	require.Error(t, err)
}

func TestZstdWindowIsBounded(t *testing.T) {
	// A frame whose header asks for a 1 GiB window (log 30), then one raw
	// block holding "a".
	frame := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 20 << 3, 0x09, 0x00, 0x00, 'a'}
	r, err := layerio.NewReader(bytes.NewReader(frame), 1<<30, "sha256")
	if err == nil {
		_, err = r.Drain()
	}
	require.Error(t, err, "a frame asking for a 1 GiB window is refused")
}

// FuzzLayerGzip feeds arbitrary bytes through the sniffing reader.
func FuzzLayerGzip(f *testing.F) {
	f.Add(testimage.Compress(testimage.Tar(testimage.File("a", "b")), testimage.Gzip))
	f.Add(testimage.Compress(testimage.Tar(testimage.File("a", "b")), testimage.Zstd))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := layerio.NewReader(bytes.NewReader(b), 1<<20, "sha256")
		if err != nil {
			return
		}
		defer r.Close()
		r.Drain()
	})
}
