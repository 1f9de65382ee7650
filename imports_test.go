package graphdriver_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/layerfs/graphdriver"

// backends are the packages that register a backend: importing one must
// register that backend and nothing else.
var backends = []string{"aufs", "naive", "overlay2", "vfs"}

// importGraph maps each package of the module (by its path below the
// module, "" for the root) to the packages of the module it imports,
// read from the import clauses of every file for every platform. tests
// says whether _test.go files count.
func importGraph(t *testing.T, tests bool) map[string][]string {
	t.Helper()
	graph := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			if p != "." && fileExists(filepath.Join(p, "go.mod")) {
				return filepath.SkipDir // a module of its own
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || (!tests && strings.HasSuffix(p, "_test.go")) {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(p))
		if pkg == "." {
			pkg = ""
		}
		graph[pkg] = append(graph[pkg], []string{}...)
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			if ip != module && !strings.HasPrefix(ip, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(strings.TrimPrefix(ip, module), "/")
			if dep != pkg && !slices.Contains(graph[pkg], dep) {
				graph[pkg] = append(graph[pkg], dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return graph
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// reach returns every package pkg imports, directly or not, each with the
// chain of imports that leads to it.
func reach(graph map[string][]string, pkg string) map[string][]string {
	seen := map[string][]string{}
	var visit func(p string, chain []string)
	visit = func(p string, chain []string) {
		for _, dep := range graph[p] {
			if _, ok := seen[dep]; ok {
				continue
			}
			c := append(slices.Clone(chain), dep)
			seen[dep] = c
			visit(dep, c)
		}
	}
	visit(pkg, []string{pkg})
	return seen
}

func name(pkg string) string {
	if pkg == "" {
		return "graphdriver"
	}
	return pkg
}

// TestImportDirection holds the module to the import rules of
// ARCHITECTURE.md: no backend reaches another backend, in its code or its
// tests, so importing a backend registers that backend only; nothing
// below the backends (the root, whiteout, cow, archive, layerdiff,
// internal/...) reaches a backend; drivertest imports the root only;
// and no library code imports test support.
func TestImportDirection(t *testing.T) {
	code, all := importGraph(t, false), importGraph(t, true)
	for _, b := range backends {
		if _, ok := code[b]; !ok {
			t.Fatalf("backend %s not found: run the test from the module root", b)
		}
	}
	check := func(graph map[string][]string, pkg string, banned func(dep string) bool, why string) {
		t.Helper()
		for dep, chain := range reach(graph, pkg) {
			if banned(dep) {
				t.Errorf("%s imports %s (%s): %s", name(pkg), name(dep), strings.Join(chain, " -> "), why)
			}
		}
	}
	isBackend := func(dep string) bool { return slices.Contains(backends, dep) }
	for pkg := range all {
		switch {
		case slices.Contains(backends, pkg):
			check(all, pkg, func(dep string) bool { return isBackend(dep) && dep != pkg },
				"a backend never imports another, in code or tests")
		case pkg == "migrate" || strings.HasPrefix(pkg, "examples/") || pkg == "internal/testsupport/crosstest":
			// These put backends together on purpose.
		case strings.HasPrefix(pkg, "internal/testsupport/"):
			check(code, pkg, isBackend, "test support serves every backend and imports none")
		default:
			check(code, pkg, isBackend, "the layers below the backends never import one")
		}
	}
	for dep := range reach(code, "drivertest") {
		if dep != "" {
			t.Errorf("drivertest imports %s: it imports the root only, so any backend (ours or not) can run it", name(dep))
		}
	}
	for pkg := range code {
		if strings.HasPrefix(pkg, "internal/testsupport/") {
			continue
		}
		for dep, chain := range reach(code, pkg) {
			if strings.HasPrefix(dep, "internal/testsupport/") {
				t.Errorf("%s imports %s (%s): library code never imports test support", name(pkg), dep, strings.Join(chain, " -> "))
			}
		}
	}
}

// TestImportRulesCatchViolations feeds the rule a made-up graph in which
// vfs reaches overlay2 through layerdiff, so that a broken rule cannot
// pass silently.
func TestImportRulesCatchViolations(t *testing.T) {
	graph := map[string][]string{"vfs": {"layerdiff"}, "layerdiff": {"internal/fstree", "overlay2"}, "overlay2": {""}}
	chain, ok := reach(graph, "vfs")["overlay2"]
	if !ok || path.Join(chain...) != "vfs/layerdiff/overlay2" {
		t.Fatalf("reach(vfs) = %v, want overlay2 through layerdiff", reach(graph, "vfs"))
	}
}
