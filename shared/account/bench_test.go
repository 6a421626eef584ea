package account_test

import (
	"context"
	"testing"

	"github.com/shelfhq/shelf/shared/account"
	"github.com/shelfhq/shelf/shared/storetest"
)

// What one sign-in costs: an argon2id verify with shelf's parameters.
func BenchmarkVerifyArgon2id(b *testing.B) {
	h, err := account.HashPassword("correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _, _ := account.VerifyPassword(h, "correct horse battery staple"); !ok {
			b.Fatal("no match")
		}
	}
}

// What a console's repeated Basic request costs once its credentials were verified: a read of
// the user and a digest, not argon2id.
func BenchmarkAuthenticatorRemembered(b *testing.B) {
	ctx := context.Background()
	_, db := storetest.Open(b)
	if _, err := account.CreateUser(ctx, db, account.NewUser{Username: "switch", Password: "switch-password"}); err != nil {
		b.Fatal(err)
	}
	a := account.NewAuthenticator(db)
	if _, err := a.Authenticate(ctx, "switch", "switch-password"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := a.Authenticate(ctx, "switch", "switch-password"); err != nil {
			b.Fatal(err)
		}
	}
}
