package frontend

import (
	"context"
	"fmt"

	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/strata-build/strata/spec"
)

// subrequests answers buildx's --call outline and --call targets (and
// `docker buildx bake --list`); a frontend that does not answer them makes
// buildx retry with the Dockerfile frontend, which cannot read a spec.
func subrequests(s *spec.Spec, target string) dockerui.RequestHandler {
	return dockerui.RequestHandler{
		ListTargets: func(context.Context) (*targets.List, error) {
			list := &targets.List{}
			def, _ := s.Target(target)
			for _, n := range s.Targets() {
				list.Targets = append(list.Targets, targets.Target{
					Name:        n,
					Default:     def != nil && def.Name == n,
					Description: describeTarget(s, n),
				})
			}
			return list, nil
		},
		Outline: func(context.Context) (*outline.Outline, error) {
			t, err := s.Target(target)
			if err != nil {
				return nil, err
			}
			o := &outline.Outline{Name: t.Name, Description: describeTarget(s, t.Name)}
			if t.App != nil && t.App.Lang == "go" {
				for _, k := range goProxyArgs {
					o.Args = append(o.Args, outline.Arg{Name: k, Description: "passed to go mod download"})
				}
			}
			return o, nil
		},
	}
}

func describeTarget(s *spec.Spec, name string) string {
	t, err := s.Target(name)
	switch {
	case err != nil:
		return ""
	case t.Function != "":
		return fmt.Sprintf("%s function code package of app %s", t.Function, t.AppName)
	case t.App != nil:
		return fmt.Sprintf("%s app %s, image on %s", t.App.Lang, t.App.Binary, t.App.Image.Base)
	}
	return fmt.Sprintf("function layer for %s, %s", t.Layer.Runtime, t.Layer.Format)
}
