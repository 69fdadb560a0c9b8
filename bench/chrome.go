package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pwagen/pwagen/internal/browsertest"
)

// browser starts Debian's Chromium headless with a fresh profile, with the
// flags the team's browser tests use. cancel ends it and removes the
// profile.
func browser(ctx context.Context, work string) (context.Context, func(), error) {
	exe := chromiumPath()
	if _, err := os.Stat(exe); err != nil {
		//lint:ignore ST1005 the message starts with a name, Chromium's
		return nil, nil, fmt.Errorf("Chromium not found (%s); install it with apt-get install -y chromium or set PWAGEN_CHROMIUM", exe)
	}
	profile, err := os.MkdirTemp(work, "chromium-")
	if err != nil {
		return nil, nil, err
	}
	opts := browsertest.Options(exe, profile)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tctx, cancelTab := chromedp.NewContext(actx)
	cancel := func() {
		cancelTab()
		cancelAlloc()
		os.RemoveAll(profile)
	}
	if _, err := chromedp.Run(tctx, chromedp.Evaluate[int](`1`)); err != nil {
		cancel()
		return nil, nil, fmt.Errorf("starting Chromium (%s): %w", exe, err)
	}
	return tctx, cancel, nil
}

// eval evaluates a JavaScript expression, awaiting a promise.
func eval[T any](ctx context.Context, expr string) (T, error) {
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return v, fmt.Errorf("evaluating %s: %w", shortJS(expr), err)
	}
	return v, nil
}

// waitFor polls a JavaScript condition until it is truthy; on timeout the
// error carries the value of diag.
func waitFor(ctx context.Context, cond, diag string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf("Promise.resolve(%s).then((v) => !!v)", cond), chromedp.EvalAwaitPromise))
		if err == nil && ok {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](diag))
			return fmt.Errorf("waited %s for %s; page: %s (last error %v)", timeout, shortJS(cond), state, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func navigate(ctx context.Context, url string) error {
	nctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	return chromedp.Do(nctx, chromedp.Navigate(url))
}

func shortJS(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return s
}
