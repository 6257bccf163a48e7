// Package registry opens container images from wherever they live, as
// go-containerregistry v1.Image values that the scanner reads layer by
// layer.
//
// [Open] takes a reference with an optional source prefix: "registry:" (or
// none) for a registry, "oci-dir:" for an OCI image layout, "docker-archive:"
// for the output of docker save, and "dir:" for an unpacked root filesystem.
// It picks one platform from a multi-platform index; [OpenAll] returns every
// platform image, skipping attestation manifests.
//
// Everything read is untrusted and bounded: index nesting and fan-out,
// manifest, index and config sizes, and layer counts have limits set by
// options, with errors naming the option. Manifests and configs are checked
// against their digests, a config must list as many rootfs.diff_ids as the
// manifest has layers, and an OCI layout's layer blobs are checked against
// their digests as they are read. Errors are [*Error] values that name the
// reference and the digest concerned, and never contain a credential: the
// credentials a session may send are removed from every message.
//
// The package imports no other Portcullis package.
package registry
