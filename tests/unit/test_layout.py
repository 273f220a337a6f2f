"""The runtime is not the tooling: nothing in pipelines/ imports scorecard_tools (the synthetic-authority
generator and the benchmark builder) except the CLI's `generate` command, which imports it when it runs.
Staging imports nothing from the statutory-return adapters: its caller hands it their registry."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from pipelines.lib.paths import PROJECT_ROOT

TOOLS = "scorecard_tools"


def _tool_references(path: Path, package: str = TOOLS) -> list[tuple[str, int, str]]:
    """(enclosing function or '<module>', line, what) for every import of, or string naming, a package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int, str]] = []

    def visit(node: ast.AST, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else scope
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                names = [child.module]
            elif isinstance(child, ast.Constant) and isinstance(child.value, str):
                # importlib.import_module("scorecard_tools...") or __import__ would dodge an import scan
                names = [child.value] if child.value.startswith(package) else []
            found.extend((inner, child.lineno, n) for n in names if n == package or n.startswith(package + "."))
            visit(child, inner)

    visit(tree, "<module>")
    return found


def test_only_the_generate_command_imports_the_tools():
    runtime = sorted((PROJECT_ROOT / "pipelines").rglob("*.py"))
    assert len(runtime) > 50  # the scan really reads the runtime
    refs = {str(p.relative_to(PROJECT_ROOT)): r for p in runtime if (r := _tool_references(p))}
    assert set(refs) == {"pipelines/cli.py"}, refs
    assert {scope for scope, _, _ in refs["pipelines/cli.py"]} == {"cmd_generate"}, refs


def test_scan_finds_a_module_level_import(tmp_path):
    # the scan itself can fail: a module-level or string import is seen with its scope
    src = tmp_path / "m.py"
    src.write_text("import scorecard_tools.generator\n\ndef f():\n    __import__('scorecard_tools')\n")
    assert _tool_references(src) == [("<module>", 1, "scorecard_tools.generator"), ("f", 4, "scorecard_tools")]


def test_loading_the_runtime_loads_no_tool():
    # the Dagster definitions and the CLI module, as `scorecard run` and `dg` load them
    code = ("import sys, pipelines.definitions, pipelines.cli\n"
            f"sys.exit(sorted(m for m in sys.modules if m.split('.')[0] == {TOOLS!r}) or 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_tools_are_not_inside_the_runtime():
    assert not (PROJECT_ROOT / "pipelines" / "lib" / "generator").exists()
    assert not (PROJECT_ROOT / "pipelines" / "lib" / "benchmarks" / "build.py").exists()
    assert (PROJECT_ROOT / TOOLS / "generator" / "__init__.py").is_file()
    assert (PROJECT_ROOT / TOOLS / "benchmark_build.py").is_file()


def test_scorecard_generate_runs_the_tools_from_the_installed_command(tmp_path):
    # `make demo` calls the console script, which must still find the generator after the move
    script = Path(sys.executable).with_name("scorecard")
    done = subprocess.run([str(script), "generate", "--out", str(tmp_path), "--size", "0.05", "--from", "2024-04",
                           "--to", "2025-02", "--drops", "2025-02-28", "--ssd-only"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "2025-02-28" / "ssd_person.csv").is_file()


def test_staging_imports_nothing_from_the_adapters():
    staging = PROJECT_ROOT / "pipelines" / "lib" / "staging.py"
    assert _tool_references(staging, "pipelines.lib.returns") == []
    # while the adapters do build on staging's readers (so the scan would see an import the other way)
    read_903 = PROJECT_ROOT / "pipelines" / "lib" / "returns" / "ssda903" / "read.py"
    assert _tool_references(read_903, "pipelines.lib.staging")


def test_staging_uses_the_registry_it_is_handed(tmp_path):
    import duckdb

    from pipelines.lib.archive import archive_drop
    from pipelines.lib.returns import REGISTRY, Registry
    from pipelines.lib.staging import stage_drop

    class NoReturns(Registry):
        recognise = staticmethod(lambda path: None)
        refusal = staticmethod(lambda path: None)

    folder = tmp_path / "landing" / "2020-03-31"
    folder.mkdir(parents=True)
    (folder / "903_header_2019-20.csv").write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,1,01/02/2010,WBRI,,,\n")
    drop = archive_drop(folder, tmp_path / "archive").drop
    key = bytes(range(32))
    con = duckdb.connect()
    with_903 = stage_drop(con, drop, key, "941", registry=REGISTRY)
    without = stage_drop(duckdb.connect(), drop, key, "941", registry=NoReturns())
    assert not any("not a statutory return" in m for m in with_903.messages)
    assert con.execute("SELECT count(*) FROM staged.ssd_person").fetchone() == (1,)
    assert any(m.startswith("903_header_2019-20.csv: no contract table named") and "not a statutory return" in m
               for m in without.messages), without.messages


def _layout_paths() -> list[str]:
    """The paths named in the first column of the README's Layout table."""
    import posixpath
    import re

    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").split("\n## Layout", 1)[1].split("\n## ", 1)[0]
    paths: list[str] = []
    for line in text.splitlines():
        if line.startswith("| `"):
            first = line.split("|")[1]
            named = re.findall(r"`([^`]+)`", first)
            base = posixpath.dirname(named[0].rstrip("/")) if named else ""
            for n in named:  # `pipelines/lib/packs/`, `formatting.py`: a bare name sits beside the first path
                paths.append(f"{base}/{n}" if "/" not in n.rstrip("/") and base else n)
    return paths


def test_the_readme_layout_table_names_only_what_is_in_the_tree():
    paths = _layout_paths()
    assert len(paths) > 20
    missing = [p for p in paths if not (PROJECT_ROOT / p.rstrip("/")).exists()]
    assert not missing, f"README Layout names paths that do not exist: {missing}"


def test_every_runtime_package_and_top_level_folder_is_in_the_layout_table():
    named = {p.rstrip("/") for p in _layout_paths()}
    packages = {str(p.parent.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "pipelines").rglob("__init__.py")}
    folders = {"pipelines", "sql", "expectations", "dashboards/templates", "tests", "benchmarks", TOOLS}
    missing = sorted(p for p in packages | folders if p not in named and not any(n.startswith(p + "/") for n in named))
    assert not missing, f"not in the README's Layout table: {missing}"
