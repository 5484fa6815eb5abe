package dashboards

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"github.com/DataDog/datadog-api-client-go/v2/api/datadog"
)

// decodeStrict decodes a Datadog dashboard or monitor into its official
// model and reports everything the model did not understand. The client's
// Unmarshal almost never fails: an unknown widget type or enum value lands
// in an UnparsedObject, a misspelt key in an AdditionalProperties map that
// nothing flags, so both are searched for.
func decodeStrict(b []byte, v any) []string {
	if err := json.Unmarshal(b, v); err != nil {
		return []string{err.Error()}
	}
	var problems []string
	if unparsed, obj := datadog.ContainsUnparsedObject(v); unparsed {
		problems = append(problems, fmt.Sprintf("unparsed object (unknown type or enum value): %v", obj))
	}
	unknownFields(reflect.ValueOf(v), "$", &problems)
	return problems
}

// unknownFields walks v and reports every non-empty AdditionalProperties.
// Unexported fields are walked too: the client's Nullable wrappers keep
// their value in one.
func unknownFields(v reflect.Value, path string, out *[]string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			unknownFields(v.Elem(), path, out)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f, name := v.Field(i), t.Field(i).Name
			if name == "AdditionalProperties" && f.Kind() == reflect.Map && f.Len() > 0 {
				var keys []string
				for _, k := range f.MapKeys() {
					keys = append(keys, k.String())
				}
				sort.Strings(keys)
				*out = append(*out, fmt.Sprintf("%s: unknown fields %v", path, keys))
				continue
			}
			unknownFields(f, path+"."+name, out)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			unknownFields(v.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			unknownFields(v.MapIndex(k), fmt.Sprintf("%s[%v]", path, k), out)
		}
	}
}
