package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
	"unicode"

	"github.com/pwagen/pwagen/templates"
	"github.com/urfave/cli/v2"
)

func init() { commands = append(commands, newCmd) }

func newCmd() *cli.Command {
	return &cli.Command{
		Name:      "new",
		Usage:     "scaffold a project that packages with no edits",
		ArgsUsage: "DIR",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "template", Value: "default", Usage: "project template: " + strings.Join(templates.Names(), ", ")},
			&cli.StringFlag{Name: "from", Usage: "compile this ONNX model into the project's model/ and weights/"},
		}, modelFlags()...),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError("new takes one folder, the project to create: pwagen new DIR (or pwagen new --from MODEL.onnx DIR)")
			}
			dir := c.Args().First()
			if c.String("from") != "" {
				return newFromModel(c, dir)
			}
			tmpl, ok := templates.Project(c.String("template"))
			if !ok {
				return usageError("no template %q; choose one of %s", c.String("template"), strings.Join(templates.Names(), ", "))
			}
			if err := scaffold(dir, tmpl); err != nil {
				return checkFailed(err)
			}
			fmt.Fprintf(c.App.Writer, "created %s\nnext:\n  pwagen package %s\n  pwagen serve %s\n", dir, dir, filepath.Join(dir, "dist"))
			return nil
		},
	}
}

// projectData is what the project templates may use.
type projectData struct {
	Name, ShortName, Module string
}

func dataFor(dir string) projectData {
	base := filepath.Base(filepath.Clean(dir))
	words := strings.FieldsFunc(base, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) == 0 {
		words = []string{"model"}
	}
	name := strings.Join(words, " ")
	name = strings.ToUpper(name[:1]) + name[1:]
	short := []rune(name)
	if len(short) > 12 {
		short = []rune(strings.TrimSpace(string(short[:12])))
	}
	mod := strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(strings.Join(words, "-"), "-"))
	return projectData{Name: name, ShortName: string(short), Module: "example.com/" + mod}
}

// scaffold writes the template into dir, which must not exist or be empty.
// It builds the project beside dir and renames it in, so a failure leaves
// nothing behind.
func scaffold(dir string, tmpl fs.FS) error {
	entries, err := os.ReadDir(dir)
	exists := err == nil
	switch {
	case err == nil && len(entries) > 0:
		return fmt.Errorf("%s exists and is not empty; nothing was changed. Choose a new folder, such as pwagen new %s", dir, filepath.Join(dir, "app"))
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, ".pwagen-new-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	data := dataFor(dir)
	err = fs.WalkDir(tmpl, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(tmpl, p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".tmpl") {
			t, err := template.New(p).Option("missingkey=error").Parse(string(src))
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := t.Execute(&buf, data); err != nil {
				return err
			}
			src, p = buf.Bytes(), strings.TrimSuffix(p, ".tmpl")
		}
		dst := filepath.Join(tmp, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, src, 0o644)
	})
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if exists { // and empty: os.Rename never replaces a folder
		if err := os.Remove(dir); err != nil {
			return err
		}
	}
	return os.Rename(tmp, dir)
}
