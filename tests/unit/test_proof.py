"""The closure proof on crafted images: programs built here with gcc and
aarch64-linux-gnu-gcc, the host's C library copied into store paths. Each
verdict is checked against reality: the image is unpacked and its entrypoint
started under bwrap (qemu-user for aarch64) — an accepted image runs, a refused
one fails to start for the reason the proof gave."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from nixbuild import elf, imagefs, platforms, proof
from nixbuild.errors import EXIT_PROOF
from nixbuild.image import read_docker_archive
from tests.craft import AARCH64, ARMHF, X86_64, Rootfs, compile_c, linked, store, write_archive

HELLO = '#include <stdio.h>\nint main(void) { puts("hello from the image"); return 0; }\n'
GREET_LIB = 'const char *greeting(void) { return "hello from libgreet"; }\n'
GREET_MAIN = ('#include <stdio.h>\nconst char *greeting(void);\n'
              'int main(void) { puts(greeting()); return 0; }\n')
APP = store("app-1.0-bin")


def start(archive: Path, work: Path, argv: list[str], qemu: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run argv in the unpacked image under bwrap, isolated, as 65532:65532."""
    rootfs = work / "rootfs"
    rootfs.mkdir(parents=True)
    imagefs.unpack(archive, rootfs)
    args = ["bwrap", "--bind", str(rootfs), "/", "--proc", "/proc", "--dev", "/dev", "--unshare-all",
            "--die-with-parent", "--clearenv", "--unshare-user", "--uid", "65532", "--gid", "65532"]
    if qemu:
        host = shutil.which(qemu)
        assert host, f"{qemu} is missing (scripts/setup.sh installs qemu-user-static)"
        args += ["--ro-bind", host, "/qemu"]
        argv = ["/qemu", *argv]
    return subprocess.run([*args, *argv], capture_output=True, text=True, timeout=60)


def image(tmp_path: Path, rootfs: Rootfs, entrypoint: str, arch: str = "amd64") -> Path:
    rootfs.config.update({"Entrypoint": [entrypoint], "Env": ["PATH=/bin"], "User": "65532:65532"})
    return write_archive(rootfs, tmp_path / "image.tar", architecture=arch)


def prove(archive: Path, target: str = "x86_64-linux", outputs: tuple[str, ...] = (APP,)) -> proof.Proof:
    config = read_docker_archive(archive).config
    return proof.prove(imagefs.ImageTree.read(archive), platform=platforms.get(target), outputs=outputs, config=config)


def refused(archive: Path, target: str = "x86_64-linux", outputs: tuple[str, ...] = (APP,)) -> proof.ProofError:
    with pytest.raises(proof.ProofError) as caught:
        prove(archive, target, outputs)
    assert caught.value.exit_code == EXIT_PROOF == 8
    assert "\n" not in caught.value.message and "\n" not in (caught.value.hint or "")
    return caught.value


@pytest.fixture
def root(tmp_path: Path) -> Rootfs:
    return Rootfs(tmp_path / "tree")


def test_a_complete_program_is_accepted_and_runs(tmp_path: Path, root: Rootfs) -> None:
    libc = root.libc(X86_64)
    root.add(f"{APP}/bin/hello", compile_c(X86_64, HELLO, tmp_path / "b/hello", *linked(X86_64, libc)))
    root.link("/bin", f"{APP}/bin")
    archive = image(tmp_path, root, "/bin/hello")
    result = prove(archive)
    assert result.entrypoint == f"{APP}/bin/hello"
    (checked,) = result.files
    assert checked.interpreter == f"{libc}/ld-linux-x86-64.so.2"
    assert dict(checked.libraries) == {"libc.so.6": f"{libc}/libc.so.6"}
    ran = start(archive, tmp_path, ["/bin/hello"])
    assert (ran.returncode, ran.stdout) == (0, "hello from the image\n"), ran.stderr


def test_a_program_for_another_cpu_is_refused_with_the_host_compiler_hint(tmp_path: Path, root: Rootfs) -> None:
    # A Makefile that hard-codes gcc, in an aarch64 build: an x86-64 program in an arm64 image.
    libc = root.libc(AARCH64)
    root.add(f"{APP}/bin/hello", compile_c(X86_64, HELLO, tmp_path / "b/hello", *linked(X86_64, libc)))
    archive = image(tmp_path, root, f"{APP}/bin/hello", arch="arm64")
    error = refused(archive, "aarch64-linux")
    assert error.message == ("the image would not start: app-1.0-bin/bin/hello: is an ELF binary for x86_64 (64-bit), "
                             "but the image is for aarch64-linux")
    assert error.hint is not None and "the build used the host compiler — use `$CC`" in error.hint
    ran = start(archive, tmp_path, [f"{APP}/bin/hello"], qemu=AARCH64.qemu)
    assert ran.returncode != 0  # qemu-aarch64 cannot run it either


def test_a_32_bit_arm_program_in_an_aarch64_image_is_refused(tmp_path: Path, root: Rootfs) -> None:
    root.add(f"{APP}/bin/hello", compile_c(ARMHF, HELLO, tmp_path / "b/h", "-static"))
    error = refused(image(tmp_path, root, f"{APP}/bin/hello", arch="arm64"), "aarch64-linux")
    assert "is an ELF binary for arm (32-bit), but the image is for aarch64-linux" in error.message


def test_a_missing_interpreter_is_refused(tmp_path: Path, root: Rootfs) -> None:
    # Linked by the host's gcc without nixbuild's shell: /lib64/ld-linux-x86-64.so.2.
    root.libc(X86_64)
    root.add(f"{APP}/bin/hello", compile_c(X86_64, HELLO, tmp_path / "b/hello"))
    archive = image(tmp_path, root, f"{APP}/bin/hello")
    error = refused(archive)
    assert error.message == ("the image would not start: app-1.0-bin/bin/hello: needs the interpreter "
                             "/lib64/ld-linux-x86-64.so.2, which is not in the image")
    assert "the build used the host compiler" in (error.hint or "")
    ran = start(archive, tmp_path, [f"{APP}/bin/hello"])
    assert ran.returncode != 0 and "No such file or directory" in ran.stderr


def test_an_unresolvable_needed_library_is_refused(tmp_path: Path, root: Rootfs) -> None:
    libc = root.libc(X86_64)
    lib = compile_c(X86_64, GREET_LIB, tmp_path / "b/libgreet.so", "-shared", "-fPIC", "-Wl,-soname,libgreet.so")
    program = compile_c(X86_64, GREET_MAIN, tmp_path / "b/greet", f"-L{lib.parent}", "-lgreet",
                        *linked(X86_64, libc))
    root.add(f"{APP}/bin/greet", program)
    archive = image(tmp_path, root, f"{APP}/bin/greet")
    error = refused(archive)
    assert error.message.startswith("the image would not start: app-1.0-bin/bin/greet: needs libgreet.so, which "
                                    "is not in the image (searched: ")
    assert "[package] inputs" in (error.hint or "") and "[image] extra" in (error.hint or "")
    ran = start(archive, tmp_path, [f"{APP}/bin/greet"])
    assert ran.returncode != 0 and "libgreet.so: cannot open shared object file" in ran.stderr


def test_a_library_left_in_the_build_tree_is_named(tmp_path: Path, root: Rootfs) -> None:
    libc = root.libc(X86_64)
    build = tmp_path / "project" / "build"
    lib = compile_c(X86_64, GREET_LIB, build / "libgreet.so", "-shared", "-fPIC")
    program = compile_c(X86_64, GREET_MAIN, tmp_path / "b/greet", f"-L{build}", "-lgreet",
                        *linked(X86_64, libc, str(lib.parent)))
    root.add(f"{APP}/bin/greet", program)
    error = refused(image(tmp_path, root, f"{APP}/bin/greet"))
    assert f"its RUNPATH {build} is outside the image (the library stayed in the build tree)" in error.message
    assert "[package] artifact" in (error.hint or "")


def test_origin_runpath_resolves_inside_the_image_and_runs(tmp_path: Path, root: Rootfs) -> None:
    libc = root.libc(X86_64)
    lib = compile_c(X86_64, GREET_LIB, tmp_path / "b/libgreet.so", "-shared", "-fPIC", "-Wl,-soname,libgreet.so")
    program = compile_c(X86_64, GREET_MAIN, tmp_path / "b/greet", f"-L{lib.parent}", "-lgreet",
                        *linked(X86_64, libc, "$ORIGIN/../lib"))
    root.add(f"{APP}/bin/greet", program)
    root.add(f"{APP}/lib/libgreet.so", lib)
    root.link("/bin", f"{APP}/bin")
    archive = image(tmp_path, root, "/bin/greet")
    checked = {c.path: c for c in prove(archive).files}
    assert dict(checked[f"{APP}/bin/greet"].libraries)["libgreet.so"] == f"{APP}/lib/libgreet.so"
    assert f"{APP}/lib/libgreet.so" in checked  # the library itself is checked too
    ran = start(archive, tmp_path, ["/bin/greet"])
    assert (ran.returncode, ran.stdout) == (0, "hello from libgreet\n"), ran.stderr


def test_origin_runpath_to_the_wrong_directory_is_refused(tmp_path: Path, root: Rootfs) -> None:
    libc = root.libc(X86_64)
    lib = compile_c(X86_64, GREET_LIB, tmp_path / "b/libgreet.so", "-shared", "-fPIC", "-Wl,-soname,libgreet.so")
    program = compile_c(X86_64, GREET_MAIN, tmp_path / "b/greet", f"-L{lib.parent}", "-lgreet",
                        *linked(X86_64, libc, "$ORIGIN/../lib64"))
    root.add(f"{APP}/bin/greet", program)
    root.add(f"{APP}/lib/libgreet.so", lib)
    archive = image(tmp_path, root, f"{APP}/bin/greet")
    error = refused(archive)
    assert "needs libgreet.so, which is not in the image (searched: app-1.0-bin/lib64, " in error.message
    ran = start(archive, tmp_path, [f"{APP}/bin/greet"])
    assert ran.returncode != 0 and "libgreet.so" in ran.stderr


def test_a_library_for_another_cpu_is_skipped_as_the_loader_skips_it(tmp_path: Path, root: Rootfs) -> None:
    libc = root.libc(X86_64)
    lib = compile_c(X86_64, GREET_LIB, tmp_path / "b/libgreet.so", "-shared", "-fPIC", "-Wl,-soname,libgreet.so")
    program = compile_c(X86_64, GREET_MAIN, tmp_path / "b/greet", f"-L{lib.parent}", "-lgreet",
                        *linked(X86_64, libc, "$ORIGIN/../lib"))
    arm_lib = compile_c(AARCH64, GREET_LIB, tmp_path / "arm/libgreet.so", "-shared", "-fPIC")
    root.add(f"{APP}/bin/greet", program)
    root.add(f"{APP}/lib/libgreet.so", arm_lib)
    archive = image(tmp_path, root, f"{APP}/bin/greet")
    error = refused(archive)
    assert "needs libgreet.so; the image's app-1.0-bin/lib/libgreet.so is for aarch64 (64-bit)" in error.message
    ran = start(archive, tmp_path, [f"{APP}/bin/greet"])
    assert ran.returncode != 0


def test_an_aarch64_program_with_its_loader_is_accepted_and_runs_under_qemu(tmp_path: Path, root: Rootfs) -> None:
    libc = root.libc(AARCH64)
    root.add(f"{APP}/bin/hello", compile_c(AARCH64, HELLO, tmp_path / "b/hello", *linked(AARCH64, libc)))
    archive = image(tmp_path, root, f"{APP}/bin/hello", arch="arm64")
    (checked,) = prove(archive, "aarch64-linux").files
    assert checked.machine == "aarch64"
    ran = start(archive, tmp_path, [f"{APP}/bin/hello"], qemu=AARCH64.qemu)
    assert (ran.returncode, ran.stdout) == (0, "hello from the image\n"), ran.stderr


def test_needed_libraries_resolve_beside_the_interpreter_as_in_nixpkgs(tmp_path: Path, root: Rootfs) -> None:
    # nixpkgs' glibc loader searches its own lib/ (not /lib): libc.so.6 without a RUNPATH
    # resolves there. (The host's Debian loader does not, so this one is not started.)
    libc = root.libc(X86_64)
    program = compile_c(X86_64, HELLO, tmp_path / "b/hello", f"-Wl,--dynamic-linker={libc}/{X86_64.loader}")
    root.add(f"{APP}/bin/hello", program)
    (checked,) = prove(image(tmp_path, root, f"{APP}/bin/hello")).files
    assert dict(checked.libraries) == {"libc.so.6": f"{libc}/libc.so.6"}


def test_a_library_of_the_package_no_program_loads_is_checked(tmp_path: Path, root: Rootfs) -> None:
    libc = root.libc(X86_64)
    root.add(f"{APP}/bin/hello", compile_c(X86_64, HELLO, tmp_path / "b/hello", *linked(X86_64, libc)))
    dep = compile_c(X86_64, GREET_LIB, tmp_path / "b/libdep.so", "-shared", "-fPIC", "-Wl,-soname,libdep.so")
    plugin = compile_c(X86_64, "const char *greeting(void);\nconst char *p(void) { return greeting(); }\n",
                       tmp_path / "b/libplugin.so", "-shared", "-fPIC", f"-L{dep.parent}", "-ldep")
    root.add(f"{APP}/lib/libplugin.so", plugin)
    error = refused(image(tmp_path, root, f"{APP}/bin/hello"))
    assert "app-1.0-bin/lib/libplugin.so: needs libdep.so, which is not in the image" in error.message


def test_a_shell_script_without_a_shell_in_the_image_is_refused(tmp_path: Path, root: Rootfs) -> None:
    root.write(f"{APP}/bin/run", "#!/bin/sh\necho hello from sh\n")
    archive = image(tmp_path, root, f"{APP}/bin/run")
    error = refused(archive)
    assert error.message == "the image would not start: app-1.0-bin/bin/run: starts with #!/bin/sh, which is not in the image"
    assert "the image has no shell" in (error.hint or "") and "[image] extra" in (error.hint or "")
    ran = start(archive, tmp_path, [f"{APP}/bin/run"])
    assert ran.returncode != 0


def test_a_script_whose_interpreter_is_in_the_image_is_accepted_and_runs(tmp_path: Path, root: Rootfs) -> None:
    busybox = store("busybox-1.36")
    root.add(f"{busybox}/bin/busybox", Path("/bin/busybox"))
    root.link(f"{busybox}/bin/sh", "busybox")
    root.link("/bin", f"{busybox}/bin")
    root.write(f"{APP}/bin/run", "#!/bin/sh\necho hello from sh\n")
    archive = image(tmp_path, root, f"{APP}/bin/run")
    checked = {c.path: c for c in prove(archive).files}
    assert checked[f"{APP}/bin/run"].kind == "script"
    assert checked[f"{busybox}/bin/busybox"].kind == "elf"  # the interpreter, proven as a program
    ran = start(archive, tmp_path, [f"{APP}/bin/run"])
    assert (ran.returncode, ran.stdout) == (0, "hello from sh\n"), ran.stderr


def test_env_scripts_need_the_program_on_the_images_path(tmp_path: Path, root: Rootfs) -> None:
    busybox = store("busybox-1.36")
    root.add(f"{busybox}/bin/busybox", Path("/bin/busybox"))
    root.link(f"{busybox}/bin/env", "busybox")
    root.link("/usr/bin", f"{busybox}/bin")
    root.write(f"{APP}/bin/run", "#!/usr/bin/env python3\nprint('hi')\n")
    error = refused(image(tmp_path, root, f"{APP}/bin/run"))
    assert "app-1.0-bin/bin/run: runs 'python3', which is not a program on the image's PATH (/bin)" in error.message


def test_an_entrypoint_that_does_not_exist_is_refused_naming_the_programs(tmp_path: Path, root: Rootfs) -> None:
    libc = root.libc(X86_64)
    root.add(f"{APP}/bin/hello", compile_c(X86_64, HELLO, tmp_path / "b/hello", *linked(X86_64, libc)))
    error = refused(image(tmp_path, root, f"{APP}/bin/nope"))
    assert error.message == "the image would not start: app-1.0-bin/bin/nope: the entrypoint does not exist in the image"
    assert error.hint == "the package installs: hello; set [package] program (or [image] entrypoint) to one of them"


def test_an_entrypoint_that_is_not_executable_is_refused(tmp_path: Path, root: Rootfs) -> None:
    libc = root.libc(X86_64)
    root.add(f"{APP}/bin/hello", compile_c(X86_64, HELLO, tmp_path / "b/hello", *linked(X86_64, libc)), mode=0o444)
    archive = image(tmp_path, root, f"{APP}/bin/hello")
    error = refused(archive)
    assert error.message.endswith("app-1.0-bin/bin/hello: the entrypoint is not executable (mode 0444)")
    ran = start(archive, tmp_path, [f"{APP}/bin/hello"])
    assert ran.returncode != 0 and "Permission denied" in ran.stderr


def test_every_problem_is_listed_below_the_first(tmp_path: Path, root: Rootfs) -> None:
    root.libc(X86_64)
    root.add(f"{APP}/bin/a", compile_c(X86_64, HELLO, tmp_path / "b/a"))
    root.add(f"{APP}/bin/b", compile_c(AARCH64, HELLO, tmp_path / "b/b"))
    error = refused(image(tmp_path, root, f"{APP}/bin/a"))
    assert error.message.endswith("(and 1 more problem)")
    assert error.details is not None and len(error.details.splitlines()) == 2
    assert f"{APP}/bin/b: is an ELF binary for aarch64" in error.details


def test_a_program_mapped_below_the_lowest_address_linux_maps_is_refused(tmp_path: Path, root: Rootfs) -> None:
    """An arm64 program whose first segment is at 64 KiB (as Go links them) starts; after patchelf
    gave it a RUNPATH it no longer fits, so patchelf moved its headers into a new segment at
    address 0, which no process without CAP_SYS_RAWIO may map: refused, and indeed it cannot start."""
    libc = root.libc(AARCH64)
    program = compile_c(AARCH64, HELLO, tmp_path / "b/hello", "-no-pie", "-Wl,-Ttext-segment=0x10000",
                        "-Wl,-z,max-page-size=0x10000", *linked(AARCH64, libc))
    root.add(f"{APP}/bin/hello", program)
    archive = image(tmp_path, root, f"{APP}/bin/hello", arch="arm64")
    assert prove(archive, "aarch64-linux").files[0].machine == "aarch64"  # as linked: accepted, and it runs
    ran = start(archive, tmp_path / "linked", [f"{APP}/bin/hello"], qemu=AARCH64.qemu)
    assert (ran.returncode, ran.stdout) == (0, "hello from the image\n"), ran.stderr
    longer = f"{store('zlib-1.3')}/lib:{libc}"
    subprocess.run(["patchelf", "--set-rpath", longer, str(root.path(f"{APP}/bin/hello"))], check=True)
    assert min(elf.read(root.path(f"{APP}/bin/hello").open("rb")).load_addresses) == 0
    patched = write_archive(root, tmp_path / "patched.tar", architecture="arm64")
    error = refused(patched, "aarch64-linux")
    assert error.message == ("the image would not start: app-1.0-bin/bin/hello: cannot be loaded: it maps a segment at "
                             "address 0x0, below the lowest address Linux lets a program map (32 KiB, vm.mmap_min_addr)")
    assert "-ldflags=-linkmode=external" in (error.hint or "")
    ran = start(patched, tmp_path / "patched", [f"{APP}/bin/hello"], qemu=AARCH64.qemu)
    assert ran.returncode != 0 and "Error mapping file" in ran.stderr


def test_an_x86_64_program_linked_at_address_zero_is_refused_and_cannot_start(tmp_path: Path, root: Rootfs) -> None:
    libc = root.libc(X86_64)
    program = compile_c(X86_64, HELLO, tmp_path / "b/hello", "-no-pie", "-Wl,-Ttext-segment=0",
                        *linked(X86_64, libc))
    root.add(f"{APP}/bin/hello", program)
    archive = image(tmp_path, root, f"{APP}/bin/hello")
    error = refused(archive)
    assert "it maps a segment at address 0x0, below the lowest address Linux lets a program map (64 KiB" in error.message
    ran = start(archive, tmp_path, [f"{APP}/bin/hello"])
    assert ran.returncode != 0


def test_a_library_older_than_the_one_linked_against_is_refused(tmp_path: Path, root: Rootfs) -> None:
    """The program was linked against libgreet 2 (symbol version GREET_2); the image holds
    libgreet 1, which defines only GREET_1: ld.so refuses to start it, and so does the proof.
    With libgreet 2 in the image it is accepted and runs."""
    libc = root.libc(X86_64)
    versions = {1: "GREET_1 { global: greeting; local: *; };\n",
                2: "GREET_1 { global: greeting; local: *; };\nGREET_2 { global: farewell; } GREET_1;\n"}
    libs = {}
    for major, script in versions.items():
        (tmp_path / f"v{major}.map").write_text(script)
        source = GREET_LIB + ('const char *farewell(void) { return "goodbye from libgreet 2"; }\n' if major == 2 else "")
        libs[major] = compile_c(X86_64, source, tmp_path / f"v{major}/libgreet.so", "-shared", "-fPIC",
                                "-Wl,-soname,libgreet.so.1", f"-Wl,--version-script={tmp_path}/v{major}.map")
    program = compile_c(X86_64, '#include <stdio.h>\nconst char *farewell(void);\n'
                        'int main(void) { puts(farewell()); return 0; }\n', tmp_path / "b/bye",
                        f"-L{libs[2].parent}", "-lgreet", *linked(X86_64, libc, f"{APP}/lib"))
    assert dict(elf.read(program.open("rb")).version_needs)["libgreet.so.1"] == ("GREET_2",)
    root.add(f"{APP}/bin/bye", program)
    root.add(f"{APP}/lib/libgreet.so.1", libs[1])
    archive = image(tmp_path, root, f"{APP}/bin/bye")
    error = refused(archive)
    assert error.message == ("the image would not start: app-1.0-bin/bin/bye: needs version GREET_2 of libgreet.so.1, "
                             "which the image's app-1.0-bin/lib/libgreet.so.1 does not define (it was linked against "
                             "a newer libgreet.so.1)")
    ran = start(archive, tmp_path / "old", [f"{APP}/bin/bye"])
    assert ran.returncode != 0 and "version `GREET_2' not found" in ran.stderr
    root.add(f"{APP}/lib/libgreet.so.1", libs[2])
    archive = write_archive(root, tmp_path / "new.tar")
    checked = {c.path: c for c in prove(archive).files}
    assert dict(checked[f"{APP}/bin/bye"].libraries)["libgreet.so.1"] == f"{APP}/lib/libgreet.so.1"
    ran = start(archive, tmp_path / "new", [f"{APP}/bin/bye"])
    assert (ran.returncode, ran.stdout) == (0, "goodbye from libgreet 2\n"), ran.stderr
