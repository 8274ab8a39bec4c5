// Package docs holds the API's OpenAPI document, so binaries serve the same
// file the repository documents.
package docs

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// OpenAPI is docs/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

// OpenAPIJSON returns the document as JSON.
func OpenAPIJSON() ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(OpenAPI, &v); err != nil {
		return nil, fmt.Errorf("parse openapi document: %w", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("openapi document as json: %w", err)
	}
	return b, nil
}
