package packager

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/pwagen/pwagen/internal/precompress"

	"github.com/pwagen/pwagen/internal/size"
)

// gzipSize is the size of data compressed as a host would serve it.
func gzipSize(data []byte) int64 { return size.Gzip(data) }

// WriteReport prints the files written with raw, gzip and brotli sizes,
// and what a first visit downloads. Weight shards are counted raw: hosts
// do not compress application/octet-stream, and floats barely compress.
// The brotli column is the .br pwagen wrote ([deploy] precompress), or
// the raw size where there is none (images; files it would not shrink).
func (b *Build) WriteReport(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\traw\tgzip\tbrotli\t")
	var raw, gz, br int64
	shards, shardBytes := 0, int64(0)
	var hostFiles, pkgFiles []string
	for _, n := range b.sortedNames() {
		f := b.Files[n]
		if f.Host {
			hostFiles = append(hostFiles, n)
			continue
		}
		if f.Package {
			pkgFiles = append(pkgFiles, n)
			continue
		}
		if f.Src != nil {
			shards++
			shardBytes += f.Size()
			continue
		}
		g := b.gzipSize(f.Data)
		r := f.Size()
		if c, ok := b.Compressed[n+precompress.BrSuffix]; ok {
			r = int64(len(c))
		}
		raw += f.Size()
		gz += g
		br += r
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", n, human(f.Size()), human(g), human(r))
	}
	if shards > 0 {
		fmt.Fprintf(tw, "weights/ (%d shards)\t%s\t%s\t%s\t\n", shards, human(shardBytes), human(shardBytes), human(shardBytes))
	}
	fmt.Fprintf(tw, "first visit\t%s\t%s\t%s\t\n", human(raw+shardBytes), human(gz+shardBytes), human(br+shardBytes))
	tw.Flush()
	if b.Report != nil && b.Report.Quantization != nil {
		fmt.Fprintln(w, b.Report.Quantization.Summary())
	}
	if len(pkgFiles) > 0 {
		fmt.Fprintf(w, "package files (pages do not download them): %s\n", strings.Join(pkgFiles, ", "))
	}
	if len(hostFiles) > 0 {
		fmt.Fprintf(w, "host configs in the package: %s\n", strings.Join(hostFiles, ", "))
	}
	if len(b.Compressed) > 0 {
		fmt.Fprintf(w, "precompressed: %d .br and .gz files beside the compressible ones ([deploy] precompress)\n", len(b.Compressed))
	}
	if len(b.Beside) > 0 {
		fmt.Fprintf(w, "server configs (not published): %s.hosts/ (%d files)\n", b.Out, len(b.Beside))
	}
}

func human(n int64) string { return size.Human(n) }
