package registry

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/portcullis-oci/portcullis/internal/redact"
)

// Sentinel errors that callers branch on with [errors.Is].
var (
	// ErrInvalidReference matches errors for a reference that cannot be
	// parsed, names an unknown source type, or a path that does not exist.
	ErrInvalidReference = errors.New("invalid reference")
	// ErrNotFound matches errors for a manifest, blob, tag or file that the
	// source does not have.
	ErrNotFound = errors.New("not found")
	// ErrDenied matches errors for a registry that refused the credentials
	// (401 or 403).
	ErrDenied = errors.New("access denied")
	// ErrPlatformNotFound matches errors for an image that has nothing for
	// the requested platform, or no platform image at all.
	ErrPlatformNotFound = errors.New("no image for the platform")
	// ErrInvalidImage matches errors for content that does not match its
	// descriptor or is not a valid image: a digest or size mismatch, a
	// config whose rootfs.diff_ids do not match the layers, an unknown or
	// unsupported media type, invalid JSON.
	ErrInvalidImage = errors.New("invalid image")
)

// Error is the error returned for a failure reading an image. Its message is
// "registry: REF: OP DIGEST: cause", with any credential removed.
type Error struct {
	// Ref is the reference as given to [Open], without credentials.
	Ref string
	// Op says what was being done, such as "reading layer".
	Op string
	// Digest names the manifest, index, config or layer concerned, if any.
	Digest string
	// Err is the cause. When the cause's message held a credential, Err is a
	// copy of it with the credential replaced; [errors.Is] still matches the
	// sentinels and context errors the original matched.
	Err error

	notFound, denied bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("registry: ")
	b.WriteString(e.Ref)
	if e.Op != "" || e.Digest != "" {
		b.WriteString(": ")
		b.WriteString(e.Op)
		if e.Op != "" && e.Digest != "" {
			b.WriteByte(' ')
		}
		b.WriteString(e.Digest)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches [ErrNotFound] and [ErrDenied] from the registry's answer.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && e.notFound || target == ErrDenied && e.denied
}

// LimitError is the cause of an [Error] when an input exceeds one of the
// limits set by options.
type LimitError struct {
	What   string // what was counted, such as "index nesting depth"
	Got    int64  // the count or size seen (at least Limit+1)
	Limit  int64  // the limit in force
	Option string // the option that sets it, such as "WithMaxIndexDepth"
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s %d exceeds the limit of %d (set with %s)", e.What, e.Got, e.Limit, e.Option)
}

// redactedError stands in for a cause whose message held a credential.
type redactedError struct {
	msg string
	is  []error
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Is(target error) bool { return slices.Contains(e.is, target) }

// redactor knows the credentials one open may send, and removes them from
// error messages.
type redactor = redact.Redactor

const redacted = redact.Placeholder

// newError builds an [Error] whose message holds no credential known to red.
func newError(red *redactor, ref, op, digest string, err error) *Error {
	e := &Error{Ref: safeRef(red, ref), Op: op, Digest: digest, Err: err}
	var te *transport.Error
	if errors.As(err, &te) {
		e.notFound = te.StatusCode == http.StatusNotFound
		e.denied = te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden
		for _, d := range te.Errors {
			switch d.Code {
			case transport.ManifestUnknownErrorCode, transport.BlobUnknownErrorCode, transport.NameUnknownErrorCode:
				e.notFound = true
			case transport.UnauthorizedErrorCode, transport.DeniedErrorCode:
				e.denied = true
			}
		}
	}
	if err != nil {
		if msg := err.Error(); red.String(msg) != msg {
			var is []error
			for _, target := range []error{ErrInvalidReference, ErrNotFound, ErrDenied, ErrPlatformNotFound, ErrInvalidImage, context.Canceled, context.DeadlineExceeded, fs.ErrNotExist} {
				if errors.Is(err, target) {
					is = append(is, target)
				}
			}
			e.Err = &redactedError{msg: red.String(msg), is: is}
		}
	}
	return e
}

// safeRef removes credentials from a reference for messages: known secrets,
// and the user-info of anything written like a URL.
func safeRef(red *redactor, ref string) string {
	if i := strings.Index(ref, "://"); i >= 0 {
		host := ref[i+3:]
		end := strings.IndexAny(host, "/?#")
		if end < 0 {
			end = len(host)
		}
		if at := strings.LastIndexByte(host[:end], '@'); at >= 0 {
			ref = ref[:i+3] + redacted + "@" + host[at+1:]
		}
	}
	return red.String(ref)
}
