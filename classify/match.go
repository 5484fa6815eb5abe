package classify

import (
	"slices"
	"strings"

	"github.com/flinkslo/flinkslo/fleet"
)

// match reports whether every condition of c holds for f. Cheap tests go
// first; regexps run only behind their literal prefilter, and scans of the
// whole failure (owners, stack) last.
func (c *cond) match(f *facts) bool {
	ok, _ := c.matchLink(f)
	return ok
}

// matchLink is match that also returns the link the class and message
// conditions matched (-1 when c has none), the exception a result reports.
// When c holds, what it relied on of frame ownership is added to f.relied;
// when it does not, f.relied is as before (a branch of any that failed, or
// a not block, relies on nothing).
func (c *cond) matchLink(f *facts) (bool, int) {
	before := f.relied
	ok, link := c.eval(f)
	if !ok {
		f.relied = before
		return false, -1
	}
	f.relied.frame = f.relied.frame || c.frame != 0
	f.relied.caller |= c.caller
	return true, link
}

func (c *cond) eval(f *facts) (bool, int) {
	if c.sources != 0 && c.sources&f.srcBit == 0 ||
		len(c.k8sReasons) > 0 && !equalFoldAny(c.k8sReasons, f.in.K8sReason) ||
		len(c.exitCodes) > 0 && !containsInt(c.exitCodes, f.in.ExitCode) ||
		len(c.labels) > 0 && !f.hasLabels(c.labels) ||
		len(c.reasons) > 0 && !anyReason(c.reasons, f.in.Health) ||
		len(c.states) > 0 && !slices.Contains(c.states, f.in.State) {
		return false, -1
	}
	if (c.root != nil || c.rootMsg != nil) && !c.matchRoot(f) {
		return false, -1
	}
	link := -1
	if c.classes != nil || c.message != nil {
		if link = c.findLink(f); link < 0 {
			return false, -1
		}
	}
	if c.k8sMessage != nil && !c.k8sMessage.match(f.in.K8sMessage, f.k8sMessageLits(), &f.budget) ||
		len(c.any) > 0 && !c.matchAny(f) ||
		!c.matchOwners(f) ||
		len(c.stack) > 0 && !f.stackHas(c.stack) ||
		c.not != nil && c.not.match(f) {
		return false, -1
	}
	return true, link
}

func (c *cond) matchOwners(f *facts) bool {
	if c.frame != 0 || c.caller != 0 {
		f.frames()
		if c.frame != 0 && f.thrower&c.frame == 0 || c.caller != 0 && f.callers&c.caller == 0 {
			return false
		}
	}
	return (c.mentions == 0 || f.mentionsOwners()&c.mentions != 0) &&
		(c.storage == 0 || f.storageOwners()&c.storage != 0) &&
		(c.image == 0 || f.imageOwners()&c.image != 0) &&
		(c.connector == 0 || f.connectorOwners()&c.connector != 0)
}

func (c *cond) matchAny(f *facts) bool {
	for _, sub := range c.any {
		if sub.match(f) {
			return true
		}
	}
	return false
}

func (c *cond) matchRoot(f *facts) bool {
	r := f.root()
	if r == nil {
		return false
	}
	if c.root != nil && !c.root.has(r.fqID) && !c.root.has(r.simID) {
		return false
	}
	return c.rootMsg == nil || c.rootMsg.match(r.t.Message, f.linkLits(r), &f.budget)
}

// findLink returns the deepest link whose class is one of c.classes and
// whose message matches c.message (either may be absent), or -1.
func (c *cond) findLink(f *facts) int {
	if c.message != nil && !c.message.mayMatch(f.unionLits()) {
		return -1
	}
	for i := len(f.links) - 1; i >= 0; i-- {
		l := &f.links[i]
		if c.classes != nil && !c.classes.has(l.fqID) && !c.classes.has(l.simID) {
			continue
		}
		if c.message != nil && !c.message.match(l.t.Message, f.linkLits(l), &f.budget) {
			continue
		}
		return i
	}
	return -1
}

func equalFoldAny(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func anyReason(want, have []fleet.Reason) bool {
	for _, r := range have {
		if slices.Contains(want, r) {
			return true
		}
	}
	return false
}
