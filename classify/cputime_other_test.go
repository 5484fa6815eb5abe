//go:build !unix

package classify

import "testing"

func reportCPU(_ *testing.B, run func()) { run() }
