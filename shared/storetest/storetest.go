// Package storetest gives tests a fresh, migrated database on the backend
// under test: a SQLite file by default, or, with SHELF_TEST_BACKEND=postgres,
// a new PostgreSQL database on the server at SHELF_TEST_POSTGRES_URL. The
// same tests thus run on both backends (make test runs both halves).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/shelfhq/shelf/shared/store"
)

// Backend is the backend under test: "sqlite" or "postgres".
func Backend() string {
	if os.Getenv("SHELF_TEST_BACKEND") == "postgres" {
		return "postgres"
	}
	return "sqlite"
}

// Open returns the DSN of a fresh database (for helper processes) and an
// open handle on it, closed (and dropped, on PostgreSQL) at cleanup.
func Open(t testing.TB) (string, *gorm.DB) {
	t.Helper()
	dsn := NewDSN(t)
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatalf("opening test database: %v", err)
	}
	t.Cleanup(func() { _ = store.Close(db) })
	return dsn, db
}

// NewDSN creates an empty database and returns its DSN without opening it.
func NewDSN(t testing.TB) string {
	t.Helper()
	if Backend() == "sqlite" {
		return filepath.Join(t.TempDir(), "shelf.db")
	}
	return NewPostgresDSN(t)
}

// NewPostgresDSN creates an empty PostgreSQL database whatever the backend
// under test (for tests that need both, like copying SQLite to PostgreSQL).
// Without SHELF_TEST_POSTGRES_URL it skips the test, saying so.
func NewPostgresDSN(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("SHELF_TEST_POSTGRES_URL")
	if admin == "" {
		if Backend() == "postgres" {
			t.Fatal("SHELF_TEST_BACKEND=postgres needs SHELF_TEST_POSTGRES_URL")
		}
		t.Skip("needs PostgreSQL: set SHELF_TEST_POSTGRES_URL (make test does when a server is reachable)")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "shelf_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connecting to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating test database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parsing SHELF_TEST_POSTGRES_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Describe names the backend in test logs.
func Describe() string { return fmt.Sprintf("backend=%s", Backend()) }
