// Package docs holds the API's OpenAPI document, so binaries serve the same
// file the repository documents.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
