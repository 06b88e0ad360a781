package main

import (
	"errors"
	"testing"
)

func TestSecretsAttachable(t *testing.T) {
	t.Setenv("TOKEN", "value-of-the-token")
	if _, err := secretsAttachable([]string{"id=TOKEN", "id=a,env=TOKEN", "id=b,type=file,src=/dev/null"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"env=TOKEN", "id=a,colour=blue", "TOKEN"} {
		var ue usageError
		if _, err := secretsAttachable([]string{bad}); !errors.As(err, &ue) {
			t.Errorf("--secret %s: %v, want a usage error", bad, err)
		}
	}
}
