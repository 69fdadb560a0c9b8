package config

import (
	"strings"
	"testing"
	"time"
)

// TestBudgetTime: [budget] time is the measured run's time limit, 2m when
// left out, and a bad value is an error at its line.
func TestBudgetTime(t *testing.T) {
	for _, tt := range []struct {
		line string
		want time.Duration
		err  string
	}{
		{"", 2 * time.Minute, ""},
		{`time = "30s"`, 30 * time.Second, ""},
		{`time = "1h30m"`, 90 * time.Minute, ""},
		{`time = "soon"`, 0, `pwagen.toml:13: budget.time: "soon" is not a duration`},
		{`time = "10ms"`, 0, "pwagen.toml:13: budget.time: 10ms is outside 1s..24h"},
		{`time = "48h"`, 0, "48h is outside 1s..24h"},
	} {
		t.Run(tt.line, func(t *testing.T) {
			c, err := Parse("pwagen.toml", []byte(good+tt.line+"\n"))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.TimeLimit != tt.want {
				t.Errorf("TimeLimit = %s, want %s", c.TimeLimit, tt.want)
			}
		})
	}
}
