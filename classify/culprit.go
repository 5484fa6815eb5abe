package classify

// reliance is what a decision used of frame ownership: the owner of the
// throwing frame (a frame condition), or an owner among its callers
// (a caller condition, by the owners it accepted).
type reliance struct {
	frame  bool
	caller owner
}

// maxCulprit bounds Decision.Culprit: a frame is one line of a trace.
const maxCulprit = 300

// culprit returns the frame a decision that relied on r is about, and whose
// code it is: the throwing frame for a frame condition, else the first of
// the callers whose owner the caller condition accepted ("the top tenant
// frame" a hint refers to). Nothing when r relied on no frame.
func (f *facts) culprit(r reliance) (frame string, o owner) {
	if !r.frame && r.caller == 0 {
		return "", ownerNone
	}
	f.frames()
	if f.frameLink < 0 {
		return "", ownerNone
	}
	n := 0
	for _, fr := range f.links[f.frameLink].t.Frames {
		o := f.c.pkgs.of(fr.Class())
		if o == ownerRuntime {
			continue
		}
		if r.frame || r.caller&o != 0 {
			return shorten(string(fr), maxCulprit), o
		}
		if n++; n == callerDepth {
			break
		}
	}
	return "", ownerNone
}
