package config

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeSecret(t *testing.T, content string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(file, []byte(content), 0o600))
	return file
}

func TestSecretsComeFromTheirFilesWithoutTheFinalNewline(t *testing.T) {
	t.Parallel()
	token := writeSecret(t, "tok-from-file\n")
	url := writeSecret(t, "postgres://shelf:pw@db:5432/shelf\r\n")
	c, err := Load(ServiceAPI, nil, env(map[string]string{"SHELF_API_TOKEN_FILE": token, "SHELF_DATABASE_URL_FILE": url}))
	require.NoError(t, err)
	require.Equal(t, "tok-from-file", c.APIToken)
	require.Equal(t, "postgres://shelf:pw@db:5432/shelf", c.DatabaseURL)

	c, err = Load(ServiceWorker, []string{"--database-url-file", url}, env(nil))
	require.NoError(t, err)
	require.Equal(t, "postgres://shelf:pw@db:5432/shelf", c.DatabaseURL, "the flag works on every service")
}

func TestASecretAndItsFileTogetherAreRejected(t *testing.T) {
	t.Parallel()
	token := writeSecret(t, "a")
	_, err := Load(ServiceAPI, nil, env(map[string]string{"SHELF_API_TOKEN": "b", "SHELF_API_TOKEN_FILE": token}))
	require.ErrorContains(t, err, "SHELF_API_TOKEN_FILE")
	require.ErrorContains(t, err, "not both")
}

func TestAnUnreadableSecretFileNamesTheVariable(t *testing.T) {
	t.Parallel()
	_, err := Load(ServiceWatcher, nil, env(map[string]string{"SHELF_DATABASE_URL_FILE": "/nonexistent/db-url"}))
	require.ErrorContains(t, err, "SHELF_DATABASE_URL_FILE")
	require.ErrorContains(t, err, "no such file")
}

func TestTheFirstAdminComesFromVariablesOrAPasswordFile(t *testing.T) {
	t.Parallel()
	pw := writeSecret(t, "admin-password\n")
	c, err := Load(ServiceAPI, nil, env(map[string]string{"SHELF_ADMIN_USER": "admin", "SHELF_ADMIN_PASSWORD_FILE": pw}))
	require.NoError(t, err)
	require.Equal(t, "admin", c.AdminUser)
	require.Equal(t, "admin-password", c.AdminPassword)
	var out bytes.Buffer
	slog.New(slog.NewTextHandler(&out, nil)).Info("starting", "config", c)
	require.NotContains(t, out.String(), "admin-password")

	_, err = Load(ServiceAPI, nil, env(map[string]string{"SHELF_ADMIN_USER": "admin"}))
	require.ErrorContains(t, err, "SHELF_ADMIN_PASSWORD")
	_, err = Load(ServiceAPI, nil, env(map[string]string{"SHELF_ADMIN_PASSWORD": "x", "SHELF_ADMIN_PASSWORD_FILE": pw}))
	require.ErrorContains(t, err, "not both")
}

func TestTrustedProxiesAreIPsOrCIDRs(t *testing.T) {
	t.Parallel()
	c, err := Load(ServiceAPI, nil, env(map[string]string{"SHELF_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1,::1"}))
	require.NoError(t, err)
	require.Equal(t, []string{"10.0.0.0/8", "127.0.0.1", "::1"}, c.TrustedProxies)
	_, err = Load(ServiceAPI, nil, env(map[string]string{"SHELF_TRUSTED_PROXIES": "caddy"}))
	require.ErrorContains(t, err, "SHELF_TRUSTED_PROXIES")
}
