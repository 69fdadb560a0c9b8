package packager

import "context"

// validateModel is wired to validate/ as it lands.
func validateModel(ctx context.Context, b *Build) error { return nil }
