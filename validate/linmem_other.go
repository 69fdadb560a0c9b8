//go:build !linux

package validate

import "context"

// mappedMemory leaves the linear memories to wazero off Linux (see
// linmem_linux.go).
func mappedMemory(ctx context.Context) (context.Context, func()) { return ctx, func() {} }
