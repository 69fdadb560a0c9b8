package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// checkPaths makes sure that every path the config names (app.web,
// app.icon, model.weights, model.package, model.wasm) resolves inside the project
// folder, after symlinks: pwagen publishes or builds what they name. The
// weights may come from elsewhere through Weights (--weights), which the
// user names on the command line.
func (c *Config) checkPaths(o options) error {
	root, err := filepath.EvalSymlinks(c.Dir)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Dir, err)
	}
	name := filepath.Base(c.File)
	for _, k := range []struct{ key, value string }{
		{"app.web", c.App.Web},
		{"app.icon", c.App.Icon},
		{"model.weights", c.Model.Weights},
		{"model.package", c.Model.Package},
		{"model.wasm", c.Model.Wasm},
	} {
		if k.value == "" { // model.wasm is optional
			continue
		}
		if k.key == "model.weights" && o.weights != "" {
			continue
		}
		real, err := resolve(c.Rel(k.value))
		if err != nil {
			return &Error{File: name, Line: c.lines[k.key], Key: k.key, Msg: fmt.Sprintf("%s: %q: %v", k.key, k.value, err)}
		}
		if inside(root, real) {
			continue
		}
		msg := fmt.Sprintf("%s: %q resolves to %s, outside the project folder %s; pwagen builds and publishes what this key names, so it must be inside the project", k.key, k.value, real, root)
		if k.key == "model.weights" {
			msg += ". Move the weights into the project, or name weights kept elsewhere on the command line: pwagen package --weights PATH (or pwagen validate --weights PATH)"
		} else {
			msg += "; move it into the project and give its path relative to " + FileName
		}
		return &Error{File: name, Line: c.lines[k.key], Key: k.key, Msg: msg}
	}
	if o.weights != "" {
		w, err := filepath.Abs(o.weights)
		if err != nil {
			return err
		}
		c.Model.Weights, c.weightsFlag = w, true
	}
	return nil
}

// resolve returns p with every symlink of its longest existing prefix
// resolved, and the rest (which does not exist yet) appended.
func resolve(p string) (string, error) {
	p = filepath.Clean(p)
	var rest []string
	for {
		real, err := filepath.EvalSymlinks(p)
		if err == nil {
			return filepath.Join(append([]string{real}, rest...)...), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(p)
		if parent == p {
			return "", err
		}
		// A dangling symlink: where does it point?
		if t, lerr := os.Readlink(p); lerr == nil {
			if !filepath.IsAbs(t) {
				t = filepath.Join(parent, t)
			}
			if len(rest) < 40 { // bounded, against symlink loops
				return resolve(filepath.Join(append([]string{t}, rest...)...))
			}
		}
		rest = append([]string{filepath.Base(p)}, rest...)
		p = parent
	}
}

// inside tells whether p is root or below it.
func inside(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// Inside tells whether the path p, after symlinks, is inside the folder
// root (itself resolved), and returns where p leads.
func Inside(root, p string) (real string, ok bool, err error) {
	r, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", false, err
	}
	if real, err = resolve(p); err != nil {
		return "", false, err
	}
	return real, inside(r, real), nil
}

// CheckWeights tells whether the weights file exists. Its
// error names the line of model.weights in the config (or --weights, when
// the weights come from the command line) and what to do.
func (c *Config) CheckWeights() error {
	p := c.Rel(c.Model.Weights)
	_, err := os.Stat(p)
	var msg string
	switch {
	case errors.Is(err, fs.ErrNotExist):
		msg = fmt.Sprintf("%s does not exist; train the model or fix the path", p)
	default: // what the file is, and its size, its reader checks
		return nil
	}
	if c.weightsFlag {
		return fmt.Errorf("--weights: %s", msg)
	}
	return &Error{File: filepath.Base(c.File), Line: c.lines["model.weights"], Key: "model.weights", Msg: "model.weights: " + msg}
}
