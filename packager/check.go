package packager

import (
	"context"
	"errors"
	"time"

	"github.com/pwagen/pwagen/validate"
)

// notForValidate are the stages up to lastForValidate that Validate skips:
// they concern the output folder, which validate never writes.
var notForValidate = map[string]bool{"check output": true, "start precompress": true}

// lastForValidate is the stage after which the validator's report is
// final: the loader carries the measured memory, the shell its final size.
const lastForValidate = "memory figure"

// Validate runs the stages of Run that lead to the model's validation,
// and none that write: `pwagen validate` of a project reports the very
// figures that `pwagen package` reports and checks. A failed check is
// the report's problems, not an error.
func Validate(ctx context.Context, b *Build) (*validate.Report, error) {
	defer b.stopBeside()
	for _, s := range pipeline {
		if notForValidate[s.String()] {
			continue
		}
		start := time.Now()
		err := s.Run(ctx, b)
		if b.StageDone != nil {
			b.StageDone(s.String(), time.Since(start))
		}
		var ce *CheckError
		if errors.As(err, &ce) {
			return ce.Report, nil
		}
		if err != nil {
			return nil, &StageError{Stage: s.String(), Err: err}
		}
		if s.String() == lastForValidate {
			return b.Report, nil
		}
	}
	return nil, errors.New("packager: no stage named " + lastForValidate + " (a pwagen bug)")
}
