package main

import (
	"bytes"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var templateDir = filepath.Join("..", "..", "..", "templates", "project", "default")

func testConfig() config {
	c := defaultConfig()
	c.data = filepath.Join("testdata", "iris.csv")
	return c
}

// TestCommittedFilesAreReproducible retrains and compares with the files in
// the project template: a change to the trainer or the data that changes
// them must come with the regenerated files (go generate ./internal/train/iris).
func TestCommittedFilesAreReproducible(t *testing.T) {
	res, err := train(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	if pct(res.testCorrect, len(res.test)) < 93 {
		t.Errorf("test accuracy %d/%d, want at least 93%%", res.testCorrect, len(res.test))
	}
	icon, err := drawIcon()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		path string
		want []byte
		// exact: float results depend on the platform's math.Exp and
		// math.Tanh, checked where the files were made (amd64).
		exact bool
	}{
		{weightsPath, res.weights, runtime.GOARCH == "amd64"},
		{testsetPath, res.testset, true},
		{iconPath, icon, true},
	} {
		got, err := os.ReadFile(filepath.Join(templateDir, f.path))
		if err != nil {
			t.Fatal(err)
		}
		if f.exact && !bytes.Equal(got, f.want) {
			t.Errorf("%s differs from a fresh training run (%d bytes against %d); run go generate ./internal/train/iris", f.path, len(got), len(f.want))
		}
	}
}

func TestTrainingIsDeterministic(t *testing.T) {
	a, err := train(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	b, err := train(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.weights, b.weights) {
		t.Error("two runs with the same seed wrote different weights")
	}
	c := testConfig()
	c.seed++
	d, err := train(c)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.weights, d.weights) {
		t.Error("another seed wrote the same weights")
	}
}

func TestSplitIsStratified(t *testing.T) {
	data, err := readCSV(filepath.Join("testdata", "iris.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 150 {
		t.Fatalf("iris.csv has %d rows, want 150", len(data))
	}
	tr, te, err := split(data, 10, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) != 120 || len(te) != 30 {
		t.Fatalf("split %d/%d, want 120/30", len(tr), len(te))
	}
	seen := map[int]bool{}
	perClass := make([]int, len(classes))
	for _, s := range te {
		perClass[s.label]++
		seen[s.row] = true
	}
	for _, s := range tr {
		if seen[s.row] {
			t.Errorf("row %d is in both train and test", s.row)
		}
	}
	for c, n := range perClass {
		if n != 10 {
			t.Errorf("%d test rows of %s, want 10", n, classes[c])
		}
	}
}

func TestParseCSVErrors(t *testing.T) {
	const head = "sepal_length,sepal_width,petal_length,petal_width,species\n"
	for _, tt := range []struct{ name, in, want string }{
		{"empty", "", "x.csv: EOF"},
		{"header", "a,b,c,d,e\n", `x.csv:1: header ["a" "b" "c" "d" "e"]`},
		{"no rows", head, "x.csv: no rows"},
		{"species", head + "1,2,3,4,rose\n", `x.csv:2: species "rose"`},
		{"number", head + "1,2,x,4,setosa\n", "x.csv:2: column petal_length"},
		{"fields", head + "1,2,3,setosa\n", "wrong number of fields"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseCSV("x.csv", strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestIcon(t *testing.T) {
	b, err := drawIcon()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != iconSize || r.Dy() != iconSize {
		t.Fatalf("icon is %v, want %dx%d", r, iconSize, iconSize)
	}
	// Maskable safe zone: outside the centre circle of radius 40% the icon
	// is plain theme colour.
	for y := 0; y < iconSize; y += 4 {
		for x := 0; x < iconSize; x += 4 {
			dx, dy := float64(x-iconSize/2), float64(y-iconSize/2)
			if dx*dx+dy*dy < 0.4*0.4*iconSize*iconSize {
				continue
			}
			r, g, b, a := img.At(x, y).RGBA()
			if r>>8 != uint32(themeColour.R) || g>>8 != uint32(themeColour.G) || b>>8 != uint32(themeColour.B) || a != 0xffff {
				t.Fatalf("pixel (%d, %d) outside the safe zone is not the theme colour", x, y)
			}
		}
	}
}
