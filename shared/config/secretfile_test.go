package config

import (
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
