// Package portcullis keeps vulnerable container images out of production.
//
// Portcullis is a library of small parts that compose:
//
//   - [github.com/portcullis-oci/portcullis/registry] opens images from registries,
//     OCI layouts, docker archives and directories;
//   - [github.com/portcullis-oci/portcullis/scan] reads an image layer by layer and
//     lists every package each layer brought, with its PURL;
//   - [github.com/portcullis-oci/portcullis/vulndb] keeps vulnerability feeds and
//     matches inventories against them;
//   - [github.com/portcullis-oci/portcullis/policy] decides whether an image may move on;
//   - [github.com/portcullis-oci/portcullis/promote] copies allowed images between
//     repositories and registries.
//
// This root package holds documentation only.
package portcullis
