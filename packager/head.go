package packager

import (
	"bytes"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/html"
)

// headTags finds the page's head with the HTML tokenizer the minifier uses,
// so that a "<head>" in a comment, a script or an attribute value (such as
// <head data-x=">">) is not taken for the tag. open is the offset just
// after the first <head ...> start tag, close the offset of the first
// </head> after it; each is -1 when missing.
func headTags(src []byte) (open, close int) {
	// Without spare capacity, the input appends its NULL to a copy and
	// leaves src alone. in.Offset() is the end of the last token.
	in := parse.NewInputBytes(src[:len(src):len(src)])
	l := html.NewLexer(in)
	open, close = -1, -1
	inHead := false
	for {
		tt, data := l.Next()
		switch tt {
		case html.ErrorToken:
			return open, close
		case html.StartTagToken:
			inHead = open < 0 && bytes.EqualFold(l.Text(), []byte("head"))
		case html.StartTagCloseToken, html.StartTagVoidToken:
			if inHead {
				open, inHead = in.Offset(), false
			}
		case html.EndTagToken:
			if open >= 0 && bytes.EqualFold(l.Text(), []byte("head")) {
				return open, in.Offset() - len(data)
			}
		}
	}
}
