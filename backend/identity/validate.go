package identity

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// Limits on sign-up input.
const (
	maxEmailLen          = 254
	minPasswordLen       = 10
	maxPasswordLen       = 256
	maxDisplayNameLen    = 60
	maxConsentVersionLen = 64
)

// signUpInput is a checked and normalised SignUp request.
type signUpInput struct {
	email          string
	password       string
	displayName    string
	roles          []string
	consentVersion string
}

// normaliseEmail trims and lower-cases an email address; accounts are
// looked up by the normalised form.
func normaliseEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// validEmail reports whether email (normalised) is a plain address such as
// "name@example.com": no display name, and a domain with a dot.
func validEmail(email string) bool {
	if len(email) > maxEmailLen {
		return false
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email {
		return false
	}
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return false
	}
	domain := email[at+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") &&
		!strings.HasSuffix(domain, ".") && !strings.ContainsAny(domain, "[]")
}

// validateSignUp checks every field of m and returns all problems at once
// as a *badrequest.Error.
func validateSignUp(m *identityv1.SignUpRequest) (signUpInput, error) {
	var vs badrequest.List
	in := signUpInput{
		email:    normaliseEmail(m.GetEmail()),
		password: m.GetPassword(),
	}

	switch {
	case in.email == "":
		vs.Add("email", "REQUIRED", "Enter your email address.")
	case !validEmail(in.email):
		vs.Add("email", "EMAIL_INVALID", "Enter a valid email address, like name@example.com.")
	}

	switch n := utf8.RuneCountInString(in.password); {
	case n == 0:
		vs.Add("password", "REQUIRED", "Choose a password.")
	case n < minPasswordLen:
		vs.Add("password", "PASSWORD_TOO_SHORT",
			fmt.Sprintf("The password must be at least %d characters long.", minPasswordLen))
	case n > maxPasswordLen:
		vs.Add("password", "TOO_LONG",
			fmt.Sprintf("The password must be at most %d characters long.", maxPasswordLen))
	}

	in.displayName, in.roles, in.consentVersion = checkProfile(&vs, m.GetDisplayName(), m.GetRoles(), m.GetConsentVersion())

	return in, vs.Err()
}

// checkProfile checks what every sign-up asks besides the login method: the
// display name, the roles and the consent version. It adds the problems to
// vs and returns the values trimmed, with role names.
func checkProfile(vs *badrequest.List, displayName string, reqRoles []identityv1.Role, consentVersion string) (string, []string, string) {
	displayName = strings.TrimSpace(displayName)
	consentVersion = strings.TrimSpace(consentVersion)
	switch n := utf8.RuneCountInString(displayName); {
	case n == 0:
		vs.Add("display_name", "REQUIRED", "Enter the name others will see.")
	case n > maxDisplayNameLen:
		vs.Add("display_name", "TOO_LONG",
			fmt.Sprintf("The display name must be at most %d characters long.", maxDisplayNameLen))
	}

	roles, ok := signUpRoles(reqRoles)
	if !ok {
		vs.Add("roles", "ROLE_INVALID", "At sign-up you can only be a client, a provider, or both.")
	}

	switch {
	case consentVersion == "":
		vs.Add("consent_version", "CONSENT_REQUIRED", "You must agree to the privacy notice to sign up.")
	case utf8.RuneCountInString(consentVersion) > maxConsentVersionLen:
		vs.Add("consent_version", "TOO_LONG",
			fmt.Sprintf("The consent version must be at most %d characters long.", maxConsentVersionLen))
	}
	return displayName, roles, consentVersion
}

// signUpRoles turns the requested roles into role names: only client and
// provider may be chosen at sign-up, none means client. ok is false when
// another role was asked for.
func signUpRoles(req []identityv1.Role) (roles []string, ok bool) {
	for _, r := range req {
		var name string
		switch r {
		case identityv1.Role_ROLE_CLIENT:
			name = auth.RoleClient
		case identityv1.Role_ROLE_PROVIDER:
			name = auth.RoleProvider
		default:
			return nil, false
		}
		if !slices.Contains(roles, name) {
			roles = append(roles, name)
		}
	}
	if len(roles) == 0 {
		roles = []string{auth.RoleClient}
	}
	return roles, true
}

// validateLogIn checks that email and password are present; whether they
// are right is decided against the database.
func validateLogIn(m *identityv1.LogInRequest) (email, password string, err error) {
	var vs badrequest.List
	email, password = normaliseEmail(m.GetEmail()), m.GetPassword()
	if email == "" {
		vs.Add("email", "REQUIRED", "Enter your email address.")
	}
	if password == "" {
		vs.Add("password", "REQUIRED", "Enter your password.")
	}
	return email, password, vs.Err()
}

// roleToProto maps a stored role name to the API enum.
func roleToProto(name string) identityv1.Role {
	switch name {
	case auth.RoleClient:
		return identityv1.Role_ROLE_CLIENT
	case auth.RoleProvider:
		return identityv1.Role_ROLE_PROVIDER
	case auth.RoleAdmin:
		return identityv1.Role_ROLE_ADMIN
	case auth.RoleOps:
		return identityv1.Role_ROLE_OPS
	case auth.RoleAuditor:
		return identityv1.Role_ROLE_AUDITOR
	default:
		return identityv1.Role_ROLE_UNSPECIFIED
	}
}
