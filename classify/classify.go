// Package classify decides who must act on a Flink job failure: the
// platform on-call (page), nobody yet (monitor) or the owning team (notify),
// with a category, a one-line reason and a hint the owner can act on.
//
// A failure (Input) is a Flink exception-history entry, a failed
// checkpoint's message, the operator's status.error or a Kubernetes pod
// signal. The Classifier parses its stack trace once (ParseTrace) and runs
// an ordered list of rules: the embedded default_rules.yaml, whose header
// documents the format, merged with the rules files named in the config.
// Ownership (which storage, images, connectors and Java packages belong to
// the platform) is configuration, because who must act depends on who owns
// what failed. A failure no rule knows is unexpected: it takes
// classify.unknownRoute (page by default) and says so.
//
// Rules files (the embedded default_rules.yaml documents all of this):
//
//	terminal:            # "the job stopped restarting" markers, as conditions
//	  - message: 'recovery is suppressed by'
//	rules:               # ordered; the first whose conditions all hold decides
//	  - id: kafka-topic-authorization
//	    when: {class: TopicAuthorizationException}
//	    route: notify                # page | monitor | notify
//	    category: kafka_topic_authorization
//	    reason: one line: what happened and why it routes here
//	    hint: one line: what the owner should do
//
// Conditions: source, class (anywhere in the cause chain), message (RE2,
// case-insensitive), root, rootMessage, frame and caller (tenant, platform
// or query code), stack (package prefixes), mentions, storage, image,
// connector (platform- or tenant-owned), labels (failure enricher),
// k8sReason, k8sMessage, exitCode, and any/not blocks. A rule with vetoes
// only replaces a later decision of a vetoed route. Files are decoded
// strictly; a user rule with a default rule's id replaces it in place (or
// removes it with disabled: true), other user rules run before the defaults.
//
// Monitor causes escalate to page when the job stopped restarting (the
// rules file's terminal markers), when Input.RecentOccurrences reaches the
// escalation count, or when an Escalator has seen the category that often
// for the job within the window. Notify causes never escalate.
//
// Text that leaves the process goes through Redact first.
package classify
