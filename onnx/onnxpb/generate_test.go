package onnxpb

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pwagen/pwagen/internal/ci"
)

// TestGeneratedCodeIsCurrent remakes onnx.pb.go as go:generate does and
// compares: the committed file must be what the committed .proto gives.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds protoc-gen-go")
	}
	if _, err := exec.LookPath("protoc"); err != nil {
		ci.Missing(t, "protoc not found; apt-get install -y protobuf-compiler")
	}
	tmp := t.TempDir()
	plugin := filepath.Join(tmp, "protoc-gen-go")
	if out, err := exec.Command("go", "build", "-o", plugin, "google.golang.org/protobuf/cmd/protoc-gen-go").CombinedOutput(); err != nil {
		t.Fatalf("go build protoc-gen-go: %v\n%s", err, out)
	}
	cmd := exec.Command("protoc", "--plugin=protoc-gen-go="+plugin, "--go_out="+tmp, "--go_opt=paths=source_relative",
		"--go_opt=Monnx.proto=github.com/pwagen/pwagen/onnx/onnxpb", "onnx.proto")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("protoc: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(tmp, "onnx.pb.go"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("onnx.pb.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("onnx.pb.go is not what onnx.proto generates; run go generate ./onnx/onnxpb")
	}
}
