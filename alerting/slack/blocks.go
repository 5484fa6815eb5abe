package slack

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/flinkslo/flinkslo/alerting/incident"
	"github.com/flinkslo/flinkslo/fleet"
)

// Slack's Block Kit limits (api.slack.com/reference/block-kit/blocks),
// kept well inside: a message over them is refused with invalid_blocks.
const (
	maxHeader  = 150
	maxSection = 2900
	maxField   = 1900
	maxExcerpt = 2500
)

// message is a rendered post: blocks plus the plain text Slack shows in
// notifications and where blocks cannot be shown.
type message struct {
	text      string
	blocks    []slack.Block
	broadcast bool
}

// render builds the post for n: the full context for a new message, a
// short line for a follow-up in the incident's thread. A thread reply that
// changes what people must do (an escalation, a reminder) is also
// broadcast to the channel.
func render(n incident.Notification, threaded bool) message {
	if threaded && n.Action != incident.Trigger {
		return followUp(n)
	}
	return message{text: esc(n.Summary()), blocks: full(n), broadcast: threaded}
}

func followUp(n incident.Notification) message {
	var b strings.Builder
	switch n.Action {
	case incident.Resolve:
		fmt.Fprintf(&b, ":white_check_mark: *Resolved*: %s", esc(n.What()))
	case incident.Remind:
		fmt.Fprintf(&b, ":alarm_clock: *Still open*: %s", esc(n.What()))
	default:
		fmt.Fprintf(&b, "*%s*", esc(n.What()))
	}
	if n.Action != incident.Resolve && n.Reason != "" {
		fmt.Fprintf(&b, "\nLatest: %s", esc(n.Reason))
	}
	if len(n.Health) > 0 && n.Action != incident.Resolve {
		fmt.Fprintf(&b, "\nUnhealthy: %s", esc(strings.Join(n.Health, ", ")))
	}
	blocks := []slack.Block{section(b.String())}
	return message{text: esc(n.What()), blocks: blocks, broadcast: n.Action == incident.Remind}
}

// full is the complete message: what happened, which job and team, the
// classification and why, the hint, links and the excerpt.
func full(n incident.Notification) []slack.Block {
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, trunc(header(n), maxHeader), true, false)),
		section(fmt.Sprintf("*%s* — %s", esc(n.Key.Target()), esc(n.What()))),
		slack.NewSectionBlock(nil, fields(n), nil),
	}
	if n.Reason != "" {
		blocks = append(blocks, section("*Why:* "+esc(n.Reason)))
	}
	if n.Hint != "" {
		blocks = append(blocks, section("*What to do:* "+esc(n.Hint)))
	}
	if n.Excerpt != "" {
		blocks = append(blocks, section("```"+codeSafe(trunc(n.Excerpt, maxExcerpt))+"```"))
	}
	var ctx []string
	for _, l := range n.Links {
		ctx = append(ctx, fmt.Sprintf("<%s|%s>", l.URL, esc(l.Text)))
	}
	if n.Note != "" {
		ctx = append(ctx, ":information_source: "+esc(n.Note))
	}
	ctx = append(ctx, "incident `"+codeSafe(n.Key.String())+"`")
	blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, trunc(strings.Join(ctx, " · "), maxSection), false, false)))
	return blocks
}

func header(n incident.Notification) string {
	route := strings.ToUpper(string(n.Route))
	if n.Action == incident.Resolve {
		return "✅ RESOLVED · " + route + " · " + n.Key.Category
	}
	return emoji(n.Route) + " " + route + " · " + n.Key.Category
}

func emoji(r fleet.Route) string {
	switch r {
	case fleet.Page:
		return "🚨"
	case fleet.Monitor:
		return "👀"
	}
	return "🔧"
}

func fields(n incident.Notification) []*slack.TextBlockObject {
	kv := [][2]string{
		{"Job", code(n.Key.Job)},
		{"Team", esc(n.Team)},
		{"Classification", code(n.Key.Category) + " → " + string(n.Route)},
		{"Rule", code(n.Rule)},
		{"Occurrences", fmt.Sprint(n.Total)},
	}
	if n.Exception != "" {
		kv = append(kv, [2]string{"Exception", code(n.Exception)})
	}
	if n.Culprit != "" {
		// The frame the hint's "top tenant frame" means, and whose it is.
		kv = append(kv, [2]string{"Culprit (" + esc(n.CulpritOwner) + " code)", code(n.Culprit)})
	}
	if len(n.Health) > 0 {
		kv = append(kv, [2]string{"Unhealthy", esc(strings.Join(n.Health, ", "))})
	}
	if n.Escalated {
		kv = append(kv, [2]string{"Escalated", "repeated or terminal"})
	}
	var out []*slack.TextBlockObject
	for _, f := range kv {
		if f[1] == "" || f[1] == "``" {
			continue
		}
		out = append(out, slack.NewTextBlockObject(slack.MarkdownType, trunc("*"+f[0]+"*\n"+f[1], maxField), false, false))
	}
	return out
}

func section(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, trunc(text, maxSection), false, false), nil, nil)
}

// esc escapes the three characters Slack's mrkdwn treats as control
// characters, so that an exception message cannot ping a channel or forge
// a link.
func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + codeSafe(strings.ReplaceAll(s, "`", "'")) + "`"
}

// codeSafe keeps text inside a code span or block: a backtick fence in an
// excerpt would end the block early.
func codeSafe(s string) string {
	return esc(strings.ReplaceAll(s, "```", "'''"))
}

// trunc cuts s to at most n bytes on a character boundary and marks the
// cut (bytes, not runes: Slack's limits count the encoded text).
func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
