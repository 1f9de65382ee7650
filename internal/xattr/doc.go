// Package xattr reads extended attributes without following symlinks,
// with a reusable buffer that grows when the kernel says ERANGE. It is
// Linux only; the other platforms have no files here.
package xattr
