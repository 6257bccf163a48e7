// Package testregistry gives tests a registry: go-containerregistry's
// in-memory one, quiet, on 127.0.0.1, and helpers to push to it and read
// what a tag names.
package testregistry

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// New starts an in-memory registry on 127.0.0.1, stopped when the test
// ends, and returns its host:port. wrap, when given, sits in front of it
// (to fail, count or check requests).
func New(t testing.TB, wrap func(http.Handler) http.Handler, opts ...registry.Option) string {
	t.Helper()
	var h http.Handler = registry.New(append([]registry.Option{registry.Logger(log.New(io.Discard, "", 0))}, opts...)...)
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// Push writes an image or an index to ref (over plain HTTP) and returns
// its digest; any failure fails the test.
func Push(t testing.TB, ref string, x any) v1.Hash {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	var d v1.Hash
	switch v := x.(type) {
	case v1.Image:
		err = remote.Write(r, v)
		if err == nil {
			d, err = v.Digest()
		}
	case v1.ImageIndex:
		err = remote.WriteIndex(r, v)
		if err == nil {
			d, err = v.Digest()
		}
	default:
		t.Fatalf("push %s: %T is neither an image nor an index", ref, x)
	}
	if err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	return d
}

// Digest returns the digest ref names, or "" when it names nothing (or
// the registry cannot say).
func Digest(ref string) string {
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return ""
	}
	d, err := remote.Head(r)
	if err != nil {
		return ""
	}
	return d.Digest.String()
}
