package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/user"

	"github.com/talent-hub/talent/backend/identity"
	"github.com/talent-hub/talent/backend/postgres"
)

// grantRole is `talentd grant-role --email E --role R`: an operator with
// database access gives an account a role, for instance the platform's
// first admin (ID-3). The grant is audited as role.grant with the
// operator's name in its detail (SEC-3, docs/identity.md); admins use /admin/users.
func grantRole(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("talentd grant-role", flag.ContinueOnError)
	fs.SetOutput(stdout)
	databaseURL := fs.String("database-url", getenv("TALENT_DATABASE_URL"), "Postgres primary URL [TALENT_DATABASE_URL]")
	email := fs.String("email", "", "the account's email")
	role := fs.String("role", "", "client, provider, admin, ops or auditor")
	operator := fs.String("operator", "", "who makes the change, for the audit log (default: the OS user)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *databaseURL == "" {
		return errors.New("grant-role: --database-url (or TALENT_DATABASE_URL) is required")
	}
	if *email == "" || *role == "" {
		return errors.New("grant-role: --email and --role are required")
	}
	if *operator == "" {
		if u, err := user.Current(); err == nil {
			*operator = u.Username
		}
	}
	db, err := postgres.Open(ctx, *databaseURL, "")
	if err != nil {
		return fmt.Errorf("grant-role: %w", err)
	}
	defer db.Close()
	changed, err := identity.GrantRoleAsOperator(ctx, db.Primary, *email, *role, *operator)
	if err != nil {
		return fmt.Errorf("grant-role: %w", err)
	}
	if !changed {
		fmt.Fprintf(stdout, "%s already has the role %s\n", *email, *role)
		return nil
	}
	fmt.Fprintf(stdout, "granted %s to %s (audited as role.grant, operator %s)\n", *role, *email, *operator)
	return nil
}
