// Package docs holds the API's OpenAPI document, so binaries serve the same
// file the repository documents. It is written in openapi.yaml; go
// generate writes openapi.json from it, which GET /openapi.json serves as
// it is, and a test keeps the two the same.
package docs

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

//go:generate go run ./gen

// OpenAPI is docs/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

// OpenAPIJSON is docs/openapi.json: the document as JSON.
//
//go:embed openapi.json
var OpenAPIJSON []byte

// JSONOf converts a YAML document to JSON.
func JSONOf(doc []byte) ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(doc, &v); err != nil {
		return nil, fmt.Errorf("parse openapi document: %w", err)
	}
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return nil, fmt.Errorf("openapi document as json: %w", err)
	}
	return append(b, '\n'), nil
}
