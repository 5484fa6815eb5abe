package flinkfake

import (
	"encoding/hex"
	"hash/fnv"
)

// hash64 is a stable hash, so a given seed always builds the same fleet.
func hash64(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return mix64(h.Sum64())
}

// mix64 is the splitmix64 finaliser: it spreads nearby inputs apart.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hexID returns a 32-hex-digit id (a Flink JobID, vertex id or resource
// id) derived from parts.
func hexID(parts ...string) string {
	a := hash64(parts...)
	b := mix64(a ^ 0x9e3779b97f4a7c15)
	var raw [16]byte
	for i := range 8 {
		raw[i] = byte(a >> (8 * i))
		raw[8+i] = byte(b >> (8 * i))
	}
	return hex.EncodeToString(raw[:])
}

// isJobID reports whether s parses as a Flink JobID (32 hex digits).
func isJobID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
