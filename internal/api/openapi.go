package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"gopkg.in/yaml.v3"
)

// OpenAPIHandler serves the OpenAPI document doc (YAML) as JSON at
// GET /openapi.json. It converts once, at init.
func OpenAPIHandler(doc []byte) (http.Handler, error) {
	var v any
	if err := yaml.Unmarshal(doc, &v); err != nil {
		return nil, fmt.Errorf("parse openapi document: %w", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("openapi document as json: %w", err)
	}
	s := New(nil, nil, nil)
	return s.routes(map[string]http.HandlerFunc{"GET /openapi.json": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(b)
	}}), nil
}
