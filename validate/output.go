package validate

import "fmt"

// outputKeep is how much of a model's stdout and stderr a measured run
// keeps: the end, where a Go runtime prints why it died.
const outputKeep = 64 << 10

// tailBuffer keeps the last outputKeep bytes written to it and counts the
// rest, so that a model writing gigabytes costs the host 128 KiB at most.
type tailBuffer struct {
	buf   []byte // the last outputKeep to 2*outputKeep bytes
	total uint64 // every byte written
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.total += uint64(len(p))
	if len(p) >= outputKeep {
		t.buf = append(t.buf[:0], p[len(p)-outputKeep:]...)
		return len(p), nil
	}
	if len(t.buf)+len(p) > 2*outputKeep {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)+len(p)-outputKeep:]...)
	}
	t.buf = append(t.buf, p...)
	return len(p), nil
}

// String is what was kept: the last outputKeep bytes.
func (t *tailBuffer) String() string { return string(t.buf[max(0, len(t.buf)-outputKeep):]) }

// dropped is the number of bytes written and not kept.
func (t *tailBuffer) dropped() uint64 { return t.total - uint64(min(len(t.buf), outputKeep)) }

// droppedNote says how much output was not kept, or "" when none was.
func (t *tailBuffer) droppedNote() string {
	if t.dropped() == 0 {
		return ""
	}
	return fmt.Sprintf("the model wrote %s to stdout and stderr; pwagen kept the last %s and dropped %s", human(t.total), human(uint64(outputKeep)), human(t.dropped()))
}
