package api

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/shelfhq/shelf/shared/catalog"
	"github.com/shelfhq/shelf/shared/content"
	"github.com/shelfhq/shelf/shared/keys"
	"github.com/shelfhq/shelf/shared/pipeline"
	"github.com/shelfhq/shelf/shared/queue"
)

// keysStatus is what GET /api/keys tells of the keys file: never a key.
type keysStatus struct {
	// Present is true when a keys file is stored.
	Present bool `json:"present"`
	// Valid is true when it parses and holds what identification needs.
	Valid bool `json:"valid"`
	// Error says why it is not valid.
	Error string `json:"error,omitempty"`
	// MasterKeys names the master keys present, e.g. "master_key_0b".
	MasterKeys []string `json:"master_keys"`
	// Missing are the keys files of the library needed that the keys file
	// lacks.
	Missing []catalog.NeededKey `json:"missing"`
}

// keysUpload is the JSON form of PUT /api/keys; the body may also be the
// text of prod.keys itself.
type keysUpload struct {
	Text string `json:"text"`
}

func (s *server) getKeys(c *fiber.Ctx) error {
	st, err := s.keysStatus(c)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// putKeys stores a new keys file and makes the files that content
// identification may now identify better due again (identify_library over
// every library), as a scan does.
func (s *server) putKeys(c *fiber.Ctx) error {
	text := c.Body()
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
		var up keysUpload
		if err := decodeBody(text, &up); err != nil {
			return err
		}
		text = []byte(up.Text)
	}
	if len(bytes.TrimSpace(text)) == 0 {
		return invalidField("text", "the keys file is empty; send the text of prod.keys")
	}
	if _, err := keys.Save(s.opts.DataDir, text); err != nil {
		if errors.Is(err, keys.ErrCorrupt) || errors.Is(err, keys.ErrIncomplete) {
			return invalidField("text", "%s", err.Error())
		}
		return err
	}
	s.log.Info("keys file stored", "path", keys.Path(s.opts.DataDir))
	marked, err := catalog.MarkForReidentification(s.db.WithContext(c.UserContext()), content.MethodCnmt)
	if err != nil {
		return fmt.Errorf("keys saved, but marking files for identification failed: %w", err)
	}
	res, err := s.q.Enqueue(c.UserContext(), queue.NewParams(pipeline.IdentifyLibraryArgs{}))
	if err != nil {
		return fmt.Errorf("keys saved, but enqueueing identify_library failed: %w", err)
	}
	s.log.Info("files to identify again with the new keys", "files", marked, "task_id", res.Task.ID)
	st, err := s.keysStatus(c)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"keys": st, "files_to_identify": marked, "task": res.Task})
}

func (s *server) keysStatus(c *fiber.Ctx) (keysStatus, error) {
	st := keysStatus{MasterKeys: []string{}, Missing: []catalog.NeededKey{}}
	text, err := os.ReadFile(keys.Path(s.opts.DataDir))
	if errors.Is(err, os.ErrNotExist) {
		st.Error = "no keys file: upload prod.keys to identify files by their content"
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("reading the keys file: %w", err)
	}
	st.Present = true
	set, err := keys.Parse(text)
	if err != nil {
		st.Error = err.Error()
	} else {
		st.Valid = true
		for _, gen := range set.MasterKeys() {
			st.MasterKeys = append(st.MasterKeys, keys.MasterKeyName(gen))
		}
	}
	needed, err := catalog.KeysNeeded(s.db.WithContext(c.UserContext()))
	if err != nil {
		return st, err
	}
	for _, k := range needed {
		if set == nil || !set.Has(k.Name) {
			st.Missing = append(st.Missing, k)
		}
	}
	return st, nil
}

func keysStatusSchema() obj {
	return object(obj{
		"present":     boolean(),
		"valid":       boolean(),
		"error":       str(),
		"master_keys": array(str()),
		"missing": array(object(obj{"name": str(), "files": integer(), "example": str()},
			"name", "files", "example")),
	}, "present", "valid", "master_keys", "missing")
}

func keysUploadResultSchema() obj {
	return object(obj{"keys": ref("KeysStatus"), "files_to_identify": integer(), "task": ref("TaskResponse")},
		"keys", "files_to_identify", "task")
}
