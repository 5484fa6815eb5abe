package classify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// JSON input whose values span lines: read whole, split into its
// top-level values, each classified with the line it begins on.

// documents classifies the JSON values of doc, each answered with the line
// it begins on; derr is why doc ends before its end (at), if it does.
func (o *results) documents(ctx context.Context, c *Classifier, doc []byte, values []jsonValue, at int, derr error) error {
	for _, v := range values {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := o.value(c, lineOf(doc, v.start), doc[v.start:v.end]); err != nil {
			return err
		}
	}
	if derr != nil {
		if err := o.put(Output{Line: lineOf(doc, at), Error: Redact("decode: " + derr.Error())}); err != nil {
			return err
		}
	}
	return flush(o.bw)
}

// jsonValue is where one top-level JSON value lies in a document.
type jsonValue struct{ start, end int }

// splitValues finds the top-level JSON values of doc: all of them, or those
// before the first that does not decode, with the error and its offset.
func splitValues(doc []byte) (values []jsonValue, at int, err error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	for {
		start := int(dec.InputOffset())
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return values, 0, nil
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			begun := start + len(doc[start:]) - len(bytes.TrimLeft(doc[start:], " \t\r\n"))
			last := len(bytes.TrimRight(doc, " \t\r\n")) // the error is at the last line there is
			return values, last, fmt.Errorf("the JSON value begun on line %d is cut short", lineOf(doc, begun))
		}
		if err != nil {
			at := len(doc)
			var se *json.SyntaxError
			if errors.As(err, &se) {
				at = int(se.Offset)
			}
			return values, min(at, len(doc)), err
		}
		end := int(dec.InputOffset())
		values = append(values, jsonValue{start: end - len(raw), end: end})
	}
}

// hasObjectLine reports whether some line of doc is a JSON object by
// itself, as the lines of JSON Lines are and those of a pretty-printed
// document are not.
func hasObjectLine(doc []byte) bool {
	for len(doc) > 0 {
		line := doc
		if i := bytes.IndexByte(doc, '\n'); i >= 0 {
			line, doc = doc[:i], doc[i+1:]
		} else {
			doc = nil
		}
		if l := trimSpace(line); len(l) > 0 && l[0] == '{' && json.Valid(l) {
			return true
		}
	}
	return false
}

// lineOf is the line of doc that offset falls on.
func lineOf(doc []byte, offset int) int {
	return 1 + bytes.Count(doc[:offset], []byte("\n"))
}
