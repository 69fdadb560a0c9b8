// Package vocab is the language-identification model's tokenizer in Go: the
// same character vocabulary as the trainer (train/train.py) and the page
// (web/tokenize.js), read from train/vocab.json and train/languages.json.
// The tests use it to run the held-out words natively and to check that the
// page's tokenizer gives the same ids.
package vocab

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxFile bounds every file this package reads.
const maxFile = 1 << 20

// Vocab maps characters to token ids: PAD (0) pads, UNK (1) is any
// character the trainer did not keep, and Chars[i] has id i+2.
type Vocab struct {
	MaxLen int      `json:"max_len"`
	Pad    int      `json:"pad"`
	Unk    int      `json:"unk"`
	Chars  []string `json:"chars"`
	index  map[rune]int64
}

// Language is one class of the model, in logit order.
type Language struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Package string `json:"package"`
	List    string `json:"list"`
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFile {
		return nil, fmt.Errorf("%s is larger than %d bytes; is it the file train.py wrote?", path, maxFile)
	}
	return b, nil
}

// Load reads vocab.json.
func Load(path string) (*Vocab, error) {
	b, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	v := &Vocab{}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if v.MaxLen < 1 || v.MaxLen > 4096 || v.Pad != 0 || v.Unk != 1 {
		return nil, fmt.Errorf("%s: max_len %d, pad %d, unk %d; want max_len 1 to 4096, pad 0, unk 1", path, v.MaxLen, v.Pad, v.Unk)
	}
	v.index = make(map[rune]int64, len(v.Chars))
	for i, c := range v.Chars {
		r := []rune(c)
		if len(r) != 1 {
			return nil, fmt.Errorf("%s: chars[%d] is %q, want one character", path, i, c)
		}
		if _, dup := v.index[r[0]]; dup {
			return nil, fmt.Errorf("%s: chars[%d] %q appears twice", path, i, c)
		}
		v.index[r[0]] = int64(i + 2)
	}
	return v, nil
}

// LoadLanguages reads languages.json.
func LoadLanguages(path string) ([]Language, error) {
	b, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	var ls []Language
	if err := json.Unmarshal(b, &ls); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(ls) < 2 {
		return nil, fmt.Errorf("%s: %d languages, want at least 2", path, len(ls))
	}
	return ls, nil
}

// Encode tokenises text as the trainer does: lower case, one id per
// character (code point), the first MaxLen characters, then PAD. mask is 1
// at characters and 0 at padding. text must be NFC already (the held-out
// words are; the page normalises what is typed).
func (v *Vocab) Encode(text string) (ids, mask []int64) {
	ids = make([]int64, v.MaxLen)
	mask = make([]int64, v.MaxLen)
	i := 0
	for _, r := range strings.ToLower(text) {
		if i == v.MaxLen {
			break
		}
		id, ok := v.index[r]
		if !ok {
			id = int64(v.Unk)
		}
		ids[i], mask[i] = id, 1
		i++
	}
	return ids, mask
}

// Example is one held-out word and its language code.
type Example struct{ Code, Word string }

// LoadHeldOut reads testdata/heldout.txt: "code<TAB>word" lines.
func LoadHeldOut(path string) ([]Example, error) {
	b, err := readBounded(path)
	if err != nil {
		return nil, err
	}
	var ex []Example
	for n, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		code, word, ok := strings.Cut(line, "\t")
		if !ok || code == "" || word == "" {
			return nil, fmt.Errorf("%s:%d: %q is not code<TAB>word", path, n+1, line)
		}
		ex = append(ex, Example{code, word})
	}
	return ex, nil
}
