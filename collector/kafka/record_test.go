package kafka

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// batch encodes a v2 record batch header (and a few record bytes) the way
// a broker returns it.
func batch(base int64, lastDelta int32, first, maxTS int64, attrs int16) []byte {
	b := kmsg.RecordBatch{
		FirstOffset: base, Magic: 2, Attributes: attrs, LastOffsetDelta: lastDelta,
		FirstTimestamp: first, MaxTimestamp: maxTS, ProducerID: -1, ProducerEpoch: -1, FirstSequence: -1,
		NumRecords: lastDelta + 1, Records: []byte{1, 2, 3, 4},
	}
	raw := b.AppendTo(nil)
	b.Length = int32(len(raw) - 12)
	return b.AppendTo(nil)
}

func TestRecordTime(t *testing.T) {
	const logAppend, control = 0x08, 0x20
	two := append(batch(100, 9, 1000, 1900, 0), batch(110, 4, 5000, 5400, 0)...)
	tests := []struct {
		name     string
		raw      []byte
		offset   int64
		want     int64 // unix ms
		wantSpan time.Duration
		ok       bool
	}{
		{name: "middle of a batch", raw: batch(100, 9, 1000, 1900, 0), offset: 105, want: 1500, wantSpan: 900 * time.Millisecond, ok: true},
		{name: "first record is exact", raw: batch(100, 9, 1000, 1900, 0), offset: 100, want: 1000, ok: true},
		{name: "compacted gap before the batch", raw: batch(100, 9, 1000, 1900, 0), offset: 97, want: 1000, ok: true},
		{name: "log append time", raw: batch(100, 9, 1000, 1900, logAppend), offset: 105, want: 1900, ok: true},
		{name: "second batch", raw: two, offset: 112, want: 5200, wantSpan: 400 * time.Millisecond, ok: true},
		{name: "transaction marker skipped", raw: append(batch(100, 0, 900, 900, control), batch(101, 0, 2000, 2000, 0)...), offset: 100, want: 2000, ok: true},
		{name: "second batch cut short", raw: two[:len(batch(100, 9, 1000, 1900, 0))+20], offset: 112},
		{name: "first batch cut to its header", raw: batch(100, 9, 1000, 1900, 0)[:batchHeaderLen], offset: 105, want: 1500, wantSpan: 900 * time.Millisecond, ok: true},
		{name: "old message format", raw: func() []byte { b := batch(100, 9, 1000, 1900, 0); b[16] = 1; return b }(), offset: 105},
		{name: "no timestamp", raw: batch(100, 9, -1, -1, 0), offset: 105},
		{name: "empty", raw: nil, offset: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := recordTime(tt.raw, tt.offset)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if ok && (got.at.UnixMilli() != tt.want || got.span != tt.wantSpan) {
				t.Errorf("= %d ±%s, want %d ±%s", got.at.UnixMilli(), got.span, tt.want, tt.wantSpan)
			}
		})
	}
}

// FuzzRecordTime: the decoder reads bytes from brokers; it must never
// panic and never claim a negative error bound.
func FuzzRecordTime(f *testing.F) {
	f.Add(batch(100, 9, 1000, 1900, 0), int64(105))
	f.Add(append(batch(100, 0, 900, 900, 0x20), batch(101, 3, 2000, 2300, 0)...), int64(102))
	f.Add([]byte{}, int64(0))
	f.Fuzz(func(t *testing.T, raw []byte, offset int64) {
		got, ok := recordTime(raw, offset)
		if ok && got.span < 0 {
			t.Errorf("negative span %s", got.span)
		}
	})
}
