#!/usr/bin/env python3
"""Compares two kind-must-gather bundles apart from times: same entries, same contents once
timestamps, durations and the program's own path are masked. Lines in another order are accepted
(and listed): the gather runs nodes concurrently and records their notes as they finish. Exit 0
when equal, 1 with the first differences otherwise.

    package-compare.py EXPECTED.tar.gz ACTUAL.tar.gz
"""
import difflib
import re
import sys
import tarfile

# RFC 3339 times (2026-02-04T10:15:00.123456Z, +01:00) and compact UTC stamps (20260204T101500Z).
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)|\d{8}T\d{6}Z")
# Durations measured by the gather: "seconds": 0.123, "elapsed": 12, "1.2 s", "340 ms", "0.8s".
DURATION = re.compile(
    r'("(?:\w*seconds|\w*_ms|elapsed\w*|duration\w*)"\s*:\s*)[0-9.eE+-]+'
    r'|\b\d+(\.\d+)?\s?(ms|s)\b'
    r'|(\| )[0-9.]+( \|)')
# The recorded command line starts with wherever the binary was run from (spaces included).
COMMAND = re.compile(r'("command_line"\s*:\s*")[^"]*?kind-must-gather(?=[ "])')
# manifest.json's own size varies with the digits of its times.
MANIFEST_SIZE = re.compile(r'("bytes":\s*)\d+(,\s*"path":\s*"manifest\.json")'
                           r'|(\[manifest\.json\]\(manifest\.json\) \()[0-9.]+ \w+(\))')
COMMAND_MD = re.compile(r"(`)[^`\n]*?kind-must-gather(?=[ `])")


def normalised(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    text = TIMESTAMP.sub("<time>", text)
    text = COMMAND.sub(r"\1<argv0>", text)
    text = MANIFEST_SIZE.sub(lambda m: (m.group(1) or m.group(3)) + "<size>" + (m.group(2) or m.group(4)), text)
    text = COMMAND_MD.sub(r"\1<argv0>", text)
    text = DURATION.sub(lambda m: (m.group(1) or m.group(4) or "") + "<duration>" + (m.group(5) or ""), text)
    return text


def same_lines(a, b):
    """The same lines in another order; a JSON array's items may swap places, and then the one
    that is last loses its comma."""
    def key(text):
        return sorted(line.rstrip(",") for line in text.splitlines())
    return key(a) == key(b)


def entries(path):
    """{name without the top folder: normalised content} of every file."""
    out = {}
    with tarfile.open(path) as tar:
        for member in tar:
            if not member.isfile():
                continue
            name = member.name.split("/", 1)[-1]
            out[name] = normalised(tar.extractfile(member).read())
    return out


def main():
    expected, actual = entries(sys.argv[1]), entries(sys.argv[2])
    problems, reordered = [], []
    for name in sorted(set(expected) - set(actual)):
        problems.append(f"only in {sys.argv[1]}: {name}")
    for name in sorted(set(actual) - set(expected)):
        problems.append(f"only in {sys.argv[2]}: {name}")
    for name in sorted(set(expected) & set(actual)):
        a, b = expected[name], actual[name]
        if a == b:
            continue
        if isinstance(a, str) and isinstance(b, str) and same_lines(a, b):
            reordered.append(name)
            continue
        if isinstance(a, str) and isinstance(b, str):
            diff = difflib.unified_diff(a.splitlines(), b.splitlines(), name, name, lineterm="", n=0)
            problems.append("\n".join(list(diff)[:12]))
        else:
            problems.append(f"binary content differs: {name}")
    if problems:
        print(f"{len(problems)} difference(s) between the bundles:", file=sys.stderr)
        print("\n".join(problems[:10]), file=sys.stderr)
        return 1
    note = f" ({len(reordered)} with lines in another order: {', '.join(reordered)})" if reordered else ""
    print(f"bundles equal apart from times: {len(expected)} files{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
