package main

import (
	"strings"
	"testing"
	"time"

	"github.com/pwagen/pwagen/bench/fixture"
)

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := medianOf(tt.in); got != tt.want {
			t.Errorf("medianOf(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestSummarizeTakesMedianAndRange(t *testing.T) {
	s := summarize([]sample{{wall: 3 * time.Second, maxRSS: 30}, {wall: time.Second, maxRSS: 10}, {wall: 2 * time.Second, maxRSS: 20}})
	if s.n != 3 || s.wall != 2*time.Second || s.wMin != time.Second || s.wMax != 3*time.Second || s.rss != 20 {
		t.Errorf("summarize = %+v", s)
	}
}

func TestRatio(t *testing.T) {
	for _, tt := range []struct {
		a, b float64
		want string
	}{
		{10, 1, "10×"}, {25, 2, "12×"}, {3, 2, "1.5×"}, {1, 4, "0.25×"}, {1, 0, "–"},
	} {
		if got := ratio(tt.a, tt.b); got != tt.want {
			t.Errorf("ratio(%v, %v) = %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestLinearityVerdict(t *testing.T) {
	mk := func(units int, ms int) scaleCase {
		return scaleCase{spec: fixture.Spec{Assets: units}, pw: stats{wall: time.Duration(ms) * time.Millisecond}}
	}
	units := func(c scaleCase) float64 { return float64(c.spec.Assets) }
	lin := linearity("files", []scaleCase{mk(20, 100), mk(200, 280), mk(2000, 2080)}, units, "file")
	if !strings.Contains(lin, "grows linearly") {
		t.Errorf("1 ms per file throughout is linear; got %q", lin)
	}
	non := linearity("files", []scaleCase{mk(20, 100), mk(200, 280), mk(2000, 9000)}, units, "file")
	if !strings.Contains(non, "more than linearly") {
		t.Errorf("1 then 4.8 ms per file is more than linear; got %q", non)
	}
	less := linearity("files", []scaleCase{mk(20, 100), mk(200, 1000), mk(2000, 2800)}, units, "file")
	if !strings.Contains(less, "less than linearly") {
		t.Errorf("5 then 1 ms per file is less than linear; got %q", less)
	}
	two := linearity("files", []scaleCase{mk(20, 100), mk(200, 280)}, units, "file")
	if !strings.Contains(two, "no verdict") {
		t.Errorf("two points give no verdict; got %q", two)
	}
}

func TestTableAlignsNumbersRight(t *testing.T) {
	got := table([]string{"a", "b"}, [][]string{{"x", "1"}})
	want := "| a | b |\n|---|--:|\n| x | 1 |\n"
	if got != want {
		t.Errorf("table =\n%s\nwant\n%s", got, want)
	}
}

func TestReportNamesEverySectionAndNotMeasured(t *testing.T) {
	r := &report{opts: &options{runs: 5}}
	for _, s := range sections {
		r.add(s, "", nil)
	}
	r.add(sections[0], "partial", errTest("no npm"))
	md := string(r.markdown())
	for _, s := range sections {
		if !strings.Contains(md, "## "+s.title) {
			t.Errorf("report lacks section %q", s.title)
		}
	}
	if !strings.Contains(md, "not measured: no npm") {
		t.Errorf("a failed section must say \"not measured: <reason>\":\n%s", md)
	}
	if strings.Index(md, "## 1.") > strings.Index(md, "## 2.") || strings.Index(md, "## 2.") > strings.Index(md, "## 3.") {
		t.Error("sections are not in the issue's order")
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }
