// Package onnxpb holds the protobuf types of ONNX, generated from onnx.proto.
//
// Only package onnx uses it; importers go through onnx's neutral model API.
// `go generate` remakes onnx.pb.go with Debian's protoc (protobuf-compiler)
// and the protoc-gen-go of the google.golang.org/protobuf version in go.mod.
package onnxpb

//go:generate sh -c "go build -o protoc-gen-go.tmp google.golang.org/protobuf/cmd/protoc-gen-go && protoc --plugin=protoc-gen-go=./protoc-gen-go.tmp --go_out=. --go_opt=paths=source_relative --go_opt=Monnx.proto=github.com/pwagen/pwagen/onnx/onnxpb onnx.proto; s=$?; rm -f protoc-gen-go.tmp; exit $s"
