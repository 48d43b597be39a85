"""`make package` (scripts/package.py) builds zips that are reproducible, deflated, laid out the way the
handlers are named, with the bytecode of the Lambda runtime's CPython beside every module, and that run:
extracted, each handler imports and answers with nothing on the path but the zip's contents and what the
Lambda runtime and the Powertools layer provide. The report contract (functions/report_contract/) is in
every zip whose code imports it, at the root beside the function's package, and the handlers import it
from there."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path

import pytest

from scripts import package
from tests.infra.terraform import FUNCTIONS, ROOT

PACKAGE = ROOT / "scripts" / "package.py"
ALL = ("resolve_report_date", "fetch_costs", "render_email", "post_chat")
CONTRACT = "report_contract"
SHARED = {CONTRACT}  # packages under functions/ that are not functions
GOLDEN = ROOT / "tests" / "golden"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def sources(package: str) -> set[str]:
    """A package folder under functions/ as the zip paths it should have."""
    return {
        p.relative_to(FUNCTIONS).as_posix()
        for p in (FUNCTIONS / package).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc" and p.name != "requirements.txt"
    }


def imports_contract(function: str) -> bool:
    pattern = re.compile(rf"^\s*(from|import) {CONTRACT}\b", re.MULTILINE)
    return any(pattern.search(p.read_text()) for p in (FUNCTIONS / function).rglob("*.py"))


def build(out: Path, hash_seed: str | None = None) -> dict[str, Path]:
    environment = {**os.environ, **({"PYTHONHASHSEED": hash_seed} if hash_seed else {})}
    command = [sys.executable, str(PACKAGE), "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    assert result.returncode == 0, result.stderr
    return {name: out / f"{name}.zip" for name in ALL}


def runtime_python() -> str:
    python = package.runtime_python()
    assert python, "CPython 3.13 (the Lambda runtime's) is needed to build the zips"
    return python


def bytecode_of(name: str, cache_tag: str = "cpython-313") -> str:
    """Where CPython looks for a module's bytecode: `pkg/x.py` -> `pkg/__pycache__/x.<cache_tag>.pyc`."""
    folder, _, module = name.rpartition("/")
    return f"{folder}/__pycache__/{module[: -len('.py')]}.{cache_tag}.pyc"


def with_bytecode(names: set[str]) -> set[str]:
    return names | {bytecode_of(name) for name in names if name.endswith(".py")}


@pytest.fixture(scope="module")
def zips(tmp_path_factory) -> dict[str, Path]:
    return build(tmp_path_factory.mktemp("first"))


def test_building_twice_gives_identical_bytes(zips, tmp_path) -> None:
    # Another folder and another hash seed: neither may reach the bytes (a set constant is marshalled in hash
    # order, so the bytecode is compiled with a fixed seed, whatever the builder's).
    again = build(tmp_path, hash_seed="12345")
    for name in ALL:
        assert zips[name].read_bytes() == again[name].read_bytes(), f"{name}.zip differs between two builds"


def test_entries_are_sorted_deflated_with_fixed_times_and_modes(zips) -> None:
    for name, path in zips.items():
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(names), name
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0), info.filename
            assert info.external_attr >> 16 == 0o100644, info.filename
            assert not info.filename.endswith("/"), info.filename
            assert info.compress_type == zipfile.ZIP_DEFLATED, f"{name}.zip: {info.filename} is not deflated"
        assert sum(info.compress_size for info in infos) < sum(info.file_size for info in infos) / 2, name


def python_versions() -> list[str]:
    """The CPythons this machine has that can run scripts/package.py (3.11 and newer): this one, and pyenv's."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = [sys.executable, *(str(p) for p in sorted(pyenv.glob("3.1[1-9].*/bin/python")))]
    return [python for python in found if Path(python).exists()]


def test_the_deflated_bytes_are_the_same_from_each_python_here(zips, tmp_path) -> None:
    # Deflate's output is zlib's: the same zlib version and level give the same bytes. Rewriting the
    # render_email zip's entries with write_zip from each Python on this machine must give the zip back.
    entries = tmp_path / "entries.json"
    with zipfile.ZipFile(zips["render_email"]) as archive:
        entries.write_text(json.dumps({n: archive.read(n).decode("latin-1") for n in archive.namelist()}))
    rewrite = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); from scripts.package import write_zip; from pathlib "
        "import Path; files = json.loads(Path(sys.argv[2]).read_text()); "
        "write_zip({n: c.encode('latin-1') for n, c in files.items()}, Path(sys.argv[3]))"
    )
    pythons = python_versions()
    for number, python in enumerate(pythons):
        out = tmp_path / f"{number}.zip"
        result = subprocess.run([python, "-c", rewrite, str(ROOT), str(entries), str(out)], capture_output=True)
        assert result.returncode == 0, (python, result.stderr)
        assert out.read_bytes() == zips["render_email"].read_bytes(), f"{python} deflates to other bytes"


def test_every_module_has_the_runtime_s_bytecode_beside_it_and_nothing_else_is_bytecode(zips) -> None:
    magic = subprocess.run(
        [runtime_python(), "-c", "import importlib.util; print(importlib.util.MAGIC_NUMBER.hex())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    for name, path in zips.items():
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            modules = {n for n in names if n.endswith(".py")}
            assert f"{name}/handler.py" in modules
            assert {n for n in names if n.endswith(".pyc")} == {bytecode_of(m) for m in modules}, name
            for module in modules:
                header = archive.read(bytecode_of(module))[:16]
                assert header[:4].hex() == magic, f"{module}: not CPython 3.13's bytecode"
                # PEP 552: flags 0b01, hash-based and unchecked: no timestamp, and the import system does
                # not read the source to check it.
                assert int.from_bytes(header[4:8], "little") == 0b01, f"{module}: not an unchecked-hash .pyc"


LOAD_EVERY_MODULE = """
import importlib.machinery, pathlib, sys
root = pathlib.Path(sys.argv[1])
for source in sorted(root.rglob("*.py")):
    name = ".".join(source.relative_to(root).with_suffix("").parts)
    importlib.machinery.SourceFileLoader(name, str(source)).get_code(name)  # what an import would run
"""


def test_the_runtime_loads_the_shipped_bytecode_not_the_sources(zips, tmp_path) -> None:
    # GIVEN an extracted zip whose every source is replaced by a syntax error, WHEN CPython 3.13's import
    # system loads each module's code, writing no bytecode (Lambda's task root is read-only), THEN every one
    # loads: what runs is the bytecode shipped beside the sources, unchecked against them, so no source is
    # compiled at a cold start.
    for name in ALL:
        extracted = tmp_path / name
        with zipfile.ZipFile(zips[name]) as archive:
            archive.extractall(extracted)
        for source in extracted.rglob("*.py"):
            source.write_text("this is not Python (\n")
        environment = {"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}
        command = [runtime_python(), "-s", "-c", LOAD_EVERY_MODULE, str(extracted)]
        result = subprocess.run(command, capture_output=True, text=True, env=environment)
        assert result.returncode == 0, f"{name}: {result.stderr[-2000:]}"


def test_no_zip_carries_native_code_so_each_runs_the_same_on_any_architecture(zips) -> None:
    for name, path in zips.items():
        with zipfile.ZipFile(path) as archive:
            native = [n for n in archive.namelist() if n.endswith((".so", ".pyd", ".dylib"))]
        assert native == [], f"{name}.zip: {native}"


def test_each_zip_holds_its_package_folder_at_the_root(zips) -> None:
    for name, path in zips.items():
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
        assert f"{name}/handler.py" in names
        assert sources(name) <= names, f"{name}.zip is missing {sorted(sources(name) - names)}"
        others = {n.split("/")[0] for n in names} & (set(ALL) - {name})
        assert not others, f"{name}.zip carries another function's code: {others}"


def test_the_report_contract_is_in_every_zip_whose_code_imports_it_and_only_there(zips) -> None:
    assert imports_contract("fetch_costs") and imports_contract("render_email")  # producer and consumer
    contract = sources(CONTRACT)
    assert f"{CONTRACT}/__init__.py" in contract
    for name, path in zips.items():
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
        if imports_contract(name):
            assert contract <= names, f"{name}.zip is missing {sorted(contract - names)}"
            shipped = {n for n in names if n.startswith(f"{CONTRACT}/")}
            assert shipped == with_bytecode(contract), f"{name}.zip: stale contract files"
        else:
            assert not {n for n in names if n.startswith(f"{CONTRACT}/")}, f"{name} does not import the contract"


def test_only_render_email_vendors_packages_jinja2_and_markupsafe_as_pure_python(zips) -> None:
    for name, path in zips.items():
        with zipfile.ZipFile(path) as archive:
            top = {n.split("/")[0] for n in archive.namelist()}
        vendored = top - {name} - SHARED
        if name == "render_email":
            assert {"jinja2", "markupsafe"} <= vendored
            assert any(v.startswith("jinja2-3.1.6.dist-info") for v in vendored), "jinja2 must be the pinned 3.1.6"
            with zipfile.ZipFile(path) as archive:
                speedups = [n for n in archive.namelist() if n.startswith("markupsafe/_speedups.")]
            assert speedups == [], "MarkupSafe's C speedup is left out (scripts/package.py: DROPPED_NATIVE)"
        elif name == "resolve_report_date":  # the IANA time zones, for a report's time_zone (pure Python)
            assert {v.split("-")[0] for v in vendored} == {"tzdata"}, vendored
        else:  # post_chat posts with the standard library's http.client
            assert vendored == set(), f"{name} needs nothing beyond the runtime and the layer: {vendored}"


SMOKE = textwrap.dedent("""
    import json, os, sys
    root = sys.argv[1]
    sys.path.insert(0, root)
    from local.lambda_context import LocalLambdaContext  # only the stand-in context object
    name = sys.argv[2]
    module = __import__(f"{name}.handler", fromlist=["lambda_handler"])
    assert module.__file__.startswith(root), module.__file__
    event = json.loads(sys.argv[3])
    reports = sys.argv[4]  # config/reports.json for resolve_report_date, in moto's S3 ("" for none)
    webhook = sys.argv[5]  # the webhook URL for post_chat, in moto's Secrets Manager ("" for none)
    if reports or webhook:
        import boto3
        from moto import mock_aws
        os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", SHARED_COSTS_BUCKET="data")
        mock = mock_aws()
        mock.start()
    if reports:
        boto3.client("s3").create_bucket(Bucket="data")
        boto3.client("s3").put_object(Bucket="data", Key="config/reports.json", Body=reports.encode())
    if webhook:  # the channel's secret, found by CHAT_SECRET_PREFIX + its name, as Terraform names it
        os.environ["CHAT_SECRET_PREFIX"] = "cost-notifier/chat/"
        name_of_secret = "cost-notifier/chat/" + event["channel"]["name"]
        boto3.client("secretsmanager").create_secret(Name=name_of_secret, SecretString=webhook)
    result = module.lambda_handler(event, LocalLambdaContext(function_name=name)) if event else None
    templates, loaders = [], []
    if name == "render_email":  # every shipped template, as the render module's jinja2 environment loads it
        import importlib, jinja2
        render = importlib.import_module("render_email.render")
        shipped = sorted(os.listdir(os.path.join(root, "render_email", "templates")))
        for environment in [v for v in vars(render).values() if isinstance(v, jinja2.Environment)]:
            templates += [environment.get_template(t).name for t in shipped]
            loaders.append(type(environment.loader).__name__)
    vendored, shared = {}, {}
    for package in ("jinja2", "markupsafe"):
        if package in sys.modules:
            vendored[package] = sys.modules[package].__file__.startswith(root)
    if "report_contract" in sys.modules:  # imported by the handler, from the zip's root
        shared["report_contract"] = sys.modules["report_contract"].__file__ == os.path.join(
            root, "report_contract", "__init__.py"
        )
    out = {"result": result, "vendored": vendored, "shared": shared, "templates": templates, "loaders": loaders}
    print(json.dumps(out, default=str))
""")


def run_from_zip(
    zip_path: Path, name: str, event: dict | None, tmp_path: Path, reports: str = "", webhook: str = ""
) -> dict:
    extracted = tmp_path / name
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(extracted)
    environment = {
        "PATH": "/usr/bin:/bin",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "CostNotifier",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    # -I: no PYTHONPATH, no user site, no current directory; ROOT only for local/lambda_context.py.
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.append({str(ROOT)!r})\n" + SMOKE,
            str(extracted),
            name,
            json.dumps(event or {}),
            reports,
            webhook,
        ],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_resolve_report_date_runs_from_its_zip(zips, tmp_path) -> None:
    out = run_from_zip(
        zips["resolve_report_date"],
        "resolve_report_date",
        {
            "input": {"report": "team-a", "period": "2026-11-20", "trigger": "schedule"},
            "executionStartTime": "2026-11-21T08:00:01Z",
            "executionName": "run-1",
        },
        tmp_path,
        # A time zone only the tzdata package in the zip may know (the test's machine aside).
        reports=json.dumps({"team-a": {"recipients": ["a@example.com"], "time_zone": "Pacific/Chatham"}}),
    )
    assert out["result"]["request"]["reportDate"] == "2026-11-20"
    assert out["result"]["request"]["reportKey"] == "team-a/2026-11-20"


def test_fetch_costs_imports_with_the_report_contract_from_its_zip(zips, tmp_path) -> None:
    out = run_from_zip(zips["fetch_costs"], "fetch_costs", None, tmp_path)
    assert out["vendored"] == {}
    assert out["shared"] == {CONTRACT: True}


def test_render_email_imports_with_its_own_jinja2_and_the_report_contract_from_its_zip(zips, tmp_path) -> None:
    out = run_from_zip(zips["render_email"], "render_email", None, tmp_path)
    assert out["vendored"] == {"jinja2": True, "markupsafe": True}
    assert out["shared"] == {CONTRACT: True}
    shipped = sorted(p.name for p in (FUNCTIONS / "render_email" / "templates").glob("*.j2"))
    assert sorted(out["templates"]) == shipped
    # From the zip, the templates are the modules package.py compiled them to: nothing is compiled at run time.
    assert out["loaders"] == ["ModuleLoader"]


def test_render_email_ships_each_template_compiled_to_a_module_and_the_source_tree_has_none(zips) -> None:
    from jinja2 import ModuleLoader

    with zipfile.ZipFile(zips["render_email"]) as archive:
        names = set(archive.namelist())
    templates = sorted(p.name for p in (FUNCTIONS / "render_email" / "templates").glob("*.j2"))
    compiled = {f"render_email/templates_compiled/{ModuleLoader.get_module_filename(t)}" for t in templates}
    assert {n for n in names if n.startswith("render_email/templates_compiled/") and n.endswith(".py")} == compiled
    assert not (FUNCTIONS / "render_email" / "templates_compiled").exists(), "only the zip may hold it"


def test_render_email_from_its_zip_draws_a_golden_report_as_the_tests_do(zips, tmp_path) -> None:
    # GIVEN the report FetchCosts made for a golden dataset, WHEN the zipped handler parses it with the zipped
    # contract and renders it, THEN the email is the golden one: the zip carries everything the email needs.
    costs = json.loads((GOLDEN / "small.costs.json").read_text(encoding="utf-8"))
    out = run_from_zip(
        zips["render_email"], "render_email", {"reportDate": costs["reportDate"], "costs": costs}, tmp_path
    )
    assert out["shared"] == {CONTRACT: True}
    assert out["result"]["html"] == (GOLDEN / "small.html").read_text(encoding="utf-8")
    email = out["result"]
    assert f"Subject: {email['subject']}\n\n{email['text']}" == (GOLDEN / "small.txt").read_text(encoding="utf-8")


def test_post_chat_carries_the_version_pyproject_states_and_nothing_else_it_does_not_ship(zips) -> None:
    with zipfile.ZipFile(zips["post_chat"]) as archive:
        names = set(archive.namelist())
        version = archive.read("post_chat/VERSION").decode()
    assert version == f"{VERSION}\n"
    assert names == with_bytecode(sources("post_chat") | sources(CONTRACT)) | {"post_chat/VERSION"}


def test_post_chat_from_its_zip_posts_to_a_webhook_naming_the_version_in_its_user_agent(zips, tmp_path) -> None:
    # GIVEN the zipped handler, a webhook on this machine and its URL in (moto's) Secrets Manager,
    # WHEN it posts a message, THEN the webhook gets it once, with the version pyproject.toml states.
    from local.webhook_server import Reply, webhook_server

    message = {"text": "AWS costs: $12.34"}
    event = {"channel": {"name": "finops-slack", "type": "slack"}, "message": message}
    with webhook_server(Reply(200, body="ok")) as server:
        out = run_from_zip(zips["post_chat"], "post_chat", event, tmp_path, webhook=server.url("/hook"))
    assert out["result"] == {"channel": "finops-slack", "type": "slack", "httpStatus": 200}
    assert out["shared"] == {CONTRACT: True}
    [received] = server.requests
    assert received.json == message
    assert received.headers["user-agent"] == f"aws-cost-notifier/{VERSION} (post_chat)"
