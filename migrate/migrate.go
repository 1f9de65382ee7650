package migrate

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/layerfs/graphdriver"
)

// Layer is one layer to copy: its id and its parent's ("" for a base
// layer).
type Layer struct {
	ID, Parent string
}

// Copied is what Copy did with one layer: the sha256 of its Diff, the
// same in both stores, and the bytes of content ApplyDiff wrote.
type Copied struct {
	Layer
	Digest string
	Size   int64
}

// Order returns layers with every parent before its children, and
// siblings by id, so a copy can create each layer on its parent. A
// parent that is not in layers, or a cycle, is an error naming the
// layer.
func Order(layers []Layer) ([]Layer, error) {
	byID := map[string]Layer{}
	for _, l := range layers {
		if _, dup := byID[l.ID]; dup {
			return nil, fmt.Errorf("migrate: layer %s listed twice", l.ID)
		}
		byID[l.ID] = l
	}
	children := map[string][]string{}
	for _, l := range layers {
		if l.Parent != "" {
			if _, ok := byID[l.Parent]; !ok {
				return nil, fmt.Errorf("migrate: layer %s: parent %s is not in the store: %w", l.ID, l.Parent, graphdriver.ErrNotFound)
			}
		}
		children[l.Parent] = append(children[l.Parent], l.ID)
	}
	var out []Layer
	queue := []string{""}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		kids := slices.Sorted(slices.Values(children[parent]))
		for _, id := range kids {
			out = append(out, byID[id])
		}
		queue = append(queue, kids...)
	}
	if len(out) != len(layers) {
		return nil, fmt.Errorf("migrate: %d layers are in a parent cycle", len(layers)-len(out))
	}
	return out, nil
}

// Copy copies layers (in any order) from src into dst, which must not
// hold their ids yet: each is created on its parent with Create, filled
// by ApplyDiff from src's Diff, and checked by comparing dst's Diff with
// src's (sha256 of the bytes). It stops at the first failure, returning
// what it copied before; a layer that failed its check stays in dst for
// inspection, which the error says.
func Copy(dst, src graphdriver.Driver, layers []Layer) ([]Copied, error) {
	ordered, err := Order(layers)
	if err != nil {
		return nil, err
	}
	var done []Copied
	for _, l := range ordered {
		c, err := copyLayer(dst, src, l)
		if err != nil {
			return done, fmt.Errorf("migrate: layer %s (%s to %s): %w", l.ID, src, dst, err)
		}
		done = append(done, c)
	}
	return done, nil
}

func copyLayer(dst, src graphdriver.Driver, l Layer) (Copied, error) {
	if err := dst.Create(l.ID, l.Parent, nil); err != nil {
		return Copied{}, err
	}
	rc, err := src.Diff(l.ID, "")
	if err != nil {
		return Copied{}, errors.Join(err, dst.Remove(l.ID))
	}
	h := sha256.New()
	size, err := dst.ApplyDiff(l.ID, l.Parent, io.TeeReader(rc, h))
	if err = errors.Join(err, rc.Close()); err != nil {
		return Copied{}, err // ApplyDiff removed the layer
	}
	want := hex.EncodeToString(h.Sum(nil))
	got, err := diffDigest(dst, l.ID)
	if err != nil {
		return Copied{}, err
	}
	if got != want {
		return Copied{}, fmt.Errorf("the layer's Diff differs after the copy: sha256 %s in %s, %s in %s (the copy is left in place)",
			want, src, got, dst)
	}
	return Copied{Layer: l, Digest: want, Size: size}, nil
}

// diffDigest returns the sha256 of d's Diff of id against its parent.
func diffDigest(d graphdriver.Driver, id string) (string, error) {
	rc, err := d.Diff(id, "")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	_, err = io.Copy(h, rc)
	if err = errors.Join(err, rc.Close()); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
