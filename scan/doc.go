// Package scan inventories container images layer by layer.
//
// A [Scanner] reads each layer's tar stream once, hands the files that
// [Analyzer]s ask for to them, applies whiteouts, and coalesces the per-layer
// results in layer order into a [Report]: every package in the final image
// with its PURL and the layer that brought it, the packages later layers
// removed, the distribution, and whatever could not be analysed
// ([Report.Incomplete]). Layers are never unpacked to disk.
//
// The default analyzers live in
// [github.com/portcullis-oci/portcullis/scan/analyzers]; embedders append their own.
package scan
