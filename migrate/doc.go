// Package migrate copies a layer store from one backend into another,
// layer by layer, keeping ids and parents: each layer's Diff from the
// source is applied to the destination with ApplyDiff (so whiteouts
// change form as the destination stores them: AUFS ".wh." files become
// overlay char 0/0 devices and opaque xattrs), and the destination's
// Diff of the layer must then be byte-identical to the source's, or the
// migration stops with an error naming the layer.
//
// Copy works on any two graphdriver.Driver values; AufsToOverlay2 opens
// an aufs store (a Docker /var/lib/docker/aufs, say) and an overlay2 one
// and copies the first into the second. It is the one package here that
// imports two backends, which the backends themselves never do.
//
// # Cost
//
// Each layer is written as a tar once, unpacked once and written again
// to check it: three passes over its content, streamed (constant
// memory). Both stores must be quiet meanwhile: a layer written to
// during its copy makes the check fail.
//
// # Platforms
//
// Where both backends work: Linux, as root for overlay2 and for aufs
// mounted by kernel aufs or fuse-overlayfs.
//
// # When not to use it
//
// Not for a store a daemon is using (stop it first), nor to copy a store
// within one backend: copying the home directory keeps the layout (for
// overlay2, missing l/ links are rebuilt at open).
package migrate
