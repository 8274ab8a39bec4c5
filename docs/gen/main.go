// Command gen writes docs/openapi.json from docs/openapi.yaml, so that
// the function serving the document embeds it ready to send, with no YAML
// to parse at each cold start: go generate ./docs.
package main

import (
	"fmt"
	"os"

	"github.com/receipts-api/receipts/docs"
)

func main() {
	b, err := docs.JSONOf(docs.OpenAPI)
	if err == nil {
		err = os.WriteFile("openapi.json", b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
