package api

import "net/http"

// OpenAPIHandler serves the OpenAPI document doc (JSON) at
// GET /openapi.json, the function OpenAPIFunction runs.
func OpenAPIHandler(doc []byte) http.Handler {
	return routes(map[string]http.HandlerFunc{"GET /openapi.json": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(doc)
	}})
}
