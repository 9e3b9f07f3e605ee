// Command webapp is the Talent web app compiled to WebAssembly: it declares
// the pages' routes and, in the browser, starts go-app. Build it with
// `go run ./webapp/cmd/buildweb`, which also hashes and compresses it.
package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/talent-hub/talent/webapp/pages"
)

func main() {
	pages.Register(nil)
	app.RunWhenOnBrowser()
}
