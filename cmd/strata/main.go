// Command strata builds Strata specs on BuildKit (BUILDKIT_HOST, a buildx
// builder or buildkitd's default socket), running the same frontend code
// in-process that the frontend image runs.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/strata-build/strata/version"
)

// Exit codes, as docker buildx's.
const (
	exitOK          = 0
	exitFailed      = 1 // the build (or the command) failed
	exitUsage       = 2 // a mistake on the command line
	exitInterrupted = 130
)

func main() {
	ctx, stop := interruptible()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	var sig interrupted
	switch {
	case errors.As(context.Cause(ctx), &sig):
		fmt.Fprintf(stderr, "strata: interrupted (%v)\n", sig.sig)
		return sig.code()
	case err == nil:
		return exitOK
	}
	var st exitStatus
	if errors.As(err, &st) {
		return int(st)
	}
	fmt.Fprintf(stderr, "strata: %v\n", err)
	if isUsageError(err) {
		if cmd == nil {
			cmd = root
		}
		fmt.Fprintf(stderr, "See '%s --help'.\n", cmd.CommandPath())
		return exitUsage
	}
	return exitFailed
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "strata",
		Short: "Build Strata specs (strata.yaml) on BuildKit, as docker buildx build does with the frontend image",
		Long: `Build Strata specs (strata.yaml) on BuildKit, as docker buildx build does
with the frontend image: the same frontend runs in-process.

BuildKit is found through --builder NAME, BUILDKIT_HOST, BUILDX_BUILDER,
buildx's current builder (docker buildx use), or buildkitd's default socket
` + defaultHost + `, in this order.`,
		Version:       version.String(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetVersionTemplate("strata {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(buildCommand(), llbCommand(), validateCommand(), schemaCommand())
	for _, c := range root.Commands() {
		c.DisableFlagsInUseLine = true
	}
	return root
}

func buildCommand() *cobra.Command {
	return withBuildFlags(&cobra.Command{
		Use:   "build [OPTIONS] [CONTEXT]",
		Short: "Build a spec's target, like docker buildx build",
		Long: `Build a spec's target, like docker buildx build.

CONTEXT is the build context, a directory (default "."); the spec is
CONTEXT/strata.yaml unless --file names another. Without --output or --push
the result only stays in BuildKit's cache.`,
		Example: `  strata build -o type=local,dest=out .
  strata build --platform linux/amd64,linux/arm64 -t registry.example.com/app:1.0 --push .
  strata build -o - . > rootfs.tar
  strata build --call targets .`,
	}, true, func(cmd *cobra.Command, f *buildFlags) error {
		return build(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
	})
}

func llbCommand() *cobra.Command {
	return withBuildFlags(&cobra.Command{
		Use:   "llb [OPTIONS] [CONTEXT]",
		Short: "Print the LLB graph of a target for one platform, as JSON",
		Long: `Print the LLB graph of a target for one platform, as JSON: what
strata build would solve, through the frontend's convertllb subrequest.`,
		Example: `  strata llb --platform linux/arm64 examples/go-app`,
	}, false, func(cmd *cobra.Command, f *buildFlags) error {
		return printLLB(cmd.Context(), f, cmd.OutOrStdout())
	})
}

// withBuildFlags gives a command the build flags and [CONTEXT], checked
// before it runs.
func withBuildFlags(cmd *cobra.Command, withOutputs bool, run func(*cobra.Command, *buildFlags) error) *cobra.Command {
	var f buildFlags
	cmd.Args = usageArgs(cobra.MaximumNArgs(1))
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := f.parse(args); err != nil {
			return err
		}
		return run(cmd, &f)
	}
	f.register(cmd.Flags(), withOutputs)
	return cmd
}

func validateCommand() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "validate [OPTIONS]",
		Short: "Check a spec and print its targets",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return validate(file, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "strata.yaml", "Name of the spec `FILE`")
	return cmd
}

func schemaCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the spec's JSON Schema",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return schema(cmd.OutOrStdout())
		},
	}
}

// usageError is a mistake on the command line (exit code 2).
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func isUsageError(err error) bool {
	var ue usageError
	if errors.As(err, &ue) {
		return true
	}
	// An unknown command is a plain error of cobra's.
	return strings.HasPrefix(err.Error(), "unknown command ")
}

// usageArgs makes an argument check's errors usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// exitStatus ends the command with this code and no message: --call check
// that found warnings, as buildx.
type exitStatus int

func (s exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(s)) }

// interrupted is the cause of the command's context when a signal
// stopped it.
type interrupted struct{ sig os.Signal }

func (i interrupted) Error() string { return "interrupted by " + i.sig.String() }

// code is 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM.
func (i interrupted) code() int {
	if s, ok := i.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return exitInterrupted
}

// interruptible is a context canceled by the first SIGINT or SIGTERM (the
// build is canceled, its temporary files removed, and strata exits 130 or
// 143); a second one exits at once.
func interruptible() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig, ok := <-ch
		if !ok {
			return
		}
		cancel(interrupted{sig})
		if sig, ok = <-ch; ok {
			os.Exit(interrupted{sig}.code())
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(ch)
		cancel(nil)
	}
}
