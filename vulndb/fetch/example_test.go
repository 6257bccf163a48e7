package fetch_test

import (
	"net/http"
	"net/url"
	"time"

	"github.com/portcullis-oci/portcullis/vulndb/fetch"
	"github.com/portcullis-oci/portcullis/vulndb/kev"
)

// A feed downloading through a proxy, with the program's user agent and a
// smaller size limit.
func ExampleNew() {
	proxy, _ := url.Parse("http://proxy.internal:3128")
	client := fetch.New(
		fetch.WithHTTPClient(&http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}, Timeout: 5 * time.Minute}),
		fetch.WithUserAgent("my-scanner/1.0"),
		fetch.WithMaxBytes(64<<20),
	)
	feed, err := kev.New(kev.WithClient(client))
	if err != nil {
		panic(err)
	}
	_ = feed // given to vulndb.Update with a store
}
