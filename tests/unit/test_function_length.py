"""The function-length gate (scripts/function_length.py) that `make lint` runs on functions/."""

from __future__ import annotations

import textwrap

from scripts.function_length import long_functions, main


def _function(name: str, body_lines: int, indent: str = "") -> str:
    body = "".join(f"{indent}    x{n} = {n}\n" for n in range(body_lines))
    return f"{indent}def {name}():\n{body}"


def test_a_function_of_exactly_the_limit_passes_and_one_line_more_fails():
    source = _function("fits", 49) + _function("too_long", 50)

    assert list(long_functions(source, limit=50)) == [(51, "too_long", 51)]


def test_length_runs_from_def_to_last_line_so_decorators_do_not_count_and_blank_lines_do():
    source = "@decorator\n@another\n" + textwrap.dedent(
        """\
        def spaced():
            a = 1

            return a
        """
    )

    assert list(long_functions(source, limit=3)) == [(3, "spaced", 4)]


def test_methods_nested_and_async_functions_are_measured_under_their_qualified_name():
    source = (
        "class Report:\n"
        + _function("from_dict", 5, indent="    ")
        + "async def fetch():\n"
        + _function("inner", 5, indent="    ")
        + "    return inner\n"
    )

    names = sorted(name for _, name, _ in long_functions(source, limit=5))

    assert names == ["Report.from_dict", "fetch", "fetch.inner"]


def test_main_names_each_offender_with_file_and_line_and_exits_1(tmp_path, capsys):
    (tmp_path / "ok.py").write_text(_function("short", 3))
    (tmp_path / "handler.py").write_text("import os\n\n" + _function("long_one", 60))

    assert main([str(tmp_path)]) == 1
    assert capsys.readouterr().out.strip() == (
        f"{tmp_path / 'handler.py'}:3: long_one is 61 lines long (limit 50, def to last line)"
    )


def test_main_passes_a_tree_with_no_long_function(tmp_path, capsys):
    (tmp_path / "ok.py").write_text(_function("short", 3))

    assert main([str(tmp_path)]) == 0
    assert "none over 50 lines" in capsys.readouterr().out
