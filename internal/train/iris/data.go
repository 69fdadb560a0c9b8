package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
)

const inputLen = 4

// classes are the species in output order; the model's classNames must match.
var classes = []string{"setosa", "versicolor", "virginica"}

var header = []string{"sepal_length", "sepal_width", "petal_length", "petal_width", "species"}

type sample struct {
	x     [inputLen]float64
	label int
	row   int // 1-based line in the CSV
}

func readCSV(path string) ([]sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseCSV(path, f)
}

func parseCSV(name string, r io.Reader) ([]sample, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(header)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !slices.Equal(head, header) {
		return nil, fmt.Errorf("%s:1: header %q, want %q", name, head, header)
	}
	var out []sample
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		s := sample{row: line, label: slices.Index(classes, rec[4])}
		if s.label < 0 {
			return nil, fmt.Errorf("%s:%d: species %q, want one of %q", name, line, rec[4], classes)
		}
		for i := range s.x {
			if s.x[i], err = strconv.ParseFloat(rec[i], 64); err != nil {
				return nil, fmt.Errorf("%s:%d: column %s: %w", name, line, header[i], err)
			}
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no rows", name)
	}
	return out, nil
}

// split holds out testPer rows of each class, chosen at random, keeping the
// file order within the train and test sets.
func split(data []sample, testPer int, rng *rand.Rand) (train, test []sample, err error) {
	isTest := make([]bool, len(data))
	for c := range classes {
		var idx []int
		for i, s := range data {
			if s.label == c {
				idx = append(idx, i)
			}
		}
		if len(idx) <= testPer {
			return nil, nil, fmt.Errorf("class %s has %d rows, need more than %d to hold out", classes[c], len(idx), testPer)
		}
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for _, i := range idx[:testPer] {
			isTest[i] = true
		}
	}
	for i, s := range data {
		if isTest[i] {
			test = append(test, s)
		} else {
			train = append(train, s)
		}
	}
	return train, test, nil
}
