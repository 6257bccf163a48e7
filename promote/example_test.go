package promote_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/portcullis-oci/portcullis/policy"
	"github.com/portcullis-oci/portcullis/promote"
	"github.com/portcullis-oci/portcullis/scan"
)

// Promote an image from dev/app to qa/app on another registry when the
// policy allows it, and see a denial when it does not.
func Example() {
	dev := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer dev.Close()
	qa := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer qa.Close()
	devHost, qaHost := strings.TrimPrefix(dev.URL, "http://"), strings.TrimPrefix(qa.URL, "http://")

	img, _ := random.Image(1024, 2)
	ref, _ := name.ParseReference(devHost+"/dev/app:1.0", name.Insecure)
	if err := remote.Write(ref, img); err != nil {
		log.Fatal(err)
	}

	// A scanner that finds nothing; real programs use scan.New with
	// analyzers and a vulnerability matcher.
	scanner := scan.ScannerFunc(func(_ context.Context, img v1.Image, _ ...scan.ScanOption) (*scan.Report, error) {
		d, err := img.Digest()
		return &scan.Report{Image: scan.ImageRef{Digest: d.String()}}, err
	})
	p, err := promote.New(promote.WithScanner(scanner), promote.WithKeychain(authn.NewMultiKeychain()))
	if err != nil {
		log.Fatal(err)
	}
	noLatest := policy.Func(func(_ context.Context, in policy.Input) (policy.Decision, error) {
		if in.Image.Tag == "latest" {
			return policy.Decision{Verdict: policy.Deny, Reasons: []policy.Reason{{Rule: "no-latest", Verdict: policy.Deny, Message: "latest is not a release"}}}, nil
		}
		return policy.Decision{Verdict: policy.Allow}, nil
	})

	res, err := p.Promote(context.Background(), promote.Request{
		Source: devHost + "/dev/app:1.0",
		Target: qaHost + "/qa/app",
		Tag:    "%n-qa",
		Policy: noLatest,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("promoted:", res.Promoted, strings.TrimPrefix(res.TargetRef, qaHost+"/"))
	fmt.Println("blobs copied:", res.Copied, "manifests written:", res.Manifests)

	if err := remote.Write(ref.Context().Tag("latest"), img); err != nil {
		log.Fatal(err)
	}
	res, err = p.Promote(context.Background(), promote.Request{Source: devHost + "/dev/app:latest", Target: qaHost + "/qa/app", Policy: noLatest})
	fmt.Println("denied:", errors.Is(err, promote.ErrDenied), res.Decision.Fired(policy.Deny))
	// Output:
	// promoted: true qa/app:1.0-qa
	// blobs copied: 3 manifests written: 2
	// denied: true [no-latest]
}
