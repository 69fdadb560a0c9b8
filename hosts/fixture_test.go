package hosts

import "fmt"

// fixtureFiles is a representative package: the stable names, a hashed
// app, style, model, two weight shards and two icons.
var fixtureFiles = []File{
	{"index.html", false},
	{"sw.js", false},
	{"pwagen.js", false},
	{"manifest.webmanifest", false},
	{"app-1a2b3c4d.js", true},
	{"style-5e6f7a8b.css", true},
	{"model-9c0d1e2f.wasm", true},
	{"weights/0123456789abcdef.bin", true},
	{"weights/fedcba9876543210.bin", true},
	{"icons/icon-192-1a1a1a1a.png", true},
	{"icons/icon-512-2b2b2b2b.png", true},
}

// manyFiles is a package with more files than Cloudflare Pages allows
// rules: the fixture, kernels, an esbuild asset, and the user's files
// copied from web/ under their own names: a folder of 120 images, one of
// JSON files, and robots.txt at the top level.
var manyFiles = packageFiles(
	[]File{
		{"kernels/forwarder-3c3c3c3c.wasm", true},
		{"kernels/simd-4d4d4d4d.wasm", true},
		{"assets/logo-ABCD2345.svg", true},
		{"robots.txt", false},
	},
	folder("img/p%03d.png", 120, false),
	folder("data/d%02d.json", 12, false),
)

// packageFiles is the fixture package plus more files.
func packageFiles(more ...[]File) []File {
	files := append([]File(nil), fixtureFiles...)
	for _, m := range more {
		files = append(files, m...)
	}
	return files
}

// folder is n files named by format (with one %d).
func folder(format string, n int, hashed bool) []File {
	files := make([]File, n)
	for i := range files {
		files[i] = File{fmt.Sprintf(format, i), hashed}
	}
	return files
}

// fixtureSpecs are the specs whose output is golden-tested and served.
var fixtureSpecs = []struct {
	name  string
	spec  Spec
	hosts []string
}{
	{"default", Spec{Files: fixtureFiles, Isolation: "none"}, nil},
	{"headers", Spec{Files: fixtureFiles, Isolation: "headers"}, nil}, // all hosts but github-pages
	{"service-worker-threads", Spec{Files: fixtureFiles, Isolation: "service-worker", Threads: true}, nil},
	{"many-files", Spec{Files: manyFiles, Isolation: "headers"}, nil}, // grouped by folder
	{"precompressed", Spec{Files: fixtureFiles, Isolation: "headers", Precompressed: true}, nil},
	{"library", Spec{Files: libraryFiles, Isolation: "none", Library: true}, nil}, // pwagen package --lib
}

// libraryFiles is a library (pwagen package --lib): no page, CORS for all.
var libraryFiles = []File{
	{"index.js", false},
	{"index.d.ts", false},
	{"package.json", false},
	{"README.md", false},
	{"pwagen-sw.js", false},
	{"model-9c0d1e2f.wasm", true},
	{"kernels/simd-4d4d4d4d.wasm", true},
	{"weights/0123456789abcdef.bin", true},
}
