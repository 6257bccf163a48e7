package feedinput_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/portcullis-oci/portcullis/vulndb/fetch"
	"github.com/portcullis-oci/portcullis/vulndb/internal/feedinput"
)

// Open a local copy of a feed; a second Open with the cursor of the first
// finds it unchanged.
func ExampleFeed_Open() {
	dir, err := os.MkdirTemp("", "feedinput")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "kev.json")
	if err := os.WriteFile(path, []byte(`{"vulnerabilities":[]}`), 0o644); err != nil {
		panic(err)
	}

	feed := feedinput.Feed{Name: "kev", Client: fetch.New(), MaxBytes: 64 << 20}
	in, err := feed.Open(context.Background(), "", path, feedinput.ParseCursor(""))
	if err != nil {
		panic(err)
	}
	b, err := io.ReadAll(in)
	in.Close()
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))
	cursor := in.Cursor.Encode() // what the feed hands back as its vulndb.Cursor

	_, err = feed.Open(context.Background(), "", path, feedinput.ParseCursor(cursor))
	fmt.Println(errors.Is(err, feedinput.ErrUnchanged))
	// Output:
	// {"vulnerabilities":[]}
	// true
}

// Download a feed; the server's validators make the next request
// conditional.
func ExampleFeed_Get() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		fmt.Fprint(w, "cve,epss,percentile\n")
	}))
	defer srv.Close()

	feed := feedinput.Feed{Name: "epss", Client: fetch.New(), MaxBytes: 1 << 20}
	in, err := feed.Get(context.Background(), srv.URL+"/scores?key=secret", fetch.Validators{})
	if err != nil {
		panic(err)
	}
	in.Close()
	fmt.Println(in.Name == srv.URL+"/scores", in.Cursor.Encode())
	_, err = feed.Get(context.Background(), srv.URL+"/scores", in.Cursor.Validators)
	fmt.Println(err)
	// Output:
	// true {"etag":"\"v1\""}
	// feedinput: input unchanged
}

// Count what a parser skipped.
func ExampleSkipLog() {
	var sk feedinput.SkipLog
	sk.Add("invalid CVE ID", `line 2: "CVE-20x"`)
	sk.Add("invalid CVE ID", `line 9: "cve"`)
	sk.Add("score not a number", `line 4: "high"`)
	fmt.Println(sk.Count())
	for _, r := range sk.Reasons() {
		fmt.Println(r)
	}
	// Output:
	// 3
	// invalid CVE ID: 2 (first: line 2: "CVE-20x")
	// score not a number: 1 (first: line 4: "high")
}
