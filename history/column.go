package history

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A column's encoding, its first byte.
const (
	colConst = iota // one uvarint: every value is the same
	colRuns         // (value, run) uvarint pairs
	colRaw4         // two values per byte (all < 16)
	colRaw8         // one byte per value
	colRaw12        // two values per three bytes (all < 4096)
	colRaw16        // two bytes per value, little endian
)

var errCorrupt = errors.New("corrupt chunk")

// appendColumn appends the shortest encoding of vs to b.
func appendColumn(b []byte, vs []uint16) []byte {
	runs, maxv := 1, vs[0]
	for i := 1; i < len(vs); i++ {
		if vs[i] != vs[i-1] {
			runs++
		}
		maxv = max(maxv, vs[i])
	}
	if runs == 1 {
		return binary.AppendUvarint(append(b, colConst), uint64(vs[0]))
	}
	n := len(vs)
	rawMode, rawSize := colRaw16, 2*n
	switch {
	case maxv < 16:
		rawMode, rawSize = colRaw4, (n+1)/2
	case maxv < 256:
		rawMode, rawSize = colRaw8, n
	case maxv < 4096:
		rawMode, rawSize = colRaw12, (3*n+1)/2
	}
	// A run costs at most 3+1 bytes (a value < 65536, a run < 128).
	runSize := 0
	for i := 0; i < n && runSize <= rawSize; {
		j := i + 1
		for j < n && vs[j] == vs[i] {
			j++
		}
		runSize += uvarintLen(uint64(vs[i])) + uvarintLen(uint64(j-i))
		i = j
	}
	if runSize < rawSize {
		b = append(b, colRuns)
		for i := 0; i < n; {
			j := i + 1
			for j < n && vs[j] == vs[i] {
				j++
			}
			b = binary.AppendUvarint(b, uint64(vs[i]))
			b = binary.AppendUvarint(b, uint64(j-i))
			i = j
		}
		return b
	}
	b = append(b, byte(rawMode))
	switch rawMode {
	case colRaw4:
		for i := 0; i < n; i += 2 {
			v := byte(vs[i])
			if i+1 < n {
				v |= byte(vs[i+1]) << 4
			}
			b = append(b, v)
		}
	case colRaw8:
		for _, v := range vs {
			b = append(b, byte(v))
		}
	case colRaw12:
		for i := 0; i < n; i += 2 {
			v, w := vs[i], uint16(0)
			if i+1 < n {
				w = vs[i+1]
			}
			b = append(b, byte(v), byte(v>>8)|byte(w<<4))
			if i+1 < n {
				b = append(b, byte(w>>4))
			}
		}
	default:
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint16(b, v)
		}
	}
	return b
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// readColumn decodes len(out) values from b into out and returns the rest
// of b.
func readColumn(b []byte, out []uint16) ([]byte, error) {
	if len(b) == 0 {
		return nil, errCorrupt
	}
	mode, b := b[0], b[1:]
	n := len(out)
	switch mode {
	case colConst:
		v, k := binary.Uvarint(b)
		if k <= 0 || v > 0xffff {
			return nil, errCorrupt
		}
		for i := range out {
			out[i] = uint16(v)
		}
		return b[k:], nil
	case colRuns:
		for i := 0; i < n; {
			v, k := binary.Uvarint(b)
			if k <= 0 || v > 0xffff {
				return nil, errCorrupt
			}
			b = b[k:]
			run, k := binary.Uvarint(b)
			if k <= 0 || run == 0 || run > uint64(n-i) {
				return nil, errCorrupt
			}
			b = b[k:]
			for j := 0; j < int(run); j++ {
				out[i+j] = uint16(v)
			}
			i += int(run)
		}
		return b, nil
	case colRaw4:
		size := (n + 1) / 2
		if len(b) < size {
			return nil, errCorrupt
		}
		for i := range out {
			out[i] = uint16(b[i/2]>>(4*(i%2))) & 0xf
		}
		return b[size:], nil
	case colRaw8:
		if len(b) < n {
			return nil, errCorrupt
		}
		for i := range out {
			out[i] = uint16(b[i])
		}
		return b[n:], nil
	case colRaw12:
		size := (3*n + 1) / 2
		if len(b) < size {
			return nil, errCorrupt
		}
		for i := 0; i < n; i += 2 {
			p := b[3*i/2:]
			out[i] = uint16(p[0]) | uint16(p[1]&0xf)<<8
			if i+1 < n {
				out[i+1] = uint16(p[1]>>4) | uint16(p[2])<<4
			}
		}
		return b[size:], nil
	case colRaw16:
		if len(b) < 2*n {
			return nil, errCorrupt
		}
		for i := range out {
			out[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		return b[2*n:], nil
	}
	return nil, fmt.Errorf("%w: column encoding %d", errCorrupt, mode)
}
