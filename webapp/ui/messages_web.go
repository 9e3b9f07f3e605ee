package ui

// webMessages are the texts of the app's shell that screen readers read
// (ARCH-1, issue 7: every string a person meets, in both languages).
var webMessages = map[string]message{
	"nav.main": {"Main", "主导航"},
}
