// Package promexport serves the snapshot on /metrics in the Prometheus
// text format. It is named promexport, not prometheus, so that it can be
// imported beside client_golang's prometheus package without an alias, and
// its directory carries the same name so no importer has to guess it.
package promexport
