// Package templates holds the files pwagen writes: project skeletons for
// `pwagen new`, and the runtime JS in loader/: the browser loader and the
// service worker's template.
package templates

// The default project's kernels/ folder is a copy of package kernels.
//go:generate go run copykernels.go
// The icon of projects made from a model is drawn by a program.
//go:generate go run makeicon.go

import (
	"embed"
	"io/fs"
	"sort"
)

// Projects holds one folder per `pwagen new --template` name. Files ending in
// .tmpl are rendered with text/template and lose the suffix.
//
//go:embed all:project
var projects embed.FS

// Loader holds the sources of pwagen.js: loader/pwagen.js and the modules it
// imports, which the packager bundles with the package's configuration baked
// in as __PWAGEN__.
//
//go:embed loader/*.js
var Loader embed.FS

// ServiceWorker is the text/template of sw.js, which package swgen
// renders. It sits beside the loader, whose messages it shares
// (loader/register.js): the runtime JS has one home, templates/loader.
//
//go:embed loader/sw.js.tmpl
var ServiceWorker string

// Lib holds the templates of `pwagen package --lib` beside the loader:
// the service worker piece and the README.
//
//go:embed lib/*.tmpl
var Lib embed.FS

// ImportProject holds the files of a project made by `pwagen new --from`
// beside the generated model: pwagen.toml, README.md and web/. Its go.mod
// and kernels/ come from the default template.
//
//go:embed all:importproject
var importProject embed.FS

// Import returns the files of an imported project.
func Import() fs.FS {
	sub, _ := fs.Sub(importProject, "importproject")
	return sub
}

// ABI returns the default project's model/ folder, whose pwagen_abi.go
// every Go model (hand-written or imported) uses verbatim.
func ABI() fs.FS {
	sub, _ := fs.Sub(projects, "project/default/model")
	return sub
}

// Project returns the files of the named project template.
func Project(name string) (fs.FS, bool) {
	sub, err := fs.Sub(projects, "project/"+name)
	if err != nil {
		return nil, false
	}
	if _, err := fs.Stat(sub, "pwagen.toml.tmpl"); err != nil {
		return nil, false
	}
	return sub, true
}

// Names lists the project templates.
func Names() []string {
	entries, _ := fs.ReadDir(projects, "project")
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}
