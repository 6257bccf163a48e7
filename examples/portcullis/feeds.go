package main

import (
	"fmt"
	"log/slog"
	"slices"

	"github.com/portcullis-oci/portcullis/vulndb"
	"github.com/portcullis-oci/portcullis/vulndb/alpine"
	"github.com/portcullis-oci/portcullis/vulndb/debian"
	"github.com/portcullis-oci/portcullis/vulndb/epss"
	"github.com/portcullis-oci/portcullis/vulndb/kev"
	"github.com/portcullis-oci/portcullis/vulndb/nvd"
	"github.com/portcullis-oci/portcullis/vulndb/osv"
)

// importKinds are the KIND arguments of db import.
func importKinds() []string { return []string{"osv", "nvd", "debian", "alpine", "kev", "epss"} }

// localSource reads a feed of the given kind from a file or directory.
func localSource(kind, path string, log *slog.Logger) (vulndb.VulnSource, error) {
	switch kind {
	case "osv":
		return osv.New(osv.WithPath(path), osv.WithLogger(log))
	case "nvd":
		return nvd.New(nvd.WithPath(path), nvd.WithLogger(log))
	case "debian":
		return debian.New(debian.WithPath(path), debian.WithLogger(log))
	case "alpine":
		return alpine.New(alpine.WithPath(path), alpine.WithLogger(log))
	case "kev":
		return kev.New(kev.WithPath(path), kev.WithLogger(log))
	case "epss":
		return epss.New(epss.WithPath(path), epss.WithLogger(log))
	}
	return nil, usageError{fmt.Sprintf("db import: unknown KIND %q (want one of %v)", kind, importKinds())}
}

// remoteSources are the feeds db update downloads: OSV's archive for each
// default ecosystem, NVD, the Debian tracker, Alpine's secdb, KEV and
// EPSS.
func remoteSources(log *slog.Logger, nvdAPIKey string) ([]vulndb.VulnSource, error) {
	var out []vulndb.VulnSource
	osvs, err := osv.NewEcosystems(osv.DefaultEcosystems(), osv.WithLogger(log))
	if err != nil {
		return nil, err
	}
	for _, s := range osvs {
		out = append(out, s)
	}
	nvdOpts := []nvd.Option{nvd.WithLogger(log)}
	if nvdAPIKey != "" {
		nvdOpts = append(nvdOpts, nvd.WithAPIKey(nvdAPIKey))
	}
	n, err := nvd.New(nvdOpts...)
	if err != nil {
		return nil, err
	}
	d, err := debian.New(debian.WithLogger(log))
	if err != nil {
		return nil, err
	}
	a, err := alpine.New(alpine.WithLogger(log))
	if err != nil {
		return nil, err
	}
	k, err := kev.New(kev.WithLogger(log))
	if err != nil {
		return nil, err
	}
	e, err := epss.New(epss.WithLogger(log))
	if err != nil {
		return nil, err
	}
	return append(out, n, d, a, k, e), nil
}

// remoteNames lists the names of the feeds db update knows.
func remoteNames() []string {
	srcs, err := remoteSources(slog.New(slog.DiscardHandler), "")
	if err != nil {
		return nil
	}
	var names []string
	for _, s := range srcs {
		names = append(names, s.Name())
	}
	slices.Sort(names)
	return names
}
