package lint

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/distribution/reference"
	"github.com/strata-build/strata/facts"
	"github.com/strata-build/strata/spec"
)

// Rules are every rule, in the order the README lists them.
var Rules = []*Rule{
	{
		Name:        "UnpinnedBaseImage",
		About:       "image",
		Description: "Base and source images should be pinned by digest: a tag can move, and the same spec then builds another image",
		Fix:         "add the digest: `debian:bookworm-slim@sha256:...` (`docker buildx imagetools inspect debian:bookworm-slim` prints it)",
		check:       unpinnedBaseImage,
	},
	{
		Name:        "GlibcAboveBaseImage",
		About:       "image",
		Description: "A glibc floor above the glibc of the base image's Debian makes a program that cannot start in its own image",
		Fix:         "lower `rust.glibc` / `go.glibc` to at most the base's (bullseye 2.31, bookworm 2.36, trixie 2.41), or take a base of a newer Debian",
		check:       glibcAboveBaseImage,
	},
	{
		Name:        "MissingCargoLock",
		Description: "A Rust app's workspace should commit Cargo.lock: the build runs cargo --locked and fails without it",
		Fix:         "run `cargo generate-lockfile` (or any cargo build) in the app's `path`, commit Cargo.lock, and keep it out of `.dockerignore`",
		check:       missingCargoLock,
	},
	{
		Name:        "UnstrippedFunction",
		About:       "function",
		Description: "A function code package should be stripped: symbols count against the provider's size limits and slow cold starts",
		Fix:         "remove `rust.strip: false`, or put `-s` back into `go.ldflags`",
		check:       unstrippedFunction,
	},
	{
		Name:        "TargetCacheNotExported",
		Description: "rust.target_cache is a cache mount, which --cache-to does not export: a fresh builder that imports a cache starts it empty",
		Fix:         "leave `target_cache` off for CI builds on fresh builders (the dependency step's layer does travel with --cache-to), or keep it on a long-lived builder",
		check:       targetCacheNotExported,
	},
	{
		Name:        "SecretInBuildArg",
		Description: "Build arguments should hold no secrets: they are in the build's graph, cache keys and build history",
		Fix:         "pass it as a BuildKit secret (`--secret id=ID,env=VAR`) read by `rust.secrets` or `go.netrc`, and drop the `--build-arg`",
		check:       secretInBuildArg,
	},
	{
		Name:        "SecretInImageEnv",
		Description: "An image's or a layer's environment should hold no secrets: it is in the image config (or the layer's wrappers) for anyone who pulls it",
		Fix:         "give the value to the program at run time (the platform's secret store, a mounted file), not in `image.env` / `env`",
		check:       secretInImageEnv,
	},
}

// RuleByName looks a rule up by name.
func RuleByName(name string) *Rule {
	for _, r := range Rules {
		if r.Name == name {
			return r
		}
	}
	return nil
}

func unpinnedBaseImage(in *Input) []Warning {
	s := in.Spec
	var out []Warning
	for _, name := range sortedKeys(s.Apps) {
		a, p := s.Apps[name], "apps."+name+".image.base"
		base := a.Image.Base
		switch {
		case base == "scratch":
		case !s.Has(p):
			if base == "" { // a Python app's, named by its version
				base = "python:VERSION-slim-bookworm"
			}
			at := "apps." + name
			if s.Has(at + ".image") {
				at += ".image"
			}
			out = append(out, Warning{Path: at, Detail: fmt.Sprintf(
				"%s: the default base %s is a tag, not a digest: set image.base with @sha256:", p, base)})
		case !digested(base):
			out = append(out, Warning{Path: p, Detail: fmt.Sprintf("%s: base image %s is not pinned by digest", p, base)})
		}
	}
	for _, name := range sortedKeys(s.Layers) {
		l := s.Layers[name]
		if l.Sources == nil {
			continue
		}
		for i, im := range l.Sources.Images {
			if p := fmt.Sprintf("layers.%s.sources.images[%d].ref", name, i); !digested(im.Ref) {
				out = append(out, Warning{Path: p, Detail: fmt.Sprintf("%s: source image %s is not pinned by digest", p, im.Ref)})
			}
		}
	}
	return out
}

// digested tells whether an image reference names a digest.
func digested(ref string) bool {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return false
	}
	_, ok := named.(reference.Digested)
	return ok
}

func glibcAboveBaseImage(in *Input) []Warning {
	s := in.Spec
	var out []Warning
	for _, name := range sortedKeys(s.Apps) {
		a := s.Apps[name]
		var p, floor string
		switch {
		case a.Rust != nil && a.Rust.Libc != "musl":
			p, floor = "apps."+name+".rust.glibc", a.Rust.Glibc
		case a.Go != nil && a.Go.CGO:
			p, floor = "apps."+name+".go.glibc", a.Go.Glibc
		default:
			continue
		}
		suite := DebianSuiteOf(a.Image.Base)
		if !s.Has(p) || suite == "" {
			continue
		}
		f, err := facts.ParseGlibcRelease(floor)
		have, err2 := facts.ParseGlibcRelease(facts.DebianGlibc[suite])
		if err != nil || err2 != nil || !have.Less(f) {
			continue
		}
		out = append(out, Warning{Path: p, Detail: fmt.Sprintf(
			"%s: glibc %s is above %s, the glibc of %s (Debian %s): the program would not start in its image",
			p, floor, have, a.Image.Base, suite)})
	}
	return out
}

// debianTag matches a version tag of the official debian image (12,
// 12-slim, 12.5, 12.5-slim).
var debianTag = regexp.MustCompile(`^(\d+)(\.\d+)*(-|$)`)

// distrolessName matches the name of an image made from a Debian release
// (gcr.io/distroless/cc-debian12).
var distrolessName = regexp.MustCompile(`-debian(\d+)$`)

// DebianSuiteOf is the Debian suite an image reference's name or tag
// tells (debian:bullseye-slim, python:3.11-slim-bookworm, debian:12,
// gcr.io/distroless/cc-debian12), or "" when it tells none. Only the
// reference is read, nothing is resolved.
func DebianSuiteOf(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ""
	}
	if m := distrolessName.FindStringSubmatch(reference.Path(named)); m != nil {
		return suiteOfVersion(m[1])
	}
	tagged, ok := named.(reference.Tagged)
	if !ok {
		return ""
	}
	for _, word := range strings.Split(tagged.Tag(), "-") {
		if slices.Contains(facts.DebianSuites, word) {
			return word
		}
	}
	if reference.FamiliarName(named) == "debian" {
		if m := debianTag.FindStringSubmatch(tagged.Tag()); m != nil {
			return suiteOfVersion(m[1])
		}
	}
	return ""
}

// debianVersions are the suites' release numbers, as the official debian
// image's tags (debian:12-slim) and distroless images' names
// (cc-debian12) give them. Here rather than in package facts, which the
// layer helper compiles: a fact only lint reads would change every
// helper's source, and so every layer's graph.
var debianVersions = map[string]string{"bullseye": "11", "bookworm": "12", "trixie": "13"}

func suiteOfVersion(v string) string {
	for suite, version := range debianVersions {
		if version == v {
			return suite
		}
	}
	return ""
}

// cargoLock is where a Rust app's lock file is: at its workspace root.
func cargoLock(a *spec.App) string { return path.Join(a.Path, "Cargo.lock") }

func missingCargoLock(in *Input) []Warning {
	var out []Warning
	for _, name := range sortedKeys(in.Spec.Apps) {
		a := in.Spec.Apps[name]
		if a.Lang != "rust" {
			continue
		}
		lock := cargoLock(a)
		if exists, known := in.Context[lock]; !known || exists {
			continue
		}
		at := "apps." + name
		if in.Spec.Has(at + ".path") {
			at += ".path"
		}
		out = append(out, Warning{Path: at, Detail: fmt.Sprintf(
			"apps.%s: the build context has no %s (or .dockerignore leaves it out)", name, lock)})
	}
	return out
}

func unstrippedFunction(in *Input) []Warning {
	s := in.Spec
	var out []Warning
	for _, name := range sortedKeys(s.Apps) {
		a := s.Apps[name]
		if len(a.Functions) == 0 {
			continue
		}
		fns := strings.Join(a.Functions, ", ")
		if p := "apps." + name + ".rust.strip"; a.Rust != nil && s.Has(p) && !*a.Rust.Strip {
			out = append(out, Warning{Path: p, Detail: fmt.Sprintf("%s: false, and the app has function code packages (%s)", p, fns)})
		}
		if p := "apps." + name + ".go.ldflags"; a.Go != nil && s.Has(p) && !slices.Contains(strings.Fields(a.Go.Ldflags), "-s") {
			out = append(out, Warning{Path: p, Detail: fmt.Sprintf("%s: %q has no -s, and the app has function code packages (%s)", p, a.Go.Ldflags, fns)})
		}
	}
	return out
}

func targetCacheNotExported(in *Input) []Warning {
	if len(in.CacheImports) == 0 {
		return nil
	}
	s := in.Spec
	var out []Warning
	for _, name := range sortedKeys(s.Apps) {
		a := s.Apps[name]
		if a.Rust == nil || !a.Rust.TargetCache {
			continue
		}
		p := "apps." + name + ".rust.target_cache"
		out = append(out, Warning{Path: p, Detail: fmt.Sprintf(
			"%s: this build imports a cache (--cache-from type=%s), so its builder may be fresh: the target cache then starts from the dependency step's layer, a copy, and gains nothing",
			p, strings.Join(slices.Compact(slices.Sorted(slices.Values(in.CacheImports))), ","))})
	}
	return out
}

// secretWords are the words of a name that make it look like a secret's,
// as BuildKit's SecretsUsedInArgOrEnv has them (a whole word between
// underscores: GITHUB_TOKEN, DB_PASSWORD, api_key); allowWords make it
// look like something else (PUBLIC_KEY, KEY_FILE, TOKEN_VERSION).
var (
	secretName = regexp.MustCompile(`(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)`)
	allowName  = regexp.MustCompile(`(?i)(?:_|^)(?:public|file|version)(?:_|$)`)
)

// URLCredentials matches a URL with a user (and password) in it.
var URLCredentials = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^/@\s,|]+@`)

// LooksSecret tells whether a variable's name looks like a secret's.
func LooksSecret(name string) bool {
	return secretName.MatchString(name) && !allowName.MatchString(name)
}

// secretIn says why name=value looks like a secret, or "". The value is
// never part of it.
func secretIn(name, value string) string {
	switch {
	case LooksSecret(name):
		return "its name looks like a secret's"
	case URLCredentials.MatchString(value):
		return "its value holds a URL with user:password@"
	}
	return ""
}

func secretInBuildArg(in *Input) []Warning {
	var out []Warning
	for _, k := range sortedKeys(in.BuildArgs) {
		if strings.HasPrefix(k, "BUILDKIT_") {
			continue
		}
		if why := secretIn(k, in.BuildArgs[k]); why != "" {
			out = append(out, Warning{Detail: fmt.Sprintf("build arg %s: %s", k, why)})
		}
	}
	return out
}

func secretInImageEnv(in *Input) []Warning {
	s := in.Spec
	var out []Warning
	check := func(p string, env map[string]string) {
		for _, k := range sortedKeys(env) {
			if why := secretIn(k, env[k]); why != "" {
				out = append(out, Warning{Path: p + "." + k, Detail: fmt.Sprintf("%s.%s: %s", p, k, why)})
			}
		}
	}
	for _, name := range sortedKeys(s.Apps) {
		check("apps."+name+".image.env", s.Apps[name].Image.Env)
	}
	for _, name := range sortedKeys(s.Layers) {
		check("layers."+name+".env", s.Layers[name].Env)
	}
	return out
}
