"""Build build/<function>.zip for each Lambda function, byte-for-byte reproducibly.

    python scripts/package.py [--out build] [function ...]

Each zip holds the function's package folder at its root (`fetch_costs/handler.py`, so the handler is
`fetch_costs.handler.lambda_handler`), the shared packages it imports beside it (`report_contract/`, the
report model FetchCosts and RenderEmail share: SHARED), and, for a function whose requirements.txt lists
packages, those packages vendored beside it. boto3 comes with the Lambda runtime and Powertools with its layer, so
only render_email vendors anything: jinja2, and MarkupSafe with it (and resolve_report_date tzdata). A function
that names the project's version at run time (post_chat's User-Agent: VERSIONED) gets it as
`<function>/VERSION`, read from pyproject.toml, where alone the version is stated.

Each module ships with its bytecode beside it, `<package>/__pycache__/<module>.cpython-313.pyc`, compiled by
a CPython of the Lambda runtime's version (RUNTIME_VERSION; runtime_python() says where it is looked for),
hash-based and unchecked (PEP 552): Lambda's task root is read-only, so a zip without bytecode has every
module compiled from source on every cold start; with it, the import system loads the .pyc without reading
or stat'ing the source (docs/decisions/0014-cold-starts.md has the figures).

Reproducible means the same sources give the same bytes, so `terraform plan` shows no change until the
code does:
- entries sorted by path, no directory entries;
- every timestamp 1980-01-01 00:00 (the earliest a zip can hold), every file mode 0644, Unix as creator;
- the bytecode without timestamps (unchecked-hash .pyc), named by zip path, compiled with a fixed hash seed
  (a set constant is marshalled in hash order) by the same CPython 3.13 release: another 3.13.x may
  compile some code differently;
- deflated at a fixed level (COMPRESS_LEVEL). Deflate's output is zlib's: the same zlib version gives the
  same bytes (the CPythons here, 3.11, 3.12 and 3.13, all link zlib 1.2.13 and agree, which
  tests/infra/test_package.py checks), another zlib (zlib-ng, a macOS build) may give other bytes that
  unpack to the same files. main() prints the zlib version with each digest; build the zips you deploy on
  one machine (CI) so the plan compares like with like;
- vendored packages pinned: the versions requirements-dev.txt pins (the ones the tests run with)
  constrain the download, and wheels are unpacked as published (their own .pyc, if any, left out: ours
  replace them).

Vendored packages are downloaded as wheels for the Lambda runtime (CPython 3.13 on arm64, manylinux),
never built here, and shipped as pure Python: MarkupSafe's wheel for that platform carries a C speedup,
which is left out (DROPPED_NATIVE says why), so MarkupSafe runs its own pure-Python escape, as in the tests.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
CONSTRAINTS = ROOT / "requirements-dev.txt"
FUNCTIONS = ("resolve_report_date", "fetch_costs", "render_email", "post_chat")
# Packages under functions/ that are not functions, and the functions that import them (from the zip root).
SHARED: dict[str, tuple[str, ...]] = {
    "resolve_report_date": ("report_contract",),
    "fetch_costs": ("report_contract",),
    "render_email": ("report_contract",),
    "post_chat": ("report_contract",),  # report_contract.excerpt, how a refusal quotes a value
}
# Functions whose templates are compiled into the zip, and the module that defines their jinja2 Environment
# (TEMPLATES) and where the compiled templates go (PRECOMPILED_DIR): render_email/render.py.
TEMPLATED = {"render_email": "render_email.render"}
# Functions that read the project's version at run time, from <function>/VERSION in their zip
# (functions/post_chat/version.py): pyproject.toml, which states it, is not in the zip.
VERSIONED = ("post_chat",)
PYPROJECT = ROOT / "pyproject.toml"

# The Lambda runtime the zips are for (terraform/lambda.tf: python3.13, arm64).
PLATFORM = (
    "--platform",
    "manylinux2014_aarch64",
    "--python-version",
    "3.13",
    "--implementation",
    "cp",
    "--abi",
    "cp313",
)

# The interpreter of the Lambda runtime's version, to compile the zips' bytecode with: $LAMBDA_PYTHON if set,
# else python3.13 on PATH, else pyenv's newest 3.13, else this interpreter if it is 3.13.
RUNTIME_VERSION = (3, 13)
RUNTIME_PYTHON_VARIABLE = "LAMBDA_PYTHON"

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
COMPRESSION = zipfile.ZIP_DEFLATED
COMPRESS_LEVEL = 9  # fixed: another level gives other bytes
FILE_MODE = 0o100644  # a regular file, rw-r--r--
SKIPPED_PARTS = {"__pycache__"}
SKIPPED_SUFFIXES = {".pyc", ".pyo"}
SKIPPED_NAMES = {"requirements.txt", ".DS_Store"}  # requirements.txt is build input, not runtime code
# Native extensions left out of the vendored wheels, which then run as pure Python, the same code on arm64 as
# on the x86_64 machines the tests run on. MarkupSafe's C escape (231 KB, built for one architecture) rendered
# the golden emails no faster (about 9 ms either way: their strings are short) and falls back by itself
# (docs/decisions/0014-cold-starts.md). Any other native file in a wheel stops the build: a decision to make.
DROPPED_NATIVE = ("markupsafe/_speedups.",)
NATIVE_SUFFIXES = (".so", ".pyd", ".dylib")


class PackagingError(Exception):
    pass


def runtime_python() -> str | None:
    """The path of a CPython of the Lambda runtime's version (RUNTIME_VERSION), or None if none is found."""
    wanted = ".".join(map(str, RUNTIME_VERSION))
    candidates = [os.environ.get(RUNTIME_PYTHON_VARIABLE, ""), shutil.which(f"python{wanted}") or ""]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += [str(path) for path in sorted(pyenv.glob(f"{wanted}.*/bin/python"), reverse=True)]
    candidates.append(sys.executable)
    for candidate in filter(None, candidates):
        probe = [candidate, "-c", "import sys; print(sys.implementation.name, '%d.%d' % sys.version_info[:2])"]
        try:
            answer = subprocess.run(probe, capture_output=True, text=True, timeout=30)
        except OSError:
            continue
        if answer.returncode == 0 and answer.stdout.split() == ["cpython", wanted]:
            return candidate
    return None


def requirements(function: str) -> list[str]:
    """The requirement lines of functions/<function>/requirements.txt, without comments."""
    path = FUNCTIONS_DIR / function / "requirements.txt"
    if not path.exists():
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def source_files(function: str) -> dict[str, bytes]:
    """The function's package folder and the shared packages it imports, as zip paths (`<package>/...`)."""
    package = FUNCTIONS_DIR / function
    if not (package / "handler.py").is_file():
        raise PackagingError(f"{package}/handler.py is missing: every function needs a handler module")
    files = package_files(package)
    for shared in SHARED.get(function, ()):
        if not (FUNCTIONS_DIR / shared / "__init__.py").is_file():
            raise PackagingError(f"functions/{shared}/__init__.py is missing: {function} imports that package")
        files.update(package_files(FUNCTIONS_DIR / shared))
    if function in VERSIONED:
        files[f"{function}/VERSION"] = f"{project_version()}\n".encode()
    return files


def project_version() -> str:
    """pyproject.toml's [project] version: the one place the version is stated."""
    return str(tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"])


def package_files(package: Path) -> dict[str, bytes]:
    """One package folder under functions/, as zip paths (`<package>/...`) to contents."""
    files: dict[str, bytes] = {}
    for path in package.rglob("*"):
        relative = path.relative_to(FUNCTIONS_DIR)
        if path.is_dir() or SKIPPED_PARTS & set(relative.parts):
            continue
        if path.suffix in SKIPPED_SUFFIXES or path.name in SKIPPED_NAMES:
            continue
        files[relative.as_posix()] = path.read_bytes()
    return files


def precompiled_templates(function: str, vendored: dict[str, bytes]) -> dict[str, bytes]:
    """The function's templates compiled to Python modules by its own Environment (the same options and
    filters as at run time), as zip paths (`render_email/templates_compiled/tmpl_<sha1>.py`). The code jinja2
    generates is run by the jinja2 in the zip: it must be the version that generated it."""
    if function not in TEMPLATED:
        return {}
    sys.path.insert(0, str(FUNCTIONS_DIR))
    try:
        import jinja2

        module = importlib.import_module(TEMPLATED[function])
    finally:
        sys.path.remove(str(FUNCTIONS_DIR))
    shipped = f"jinja2-{jinja2.__version__}.dist-info/METADATA"
    if shipped not in vendored:
        raise PackagingError(f"{function}: the zip's jinja2 is not {jinja2.__version__}, which compiles its templates")
    if not isinstance(module.TEMPLATES.loader, jinja2.FileSystemLoader):
        raise PackagingError(f"{module.PRECOMPILED_DIR} exists in the source tree: only the zip may hold it")
    folder = Path(module.PRECOMPILED_DIR).relative_to(FUNCTIONS_DIR).as_posix()
    with tempfile.TemporaryDirectory(prefix=f"{function}-templates-") as target:
        module.TEMPLATES.compile_templates(target, zip=None, ignore_errors=False, log_function=lambda _: None)
        return {f"{folder}/{path.name}": path.read_bytes() for path in sorted(Path(target).iterdir())}


def download_wheels(lines: list[str], into: Path) -> list[Path]:
    """Wheels for the Lambda platform, dependencies included, versions constrained to the pinned ones."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--only-binary=:all:",
        *PLATFORM,
        "--constraint",
        str(CONSTRAINTS),
        "--dest",
        str(into),
        *lines,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise PackagingError(f"pip download failed for {lines}:\n{result.stderr.strip()}")
    return sorted(into.glob("*.whl"))


def wheel_files(wheel: Path) -> dict[str, bytes]:
    """A wheel's files as it installs them into site-packages (a wheel is a zip laid out that way)."""
    files: dict[str, bytes] = {}
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.endswith("/"):
                continue
            if ".data/" in name.split("/", 1)[0] + "/":
                raise PackagingError(f"{wheel.name} has a .data directory ({name}); unpacking it is not supported")
            parts = set(name.split("/"))
            if SKIPPED_PARTS & parts or Path(name).suffix in SKIPPED_SUFFIXES or name.startswith(DROPPED_NATIVE):
                continue
            if name.endswith(NATIVE_SUFFIXES):
                raise PackagingError(f"{wheel.name} has native code ({name}): keep it (and its architecture) or not?")
            files[name] = archive.read(name)
    return files


# Run by the runtime's interpreter: each module named on stdin (a path under the folder argv[1]) compiled to
# where that interpreter looks for its bytecode (importlib.util.cache_from_source: __pycache__/x.cpython-313.pyc).
# UNCHECKED_HASH: the .pyc holds a hash of its source, not the source's time and size, so it is the same
# bytes on every build, and the import system uses it without reading or stat'ing the source (PEP 552).
# dfile: the name the code objects carry, the zip path, not this build's temporary folder (the import
# system replaces it with the module's real path when it loads the .pyc).
COMPILE = """
import json, py_compile, sys
from pathlib import Path
root = Path(sys.argv[1])
for name in json.load(sys.stdin):
    py_compile.compile(
        str(root / name), dfile=name, doraise=True, optimize=0,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
"""


def compiled(files: dict[str, bytes], python: str) -> dict[str, bytes]:
    """The .pyc of every .py in `files`, compiled by `python` (the runtime's CPython), as zip paths
    (`<package>/__pycache__/<module>.cpython-313.pyc`)."""
    modules = sorted(name for name in files if name.endswith(".py"))
    with tempfile.TemporaryDirectory(prefix="package-compile-") as temporary:
        root = Path(temporary)
        for name in modules:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(files[name])
        # A fixed hash seed: a set or frozenset constant (`x in {"a", "b"}`) is marshalled in iteration order,
        # which follows the strings' hashes. No PYTHONPYCACHEPREFIX: the .pyc must land beside its source.
        environment = {"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0"}
        result = subprocess.run(
            [python, "-s", "-c", COMPILE, str(root)],
            input=json.dumps(modules),
            capture_output=True,
            text=True,
            env=environment,
        )
        if result.returncode != 0:
            raise PackagingError(f"compiling the bytecode with {python} failed:\n{result.stderr.strip()}")
        return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*.pyc"))}


def write_zip(files: dict[str, bytes], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".zip.tmp")
    with zipfile.ZipFile(temporary, "w", compression=COMPRESSION, compresslevel=COMPRESS_LEVEL) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.create_system = 3  # Unix, so the mode below is read as one
            info.external_attr = FILE_MODE << 16
            info.compress_type = COMPRESSION
            archive.writestr(info, files[name], compresslevel=COMPRESS_LEVEL)
    temporary.replace(path)


def build(function: str, out: Path) -> Path:
    files = source_files(function)
    lines = requirements(function)
    if lines:
        with tempfile.TemporaryDirectory(prefix=f"{function}-wheels-") as wheels:
            for wheel in download_wheels(lines, Path(wheels)):
                for name, content in wheel_files(wheel).items():
                    if name in files:
                        raise PackagingError(f"{wheel.name} would overwrite {name}")
                    files[name] = content
    for name, content in precompiled_templates(function, files).items():
        if name in files:
            raise PackagingError(f"the compiled templates would overwrite {name}")
        files[name] = content
    python = runtime_python()
    if python is None:
        raise PackagingError(
            f"no CPython {'.'.join(map(str, RUNTIME_VERSION))} found (the Lambda runtime's version, to compile the "
            f"zips' bytecode with): install it, or set {RUNTIME_PYTHON_VARIABLE} to its path"
        )
    files.update(compiled(files, python))
    path = out / f"{function}.zip"
    write_zip(files, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "functions", nargs="*", metavar="function", help=f"any of {', '.join(FUNCTIONS)} (default: all)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "build", help="where the zips go (default: build/)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.functions) - set(FUNCTIONS))
    if unknown:
        parser.error(f"unknown function(s) {', '.join(unknown)}; choose from {', '.join(FUNCTIONS)}")
    try:
        for function in args.functions or FUNCTIONS:
            path = build(function, args.out)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            print(
                f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  "
                f"{path.stat().st_size:>9,} bytes  sha256 {digest}  (zlib {zlib.ZLIB_RUNTIME_VERSION})"
            )
    except PackagingError as error:
        print(f"package.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
