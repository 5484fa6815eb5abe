package classify

import (
	"strings"
)

// ownership holds the configured owners of the resources a failure message
// can name: storage locations, container images and table connectors.
// Whatever is not listed belongs to a tenant.
type ownership struct {
	storage    []string // URI prefixes, s3/s3a/s3n/s3p folded to s3
	registries []string
	connectors map[string]bool
}

func newOwnership(storage, registries, connectors []string) ownership {
	o := ownership{connectors: map[string]bool{}}
	for _, s := range storage {
		if s = strings.TrimSuffix(strings.TrimSpace(s), "*"); s != "" {
			o.storage = append(o.storage, foldStorageScheme(s))
		}
	}
	for _, r := range registries {
		if r = strings.TrimSpace(r); r != "" {
			o.registries = append(o.registries, r)
		}
	}
	for _, c := range connectors {
		if c = strings.ToLower(strings.TrimSpace(c)); c != "" {
			o.connectors[c] = true
		}
	}
	return o
}

// storageSchemes are the file systems Flink checkpoints, savepoints, HA
// metadata and file sinks are written to.
var storageSchemes = map[string]bool{
	"s3": true, "s3a": true, "s3n": true, "s3p": true, "gs": true, "gcs": true,
	"abfs": true, "abfss": true, "wasb": true, "wasbs": true, "adl": true,
	"hdfs": true, "viewfs": true, "oss": true, "cos": true, "cosn": true, "obs": true,
}

// foldStorageScheme writes the S3 scheme variants the same way: s3a://b and
// s3://b are one bucket.
func foldStorageScheme(uri string) string {
	for _, v := range []string{"s3a://", "s3n://", "s3p://"} {
		if strings.HasPrefix(uri, v) {
			return "s3://" + uri[len(v):]
		}
	}
	return uri
}

// storageOwners returns the owners of the storage URIs in text.
func (o *ownership) storageOwners(text string) owner {
	var found owner
	for rest := text; ; {
		i := strings.Index(rest, "://")
		if i < 0 {
			return found
		}
		start := i
		for start > 0 && schemeByte(rest[start-1]) {
			start--
		}
		end := i + 3
		for end < len(rest) && !uriStop(rest[end]) {
			end++
		}
		if storageSchemes[strings.ToLower(rest[start:i])] && end > i+3 {
			found |= o.storageOwner(rest[start:end])
		}
		rest = rest[end:]
	}
}

func (o *ownership) storageOwner(uri string) owner {
	uri = foldStorageScheme(strings.ToLower(uri[:strings.Index(uri, "://")]) + uri[strings.Index(uri, "://"):])
	for _, p := range o.storage {
		if strings.HasPrefix(uri, p) {
			return ownerPlatform
		}
	}
	return ownerTenant
}

func schemeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}

func uriStop(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\'', '"', ',', ';', '(', ')', '[', ']', '<', '>', '`':
		return true
	}
	return false
}

// imageOwners returns the owners of the container images text names the way
// kubelet and the operator do: image "registry/repo:tag".
func (o *ownership) imageOwners(text string) owner {
	var found owner
	for rest := text; ; {
		i := strings.Index(rest, `image "`)
		if i < 0 {
			return found
		}
		rest = rest[i+len(`image "`):]
		end := strings.IndexByte(rest, '"')
		if end <= 0 {
			return found
		}
		found |= o.imageOwner(rest[:end])
		rest = rest[end:]
	}
}

func (o *ownership) imageOwner(image string) owner {
	for _, r := range o.registries {
		if strings.HasPrefix(image, r) && (strings.HasSuffix(r, "/") || len(image) == len(r) || image[len(r)] == '/') {
			return ownerPlatform
		}
	}
	return ownerTenant
}

// connectorOwners returns the owners of the table connectors text names:
// Flink's "Could not find any factory for identifier 'x'" or a table
// option 'connector'='x'.
func (o *ownership) connectorOwners(text string) owner {
	var found owner
	for _, marker := range []string{"identifier '", "'connector'='"} {
		for rest := text; ; {
			i := strings.Index(rest, marker)
			if i < 0 {
				break
			}
			rest = rest[i+len(marker):]
			end := strings.IndexByte(rest, '\'')
			if end <= 0 || end > 128 {
				break
			}
			if o.connectors[strings.ToLower(rest[:end])] {
				found |= ownerPlatform
			} else {
				found |= ownerTenant
			}
			rest = rest[end:]
		}
		if found != ownerNone {
			return found // the factory identifier is the one that failed
		}
	}
	return found
}
