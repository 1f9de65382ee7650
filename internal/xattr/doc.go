// Package xattr reads extended attributes without following symlinks,
// with a reusable buffer that grows when the kernel says ERANGE. It is
// Linux only; the other platforms have no files here. Not for deciding
// which xattrs a layer tar carries: that is archive.ExportedXattr.
package xattr
