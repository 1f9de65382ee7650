package options

import (
	"fmt"
	"slices"
	"strings"
)

// Parse returns the options addressed to backend, keyed by the part after
// "backend." in lower case. Options for other backends are ignored, so one
// option list can serve whichever backend is chosen. An option without
// "=" or without a backend prefix, and a key of backend's not in known,
// is an error naming it.
func Parse(backend string, options []string, known ...string) (map[string]string, error) {
	out := map[string]string{}
	for _, opt := range options {
		key, val, ok := strings.Cut(opt, "=")
		if !ok {
			return nil, fmt.Errorf("%s: option %q: want name.key=value", backend, opt)
		}
		name, sub, ok := strings.Cut(strings.ToLower(strings.TrimSpace(key)), ".")
		if !ok || name == "" || sub == "" {
			return nil, fmt.Errorf("%s: option %q: want name.key=value", backend, opt)
		}
		if name != backend {
			continue
		}
		if !slices.Contains(known, sub) {
			return nil, fmt.Errorf("%s: unknown option %q (known: %s)", backend, key, strings.Join(known, ", "))
		}
		out[sub] = strings.TrimSpace(val)
	}
	return out, nil
}
