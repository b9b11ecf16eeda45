package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection enforces the layering in DESIGN.md: the node never
// links the crypto core, the vault or Fyne; the client core never links Fyne;
// the crypto core never links libp2p or Badger; the leaves stay independent.
func TestDependencyDirection(t *testing.T) {
	const mod = "github.com/parley-chat/parley"
	cases := []struct {
		pkg       string
		direct    bool // check only direct imports, not the transitive closure
		forbidden []string
	}{
		{"./rendezvous/server", false, []string{mod + "/app", mod + "/vault", mod + "/ui", "fyne.io/"}},
		{"./rendezvous", false, []string{mod + "/app", mod + "/vault", mod + "/ui", "fyne.io/"}},
		{"./p2p", false, []string{mod + "/app", mod + "/vault", mod + "/rendezvous", mod + "/ui", "fyne.io/"}},
		{"./vault", false, []string{mod + "/app", mod + "/p2p", mod + "/rendezvous", mod + "/ui", "libp2p", "fyne.io/"}},
		{"./app", false, []string{mod + "/ui", "fyne.io/"}},
		{"./app/e2e", false, []string{"libp2p", "badger", mod + "/vault", mod + "/p2p", mod + "/rendezvous", "fyne.io/"}},
		{"./ui", false, []string{"fyne.io/fyne/v2/app"}},
		{"./ui", true, []string{"badger", mod + "/vault", mod + "/app/e2e", mod + "/p2p", mod + "/rendezvous", "libp2p"}},
	}
	for _, c := range cases {
		t.Run(c.pkg, func(t *testing.T) {
			args := []string{"list", "-deps", c.pkg}
			if c.direct {
				args = []string{"list", "-f", `{{join .Imports "\n"}}`, c.pkg}
			}
			out, err := exec.Command("go", args...).CombinedOutput()
			if err != nil {
				t.Fatalf("go list %s: %v\n%s", c.pkg, err, out)
			}
			for _, dep := range strings.Fields(string(out)) {
				for _, bad := range c.forbidden {
					if dep == bad || strings.HasPrefix(dep, bad+"/") || (strings.HasSuffix(bad, "/") && strings.HasPrefix(dep, bad)) || (!strings.Contains(bad, ".") && strings.Contains(dep, bad)) {
						t.Errorf("%s depends on %s (forbidden: %s)", c.pkg, dep, bad)
					}
				}
			}
		})
	}
}
