package classify

import "strings"

// Frame is one "at …" line of a stack trace, kept as text and split into
// class and method on demand: a classification reads only a few frames.
type Frame string

// Class is the fully qualified class, without the module or class loader
// prefix ("java.base/", "app//").
func (f Frame) Class() string {
	class, _ := f.split()
	return class
}

// Method is the method name.
func (f Frame) Method() string {
	_, method := f.split()
	return method
}

func (f Frame) split() (class, method string) {
	s := string(f)
	if end := strings.IndexByte(s, '('); end >= 0 {
		s = s[:end]
	} else if end := strings.IndexByte(s, ' '); end >= 0 {
		s = s[:end]
	}
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	dot := strings.LastIndexByte(s, '.')
	if dot < 0 {
		return s, ""
	}
	return s[:dot], s[dot+1:]
}
