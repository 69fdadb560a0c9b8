package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pwagen/pwagen/internal/shellquote"
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
			err := templates.Scaffold(dir, tmpl)
			var exists *templates.ExistsError
			if errors.As(err, &exists) {
				return usageError("%v. Choose a new folder, such as: pwagen new %s", err, shellquote.Quote(freeSibling(dir)))
			}
			if err != nil {
				return checkFailed(err)
			}
			printNext(c.App.Writer, dir, "")
			return nil
		},
	}
}

// printNext tells what to run after pwagen new made dir.
func printNext(w io.Writer, dir, what string) {
	if what != "" {
		what = " (" + what + ")"
	}
	fmt.Fprintf(w, "created %s%s\nnext:\n  pwagen package %s\n  pwagen serve %s\n", dir, what,
		shellquote.Quote(dir), shellquote.Quote(filepath.Join(dir, "dist")))
}

// freeSibling is a folder beside dir that does not exist, for a new
// project: never one inside dir, which would nest a project in a project.
func freeSibling(dir string) string {
	abs, err := filepath.Abs(dir) // "." has no sibling named after it
	if err != nil {
		return dir + "-2"
	}
	for i := 2; i < 100; i++ {
		p := abs + "-" + strconv.Itoa(i)
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			return relOrAbs(p)
		}
	}
	return relOrAbs(abs + "-new")
}
