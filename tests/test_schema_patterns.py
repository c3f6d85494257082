"""The schema's `pattern`s are regular expressions every reader can use: ECMA-262 as OpenAPI asks
(compiled by Node.js with and without the `u` flag) and Python's `re`. The name's schema pattern
accepts every name the server accepts, rare characters beyond the BMP included."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from accounts.identity import NAME_PATTERN, NAME_SCHEMA_PATTERN

SCHEMA = yaml.safe_load((Path(__file__).resolve().parent.parent / "openapi.yaml").read_text())

COMPILE_IN_JAVASCRIPT = """
const patterns = JSON.parse(require("fs").readFileSync(0, "utf8"));
const failures = [];
for (const pattern of patterns) {
  for (const flags of ["", "u"]) {
    try { new RegExp(pattern, flags); } catch (error) { failures.push([pattern, flags, String(error)]); }
  }
}
process.stdout.write(JSON.stringify(failures));
"""
MATCH_IN_JAVASCRIPT = """
const [pattern, names] = JSON.parse(require("fs").readFileSync(0, "utf8"));
const results = ["", "u"].map(flags => names.map(name => new RegExp(pattern, flags).test(name)));
process.stdout.write(JSON.stringify(results));
"""


def patterns(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from patterns(item)


def node(script: str, data: object) -> object:
    done = subprocess.run(
        ["/usr/bin/node", "-e", script], input=json.dumps(data), capture_output=True, text=True, check=True, timeout=30
    )
    return json.loads(done.stdout)


NAMES_ACCEPTED = ["张三", "𠀀明", "𪚥", "阿卜杜·热合曼", "米尔扎提•吐尔逊", "John Smith", "〇", "李" * 50]
NAMES_REFUSED = ["a1", "张 ", " 张三", "张三3", "张<三", "<script>", "张\n三", "Zoë"]


def test_the_schema_has_the_name_pattern():
    assert NAME_SCHEMA_PATTERN in set(patterns(SCHEMA))


@pytest.mark.parametrize("pattern", sorted(set(patterns(SCHEMA))))
def test_each_pattern_compiles_in_python(pattern):
    re.compile(pattern)


@pytest.mark.node
def test_each_pattern_compiles_in_javascript_with_and_without_the_u_flag():
    found = sorted(set(patterns(SCHEMA)))
    assert len(found) >= 3
    assert node(COMPILE_IN_JAVASCRIPT, found) == []


@pytest.mark.node
def test_javascript_accepts_the_names_the_server_accepts():
    accepted = [name for name in NAMES_ACCEPTED if re.match(NAME_PATTERN, name)]
    assert accepted == NAMES_ACCEPTED
    assert node(MATCH_IN_JAVASCRIPT, [NAME_SCHEMA_PATTERN, accepted]) == [[True] * len(accepted)] * 2


def test_the_schema_refuses_what_is_plainly_not_a_name():
    assert [name for name in NAMES_REFUSED if re.match(NAME_PATTERN, name)] == []
    assert [name for name in NAMES_REFUSED if re.match(NAME_SCHEMA_PATTERN, name)] == []


LETTERS = st.sampled_from(["张", "〇", "a", "Z", "𠀀", "𱍏", "豈", "龥"])
NAMES = st.builds(
    lambda first, middle, last: first + middle + last,
    LETTERS,
    st.text(st.one_of(LETTERS, st.sampled_from(["·", "•", " "])), max_size=48),
    LETTERS,
)


@given(NAMES)
def test_every_name_the_server_accepts_fits_the_schema(name):
    assert re.match(NAME_PATTERN, name)
    assert re.match(NAME_SCHEMA_PATTERN, name)
