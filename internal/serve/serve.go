// Package serve starts an API function: its clients and settings read
// from the environment, the handler made of them served as the function's.
// It is apart from lambdahttp so that a function that needs no clients
// (OpenAPIFunction) links no SDK.
package serve

import (
	"log/slog"
	"net/http"
	"os"

	"github.com/receipts-api/receipts/internal/app"
	"github.com/receipts-api/receipts/internal/lambdahttp"
)

// API serves, as the function's handler, what build makes of the
// function's clients and settings (app.FromEnv); it never returns. A
// function that can't make it logs why and exits, which Lambda reports as
// an init error.
func API(build func(deps *app.Deps) (http.Handler, error)) {
	deps, err := app.FromEnv()
	if err == nil {
		var h http.Handler
		if h, err = build(deps); err == nil {
			lambdahttp.Start(h)
		}
	}
	slog.Error("init", "err", err)
	os.Exit(1)
}
