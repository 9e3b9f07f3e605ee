package pages

import (
	"errors"
	"fmt"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Errors of the browser's WebAuthn API, as catalogue reasons.
var (
	errPasskeyUnsupported = errors.New("PASSKEY_UNSUPPORTED")
	errPasskeyCancelled   = errors.New("PASSKEY_CANCELLED")
)

// passkeyCeremony runs navigator.credentials.create ("create") or .get
// ("get") with options as the service sent them (the WebAuthn JSON form)
// and calls done with the resulting PublicKeyCredential as JSON, ready for
// FinishPasskeyRegistration or FinishStepUp. done runs on the JavaScript
// event loop: callers Dispatch from it.
func passkeyCeremony(method, optionsJSON string, done func(credentialJSON string, err error)) {
	defer func() {
		// A JavaScript exception (e.g. options the browser refuses) panics
		// in syscall/js.
		if r := recover(); r != nil {
			done("", fmt.Errorf("%w: %v", errPasskeyUnsupported, r))
		}
	}()
	w := app.Window()
	pkc := w.Get("PublicKeyCredential")
	parser := "parseCreationOptionsFromJSON"
	if method == "get" {
		parser = "parseRequestOptionsFromJSON"
	}
	if !pkc.Truthy() || !pkc.Get(parser).Truthy() {
		done("", errPasskeyUnsupported)
		return
	}
	jsonObj := w.Get("JSON")
	opts := pkc.Call(parser, jsonObj.Call("parse", optionsJSON))
	arg := w.Get("Object").New()
	arg.Set("publicKey", opts)
	promise := w.Get("navigator").Get("credentials").Call(method, arg)
	var ok, fail app.Func
	release := func() { ok.Release(); fail.Release() }
	ok = app.FuncOf(func(_ app.Value, args []app.Value) any {
		release()
		if len(args) == 0 || !args[0].Truthy() {
			done("", errPasskeyCancelled)
			return nil
		}
		done(jsonObj.Call("stringify", args[0].Call("toJSON")).String(), nil)
		return nil
	})
	fail = app.FuncOf(func(_ app.Value, args []app.Value) any {
		release()
		done("", errPasskeyCancelled)
		return nil
	})
	promise.Call("then", ok, fail)
}
