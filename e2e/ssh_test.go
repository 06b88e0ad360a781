package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-build/strata/e2e/testenv"
)

// TestRustSSH: with `ssh: true` and --ssh default, cargo's build script
// reaches the client's SSH agent and lists the key loaded into it (what
// cargo's git fetch over SSH does); without --ssh the build fails.
func TestRustSSH(t *testing.T) {
	t.Parallel()
	testenv.EmulationOff(t)
	env := []string{"SSH_AUTH_SOCK=" + sshAgent(t, "strata-e2e-key")}
	dir := webCrate(t, "ssh: true", agentProbe)
	newBuildScript(t, dir) // what the script prints is the test
	args := append([]string{"build", "--progress=plain", "--platform", "linux/arm64", "--ssh", "default"}, testenv.ZigContext...)
	out := testenv.MustRunEnv(t, env, testenv.StrataCLI(), append(args, "-o", "type=cacheonly", dir)...)
	if !strings.Contains(out, "agent holds 1 key(s): strata-e2e-key") {
		t.Errorf("the build script did not reach the agent:\n%s", testenv.Tail(out, 30))
	}
	newBuildScript(t, dir)
	args = append([]string{"build", "--progress=plain", "--platform", "linux/arm64"}, testenv.ZigContext...)
	if out, err := testenv.Strata(t, append(args, dir)...); err == nil || !strings.Contains(out, `no SSH key "default" forwarded`) {
		t.Errorf("without --ssh the build did not fail on it: %v\n%s", err, testenv.Tail(out, 20))
	}
}

// agentProbe is a build script that asks the SSH agent at SSH_AUTH_SOCK for
// its identities (SSH_AGENTC_REQUEST_IDENTITIES) and prints their comments.
const agentProbe = `use std::io::{Read, Write};
use std::os::unix::net::UnixStream;

fn u32_at(b: &[u8], i: usize) -> usize {
    u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize
}

fn main() {
    let sock = std::env::var("SSH_AUTH_SOCK").expect("SSH_AUTH_SOCK is set");
    let mut s = UnixStream::connect(&sock).expect("the agent socket answers");
    s.write_all(&[0, 0, 0, 1, 11]).unwrap();
    let mut len = [0u8; 4];
    s.read_exact(&mut len).unwrap();
    let mut msg = vec![0u8; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut msg).unwrap();
    assert_eq!(msg[0], 12, "an identities answer");
    let n = u32_at(&msg, 1);
    let (mut i, mut comments) = (5, Vec::new());
    for _ in 0..n {
        i += 4 + u32_at(&msg, i);
        let c = u32_at(&msg, i);
        comments.push(String::from_utf8_lossy(&msg[i + 4..i + 4 + c]).into_owned());
        i += 4 + c;
    }
    assert!(n > 0, "the agent holds a key");
    println!("cargo:warning=agent holds {} key(s): {}", n, comments.join(", "));
}
`

// sshAgent starts an ssh-agent holding a fresh key with the comment given
// and returns its socket.
func sshAgent(t *testing.T, comment string) string {
	t.Helper()
	dir := t.TempDir()
	sock := filepath.Join(dir, "agent.sock")
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := agent.Start(); err != nil {
		t.Fatalf("ssh-agent: %v", err)
	}
	t.Cleanup(func() { agent.Process.Kill(); agent.Wait() })
	for i := 0; i < 50; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	key := filepath.Join(dir, "id")
	testenv.MustRun(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key)
	add := exec.Command("ssh-add", key)
	add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("ssh-add: %v\n%s", err, out)
	}
	return sock
}
