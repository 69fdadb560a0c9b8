package packager

import "context"

// validateModel and hostConfigs are wired to validate/ and hosts/ as those
// packages land.
func validateModel(ctx context.Context, b *Build) error { return nil }

func hostConfigs(ctx context.Context, b *Build) error { return nil }
