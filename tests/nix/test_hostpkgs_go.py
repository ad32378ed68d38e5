"""hostpkgs' go and buildGoModule behave as nixpkgs': the target's
GOOS/GOARCH/GOARM from the package set, `go test` in the check phase of native
builds only, subPackages, a cross build's bin/<GOOS>_<GOARCH> flattened, cgo
programs with the store's loader (not Debian's /lib64 one), vendorHash = null
with vendor/, and vendorHash's download refused offline in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.nix.conftest import Nix

pytestmark = pytest.mark.nix

GO_MOD = "module example.com/tool\n\ngo 1.19\n"
MAIN = """package main

import (
\t"fmt"
\t"os/user"
\t"runtime"
)

var version = "dev"

func main() {
\tu, err := user.LookupId("0")
\tname := "?"
\tif err == nil {
\t\tname = u.Username
\t}
\tfmt.Println(version, runtime.GOARCH, name)
}
"""


def go_tree(nix: Nix, name: str = "src", test: str | None = None) -> None:
    nix.write(f"{name}/go.mod", GO_MOD)
    nix.write(f"{name}/cmd/tool/main.go", MAIN)
    nix.write(f"{name}/cmd/other/main.go", 'package main\n\nfunc main() {}\n')
    if test is not None:
        nix.write(f"{name}/cmd/tool/main_test.go", test)


def package(set_expr: str = "pkgs", extra: str = "") -> str:
    return f"""let pkgs = import <hostpkgs> {{ }}; in
  {set_expr}.buildGoModule {{
    pname = "tool"; version = "1.2";
    src = ./src;
    vendorHash = null;
    subPackages = [ "cmd/tool" ];
    ldflags = [ "-s" "-w" "-X" "main.version=1.2" ];
    {extra}
  }}"""


def test_go_carries_the_targets_settings(nix: Nix) -> None:
    got = nix.eval_json("""let pkgs = import <hostpkgs> { }; g = p: { inherit (p.go) GOOS GOARCH GOARM CGO_ENABLED; }; in {
      native = g pkgs;
      aarch64 = g pkgs.pkgsCross.aarch64-multiplatform;
      armv7l = g pkgs.pkgsCross.armv7l-hf-multiplatform;
      riscv64 = g pkgs.pkgsCross.riscv64;
    }""")
    assert got["native"] == {"GOOS": "linux", "GOARCH": "amd64", "GOARM": "", "CGO_ENABLED": 1}
    assert got["aarch64"]["GOARCH"] == "arm64" and got["riscv64"]["GOARCH"] == "riscv64"
    assert (got["armv7l"]["GOARCH"], got["armv7l"]["GOARM"]) == ("arm", "7")


def test_the_go_of_a_cross_set_defaults_to_its_target(nix: Nix) -> None:
    nix.write("shell.nix", """let pkgs = (import <hostpkgs> { }).pkgsCross.armv7l-hf-multiplatform; in
      pkgs.stdenv.mkDerivation { name = "s"; nativeBuildInputs = [ pkgs.go ]; }""")
    out = nix.shell("shell.nix", "unset GOOS GOARCH GOARM; go env GOOS GOARCH GOARM").stdout.split()
    assert out == ["linux", "arm", "7"]


def test_native_build_tests_installs_the_sub_package_statically(nix: Nix) -> None:
    go_tree(nix, test='package main\n\nimport "testing"\n\nfunc TestVersion(t *testing.T) { if version == "" { t.Fatal() } }\n')
    nix.write("default.nix", package(extra="env.CGO_ENABLED = 0;"))
    (out,) = nix.build("default.nix")
    assert sorted(p.name for p in (out / "bin").iterdir()) == ["tool"]  # not cmd/other
    assert "INTERP" not in nix._run(["readelf", "-l", str(out / "bin/tool")]).stdout
    assert nix._run([str(out / "bin/tool")]).stdout.split()[:2] == ["1.2", "amd64"]
    assert nix.closure(out) == {str(out)}


def test_build_test_binaries_installs_the_test_binary_and_skips_the_check(nix: Nix) -> None:
    """nixos-26.05's buildTestBinaries: `go test -c` into $out/bin, no check phase by default."""
    go_tree(nix, test='package main\n\nimport "testing"\n\nfunc TestVersion(t *testing.T) { t.Log("ran") }\n')
    nix.write("default.nix", package(extra="env.CGO_ENABLED = 0; buildTestBinaries = true;"))
    (out,) = nix.build("default.nix")
    assert sorted(p.name for p in (out / "bin").iterdir()) == ["tool.test"]
    ran = nix._run([str(out / "bin/tool.test"), "-test.v"])
    assert "--- PASS: TestVersion" in ran.stdout


def test_a_failing_go_test_fails_a_native_build_but_not_a_cross_one(nix: Nix) -> None:
    go_tree(nix, test='package main\n\nimport "testing"\n\nfunc TestFails(t *testing.T) { t.Fatal("boom") }\n')
    nix.write("native.nix", package())
    assert "boom" in nix.build_fails("native.nix")
    # nixpkgs runs no check phase when the build machine cannot run the host's programs.
    nix.write("cross.nix", package("pkgs.pkgsCross.aarch64-multiplatform"))
    (out,) = nix.build("cross.nix")
    assert sorted(p.name for p in (out / "bin").iterdir()) == ["tool"]  # bin/linux_arm64/ flattened
    assert "ARM aarch64" in nix._run(["file", "-L", str(out / "bin/tool")]).stdout


def test_cgo_links_the_targets_glibc_with_the_store_loader(nix: Nix) -> None:
    """cgo is on by default (go.CGO_ENABLED = 1, as nixpkgs' go)."""
    go_tree(nix)
    nix.write("default.nix", package())
    (out,) = nix.build("default.nix")
    headers = nix._run(["readelf", "-l", "-d", str(out / "bin/tool")]).stdout
    interpreter = headers.split("program interpreter: ")[1].split("]")[0]
    assert interpreter.startswith("/nix/store/") and interpreter.endswith("/lib/ld-linux-x86-64.so.2")
    glibc = str(Path(interpreter).parent.parent)
    assert f"Library runpath: [{glibc}/lib]" in headers
    assert nix.closure(out) == {str(out), glibc}
    # Only the store: the binary runs where no /lib64 exists, and resolves
    # uid 0 through glibc's NSS from the sandbox's /etc/passwd.
    run = nix._run(["bwrap", "--ro-bind", "/nix", "/nix", "--ro-bind", "/etc/passwd", "/etc/passwd",
                    "--unshare-all", "--die-with-parent", str(out / "bin/tool")])
    assert run.stdout.split() == ["1.2", "amd64", "root"]


def test_cgo_as_a_top_level_argument_still_works_with_a_warning(nix: Nix) -> None:
    go_tree(nix)
    nix.write("default.nix", package(extra="CGO_ENABLED = 1;"))
    proc = nix.build("default.nix", check=False)
    assert proc.returncode == 0, proc.stderr
    assert "specify CGO_ENABLED with env.CGO_ENABLED instead" in proc.stderr
    out = Path(proc.stdout.split()[0])
    assert "interpreter /nix/store/" in nix._run(["file", "-L", str(out / "bin/tool")]).stdout


def test_vendored_dependencies_build_with_vendor_hash_null(nix: Nix) -> None:
    nix.write("src/go.mod", GO_MOD + "\nrequire example.org/dep v0.1.0\n")
    nix.write("src/vendor/modules.txt", "# example.org/dep v0.1.0\n## explicit; go 1.19\nexample.org/dep\n")
    nix.write("src/vendor/example.org/dep/dep.go", 'package dep\n\nconst Word = "vendored"\n')
    nix.write("src/main.go", 'package main\n\nimport (\n\t"fmt"\n\t"example.org/dep"\n)\n\nfunc main() { fmt.Println(dep.Word) }\n')
    nix.write("default.nix", """let pkgs = import <hostpkgs> { }; in
      pkgs.buildGoModule { pname = "tool"; version = "1"; src = ./src; vendorHash = null; }""")
    (out,) = nix.build("default.nix")
    assert nix._run([str(out / "bin/tool")]).stdout == "vendored\n"


def test_vendor_hash_is_a_download_hostpkgs_refuses_in_one_line(nix: Nix) -> None:
    go_tree(nix)
    nix.write("default.nix", package().replace("vendorHash = null;",
                                               'vendorHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";'))
    stderr = nix.build_fails("default.nix")
    assert "vendorHash fetches the Go modules from the network" in stderr
    assert "commit vendor/ with `go mod vendor` and set vendorHash = null" in stderr


def test_a_missing_vendor_hash_is_nixpkgs_error(nix: Nix) -> None:
    go_tree(nix)
    nix.write("default.nix", package().replace("vendorHash = null;", ""))
    proc = nix._run(["nix-instantiate", "-I", f"hostpkgs={Path(__file__).resolve().parents[2] / 'nix/hostpkgs'}",
                     "default.nix"], check=False)
    assert proc.returncode != 0 and "buildGoModule: vendorHash is missing" in proc.stderr
