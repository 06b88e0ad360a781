package main

import (
	"strings"

	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/session/sshforward/sshprovider"
)

// secretsAttachable serves --secret id=ID[,src=FILE|,env=VAR] to the build,
// as buildx does: with neither src nor env, the variable named ID.
func secretsAttachable(specs []string) (session.Attachable, error) {
	var srcs []secretsprovider.Source
	for _, s := range specs {
		var src secretsprovider.Source
		for _, kv := range strings.Split(s, ",") {
			k, v, ok := strings.Cut(kv, "=")
			switch {
			case !ok:
				return nil, usagef("--secret %q: expected id=ID[,src=FILE|,env=VAR]", s)
			case k == "id":
				src.ID = v
			case k == "src" || k == "source":
				src.FilePath = v
			case k == "env":
				src.Env = v
			case k == "type":
				// file or env, implied by src or env
			default:
				return nil, usagef("--secret %q: unknown key %q", s, k)
			}
		}
		if src.ID == "" {
			return nil, usagef("--secret %q: missing id", s)
		}
		if src.FilePath == "" && src.Env == "" {
			src.Env = src.ID
		}
		srcs = append(srcs, src)
	}
	store, err := secretsprovider.NewStore(srcs)
	if err != nil {
		return nil, err
	}
	return secretsprovider.NewSecretProvider(store), nil
}

// sshAttachable forwards SSH agents or keys: --ssh default, --ssh ID=PATH[,PATH].
func sshAttachable(specs []string) (session.Attachable, error) {
	var confs []sshprovider.AgentConfig
	for _, s := range specs {
		id, paths, _ := strings.Cut(s, "=")
		c := sshprovider.AgentConfig{ID: id}
		if paths != "" {
			c.Paths = strings.Split(paths, ",")
		}
		confs = append(confs, c)
	}
	return sshprovider.NewSSHAgentProvider(confs)
}
