package hosts

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

// fixtureSpecs are the specs whose output is golden-tested and served.
var fixtureSpecs = []struct {
	name  string
	spec  Spec
	hosts []string
}{
	{"default", Spec{Files: fixtureFiles, Isolation: "none"}, nil},
	{"headers", Spec{Files: fixtureFiles, Isolation: "headers"}, nil}, // all hosts but github-pages
	{"service-worker-threads", Spec{Files: fixtureFiles, Isolation: "service-worker", Threads: true}, nil},
}
