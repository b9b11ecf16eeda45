package e2e

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// allowedImports is everything the non-test code of this package may import:
// the crypto it composes, encoding helpers, and nothing that does I/O, logs
// or talks to libp2p or Badger. (log/slog is here for the LogValuer type
// only; a test below keeps its logging functions out.)
var allowedImports = map[string]bool{
	"bytes": true, "crypto/ed25519": true, "crypto/hmac": true, "crypto/sha256": true,
	"crypto/sha512": true, "crypto/subtle": true, "encoding/base32": true, "encoding/binary": true,
	"encoding/hex": true, "errors": true, "fmt": true, "io": true, "log/slog": true, "math": true,
	"maps": true, "slices": true, "strconv": true, "strings": true, "sync": true, "time": true, "unicode": true,
	"unicode/utf8":                true,
	"golang.org/x/crypto/blake2b": true, "golang.org/x/crypto/curve25519": true,
	"golang.org/x/crypto/chacha20poly1305": true,
	"golang.org/x/crypto/hkdf":             true, "golang.org/x/crypto/nacl/box": true,
	"golang.org/x/crypto/nacl/secretbox": true,
	"google.golang.org/protobuf/proto":   true, "google.golang.org/protobuf/encoding/protowire": true,
	"github.com/parley-chat/parley/app/e2e/internal/wirepb": true,
	// Ed25519 verification only (sign.go says why); signing is crypto/ed25519.
	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519": true,
}

// TestPackageIsPure: no goroutines, no imports outside the list, no slog
// calls and no crypto/rand (randomness comes from the caller).
func TestPackageIsPure(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !allowedImports[p] {
				t.Errorf("%s imports %s", name, p)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				t.Errorf("%s: go statement at %s", name, fset.Position(n.Pos()))
			case *ast.SelectorExpr:
				if id, ok := n.X.(*ast.Ident); ok && id.Name == "slog" && !strings.HasSuffix(n.Sel.Name, "Value") && n.Sel.Name != "String" {
					t.Errorf("%s: slog.%s at %s", name, n.Sel.Name, fset.Position(n.Pos()))
				}
			}
			return true
		})
	}
}
