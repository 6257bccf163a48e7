package redact

import (
	"encoding/base64"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStripUserinfo(t *testing.T) {
	assert.Equal(t, "GET https://[REDACTED]@r.example/v2/ failed", StripUserinfo("GET https://user:pw@r.example/v2/ failed"))
	assert.Equal(t, "http://r.example/a@b", StripUserinfo("http://r.example/a@b"))
	assert.Equal(t, "no url", StripUserinfo("no url"))
	assert.Equal(t, "a://[REDACTED]@h b://[REDACTED]@i", StripUserinfo("a://x@h b://y:z@i"))
}

func TestRedactor(t *testing.T) {
	var r Redactor
	r.AddAuthorization("Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cret-pass")))
	r.AddAuthorization("Bearer tok3n-value")
	r.Add("abc") // too short to be taken for a secret
	msg := "denied for alice:s3cret-pass with tok3n-value and s3cret-pass, abc"
	got := r.String(msg)
	assert.NotContains(t, got, "s3cret-pass")
	assert.NotContains(t, got, "tok3n-value")
	assert.Contains(t, got, "abc")
	assert.True(t, r.Contains(msg))
	assert.False(t, r.Contains(got))

	var nilR *Redactor
	assert.Equal(t, "https://[REDACTED]@h/", nilR.String("https://u:p@h/"))
	nilR.Add("ignored")
	assert.False(t, nilR.Contains("ignored"))
}

func TestConcurrentUse(t *testing.T) {
	var r Redactor
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.Add(string(rune('a'+i)) + "-secret")
			_ = r.String("a-secret b-secret")
		}()
	}
	wg.Wait()
	assert.Equal(t, "[REDACTED] [REDACTED]", r.String("a-secret b-secret"))
}
