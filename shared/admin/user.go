package admin

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/account"
	"github.com/shelfhq/shelf/shared/config"
	"github.com/shelfhq/shelf/shared/service"
	"github.com/shelfhq/shelf/shared/store"
)

// UserCommand manages users from the shell: `shelf-api user add NAME --roles admin`.
const UserCommand = "user"

func userCommand() service.Command {
	var name string
	return service.Command{
		Name:    UserCommand,
		Summary: "add a user: user add NAME --roles admin,shop (the password is read from stdin, or asked for on a terminal)",
		Args: func(args []string) error {
			if len(args) != 2 || args[0] != "add" {
				return errors.New("usage: user add NAME [--roles admin,shop,backup]")
			}
			name = args[1]
			return nil
		},
		Flags: func(fs *flag.FlagSet) func(context.Context, config.Config, io.Writer) error {
			roles := fs.String("roles", "shop", "comma-separated `ROLES` of the new user: admin, shop, backup")
			return func(ctx context.Context, cfg config.Config, out io.Writer) error {
				db, err := openDatabase(ctx, cfg.DatabasePath())
				if err != nil {
					return err
				}
				defer store.Close(db)
				return AddUser(ctx, db, name, strings.Split(*roles, ","), os.Stdin, out)
			}
		},
	}
}

// openDatabase opens the services' database: PostgreSQL, or a SQLite file that must exist.
func openDatabase(ctx context.Context, path string) (*gorm.DB, error) {
	if store.IsPostgresURL(path) {
		return store.Open(ctx, path, store.Options{})
	}
	return openExisting(ctx, path)
}

// AddUser adds a user whose password is read from in: asked for twice, without echo, when in
// is a terminal; else its first line. A password is never an argument, which ps would show.
func AddUser(ctx context.Context, db *gorm.DB, name string, roleNames []string, in io.Reader, out io.Writer) error {
	var clean []string
	for _, r := range roleNames {
		if r = strings.TrimSpace(r); r != "" {
			clean = append(clean, r)
		}
	}
	roles, err := account.NewRoleSet("--roles", clean)
	if err != nil {
		return err
	}
	password, err := readPassword(in, out, name)
	if err != nil {
		return err
	}
	u, err := account.CreateUser(ctx, db, account.NewUser{Username: name, Password: password, Roles: roles})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "added user %s with roles %s\n", u.Username, strings.Join(u.Roles.Names(), ", "))
	return nil
}

func readPassword(in io.Reader, out io.Writer, name string) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(out, "Password for %s: ", name)
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(out)
		if err != nil {
			return "", err
		}
		fmt.Fprint(out, "Again: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(out)
		if err != nil {
			return "", err
		}
		if string(first) != string(second) {
			return "", errors.New("the passwords differ")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on stdin (pipe it in, or run on a terminal to be asked)")
	}
	return line, nil
}
