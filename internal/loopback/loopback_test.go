package loopback

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIs(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1:5000": true, "localhost": true, "LOCALHOST:80": true, "[::1]:5000": true, "::1": true, "127.8.9.10": true,
		"10.0.0.1:5000": false, "registry.example": false, "localhost.example:5000": false, "": false,
	} {
		assert.Equal(t, want, Is(host), host)
	}
}
