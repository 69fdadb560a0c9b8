// Command iris trains the model of pwagen's default project template: a
// 4→16→3 multilayer perceptron on the Iris data set (testdata/iris.csv).
//
// It writes, relative to the repository root:
//
//	templates/project/default/weights/iris.bin         the weights (format in model/model.go)
//	templates/project/default/model/testset_test.go    the 30 held-out rows, for the model's tests
//	templates/project/default/web/icon.png             the source icon (drawn, not trained)
//
// and prints the train and test accuracy. The run is deterministic: the same
// seed gives byte-identical files.
//
// Run it from anywhere in the repository:
//
//	go run ./internal/train/iris
//	go generate ./internal/train/iris
package main

//go:generate go run .

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// config is everything one training run depends on.
type config struct {
	data    string // CSV of the data set
	out     string // project template folder
	seed    uint64
	hidden  int
	epochs  int
	batch   int
	lr      float64
	testPer int // held-out rows per class
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("iris", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", "", "repository root (default: found from the current folder)")
	c := defaultConfig()
	fs.Uint64Var(&c.seed, "seed", c.seed, "random seed for the split, initialisation and batches")
	fs.IntVar(&c.hidden, "hidden", c.hidden, "hidden units")
	fs.IntVar(&c.epochs, "epochs", c.epochs, "training epochs")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *root == "" {
		r, err := findRoot()
		if err != nil {
			fmt.Fprintln(stderr, "iris:", err)
			return 1
		}
		*root = r
	}
	c.data = filepath.Join(*root, "internal", "train", "iris", "testdata", "iris.csv")
	c.out = filepath.Join(*root, "templates", "project", "default")
	res, err := train(c)
	if err != nil {
		fmt.Fprintln(stderr, "iris:", err)
		return 1
	}
	if err := res.write(c.out); err != nil {
		fmt.Fprintln(stderr, "iris:", err)
		return 1
	}
	fmt.Fprintf(stdout, "iris: %d→%d→%d, %d epochs, seed %d\n", inputLen, c.hidden, len(classes), c.epochs, c.seed)
	fmt.Fprintf(stdout, "train accuracy %d/%d (%.1f%%), test accuracy %d/%d (%.1f%%)\n",
		res.trainCorrect, len(res.train), pct(res.trainCorrect, len(res.train)),
		res.testCorrect, len(res.test), pct(res.testCorrect, len(res.test)))
	fmt.Fprintf(stdout, "wrote %s (%d bytes), %s, %s\n", weightsPath, len(res.weights), testsetPath, iconPath)
	return 0
}

func defaultConfig() config {
	return config{seed: 1, hidden: 16, epochs: 300, batch: 16, lr: 0.01, testPer: 10}
}

func pct(n, d int) float64 { return 100 * float64(n) / float64(d) }

// Paths written, relative to the template folder.
var (
	weightsPath = filepath.Join("weights", "iris.bin")
	testsetPath = filepath.Join("model", "testset_test.go")
	iconPath    = filepath.Join("web", "icon.png")
)

func (r *result) write(dir string) error {
	icon, err := drawIcon()
	if err != nil {
		return err
	}
	for _, f := range []struct {
		path string
		data []byte
	}{
		{weightsPath, r.weights},
		{testsetPath, r.testset},
		{iconPath, icon},
	} {
		p := filepath.Join(dir, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// findRoot walks up from the current folder to pwagen's go.mod.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "internal", "train", "iris", "testdata", "iris.csv")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no pwagen repository above %s; run from inside it or pass -root", dir)
		}
	}
}
