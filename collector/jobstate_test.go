package collector

import "testing"

func TestFingerprintsBounded(t *testing.T) {
	var f fingerprints
	if !f.add("a") || f.add("a") {
		t.Fatal("add must report a fingerprint once")
	}
	for i := range 3 * maxFingerprints {
		f.add(string(rune('b' + i)))
	}
	if len(f.set) > maxFingerprints || len(f.order) > maxFingerprints {
		t.Fatalf("fingerprints grew to %d entries, limit %d", len(f.set), maxFingerprints)
	}
}
