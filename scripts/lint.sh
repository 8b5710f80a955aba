#!/usr/bin/env bash
# Project lint: module fences and banned calls that the compiler cannot enforce for us.
#
# Rules (each violation is printed as `file:line: [rule] reason`):
#   import-openssl   COpenSSL / CSekishoShims imported (or <openssl/...> included) outside
#                    Sources/SekishoTLS, Sources/CSekishoShims and Sources/COpenSSL
#   import-nghttp2   CNghttp2 imported (or <nghttp2/...> included) outside Sources/SekishoHTTP2
#                    and Sources/CNghttp2
#   socket-syscall   socket( bind( listen( accept( accept4( connect( setsockopt( recv( send(
#                    called as a free function (or as Glibc./Darwin./Musl.X) in Sources outside
#                    Sources/SekishoIO; a method on your own type is fine when written as
#                    `self.send(` or `value.send(`, or called bare in the file that declares
#                    it (`func send(`)
#   print-exit       print( / exit( in Sources outside the executables (Sources/sekisho,
#                    Sources/sekisho-bench, Sources/sekisho-fuzz-*): libraries log or throw
#   file-length      a .swift/.c/.h file in Sources or Tests longer than 800 lines
#   committed-secret a *.pem, *.key, *.p12, *.pfx, *.crl or *.der file tracked by git (test
#                    PKI is minted at test time by scripts/gen-test-pki.sh)
#
# Comments and string literals are blanked before matching, so doc comments that mention
# `accept(` and log messages that say "send(" do not count.
#
# Usage: scripts/lint.sh            (from anywhere inside the repository)
# Exit status: 0 clean, 1 violations found, 2 the lint itself could not run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v python3 >/dev/null 2>&1; then
    echo "lint.sh: python3 is required" >&2
    exit 2
fi

violations=0

# --- committed-secret -------------------------------------------------------------------------
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    while IFS= read -r tracked; do
        [ -n "$tracked" ] || continue
        echo "$tracked:1: [committed-secret] key/certificate material is tracked by git; mint it at test time (scripts/gen-test-pki.sh) instead"
        violations=$((violations + 1))
    done < <(git -C "$root" ls-files -- '*.pem' '*.key' '*.p12' '*.pfx' '*.crl' '*.der')
else
    echo "lint.sh: note: not a git work tree, committed-secret rule skipped" >&2
fi

# --- source rules (python: a small lexer blanks comments and strings first) -------------------
set +e
python3 - "$root" <<'PYLINT'
import os
import re
import sys

root = sys.argv[1]
MAX_LINES = 800
SYSCALLS = ["socket", "bind", "listen", "accept", "accept4", "connect", "setsockopt", "recv", "send"]
OUTPUT_CALLS = ["print", "exit"]
SYSTEM_MODULES = ["Glibc", "SwiftGlibc", "Darwin", "Musl", "Foundation"]

violations = []


def report(path, line, rule, reason):
    violations.append(f"{path}:{line}: [{rule}] {reason}")


STRING_OPEN = re.compile(r'(#*)("""|")')


def skip_string(text, i, hashes, quote):
    """Returns the index just past the string literal whose opening delimiter ends at i.
    Interpolations (`\\(...)`, or `\\#(...)` in raw strings) may nest further strings."""
    n = len(text)
    terminator = quote + hashes
    escape = "\\" + hashes
    while i < n:
        if text.startswith(escape, i):
            i += len(escape)
            if i < n and text[i] == "(":
                i = skip_parens(text, i + 1)
            else:
                i += 1
            continue
        if text.startswith(terminator, i):
            return i + len(terminator)
        if quote == '"' and text[i] == "\n":
            return i  # unterminated single-line literal: stop at the end of the line
        i += 1
    return n


def skip_parens(text, i):
    depth, n = 1, len(text)
    while i < n and depth:
        m = STRING_OPEN.match(text, i)
        if m:
            i = skip_string(text, m.end(), m.group(1), m.group(2))
            continue
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
        i += 1
    return i


def blanked(segment):
    return "".join("\n" if ch == "\n" else " " for ch in segment)


def blank_swift(text):
    """Replaces comment and string-literal contents with spaces, keeping newlines (and so
    line numbers). Handles nested block comments, multi-line, raw (#"..."#) and
    interpolated strings."""
    out = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
            continue
        if text.startswith("/*", i):
            depth, j = 1, i + 2  # Swift block comments nest
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blanked(text[i:j]))
            i = j
            continue
        m = STRING_OPEN.match(text, i)
        if m:
            j = skip_string(text, m.end(), m.group(1), m.group(2))
            out.append(blanked(text[i:j]))
            i = j
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def blank_c(text):
    out = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join("\n" if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif text[i] == '"' and not (i > 0 and text[i - 1] == "'"):
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            j = min(n, j + 1)
            out.append("".join("\n" if ch == "\n" else " " for ch in text[i:j]))
            i = j
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def target_of(rel):
    parts = rel.split(os.sep)
    return (parts[0], parts[1]) if len(parts) > 2 else (parts[0], "")


IMPORT_RE = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*"
    r"(?:(?:public|package|internal|fileprivate|private)\s+)?"
    r"import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?([A-Za-z_][A-Za-z0-9_]*)"
)
INCLUDE_RE = re.compile(r'^\s*#\s*(?:include|import)\s*[<"]([^>"]+)[>"]')
# A free-function call: not preceded by an identifier character or a dot, unless the dot
# follows a system module name (Glibc.send( is still the raw syscall).
CALL_PREFIX = "(?:(?<![\\w.])|" + "|".join(rf"(?<=\b{m}\.)" for m in SYSTEM_MODULES) + ")"
SYSCALL_RE = re.compile(CALL_PREFIX + "(" + "|".join(SYSCALLS) + r")\s*\(")
OUTPUT_RE = re.compile(CALL_PREFIX + "(" + "|".join(OUTPUT_CALLS) + r")\s*\(")
DECL_BEFORE = re.compile(r"(?:\bfunc|\bcase|\blet|\bvar|`)\s*$")

OPENSSL_HOMES = {"SekishoTLS", "CSekishoShims", "COpenSSL"}
NGHTTP2_HOMES = {"SekishoHTTP2", "CNghttp2"}


def is_executable_target(name):
    return name in ("sekisho", "sekisho-bench") or name.startswith("sekisho-fuzz-")


for top in ("Sources", "Tests"):
    base = os.path.join(root, top)
    if not os.path.isdir(base):
        continue
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith((".swift", ".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            area, target = target_of(rel)
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            line_count = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
            if line_count > MAX_LINES:
                report(rel, MAX_LINES + 1, "file-length",
                       f"{line_count} lines (limit {MAX_LINES}); split it by responsibility (one primary type per file)")

            is_swift = name.endswith(".swift")
            code = blank_swift(text) if is_swift else blank_c(text)
            raw_lines = text.split("\n")
            # A bare call to a name this file declares as a function (`func bind(...)`) calls
            # that function, not the syscall; module-qualified calls (Glibc.bind) still count.
            own_functions = set(re.findall(r"\bfunc\s+([A-Za-z_]\w*)\s*[<(]", code))
            for number, line in enumerate(code.split("\n"), start=1):
                # Import fences apply to Sources and Tests alike: a test that imports
                # COpenSSL couples itself to the C layer the same way a library would.
                m = IMPORT_RE.match(line) if is_swift else None
                if m:
                    module = m.group(1)
                    if module in ("COpenSSL", "CSekishoShims") and not (area == "Sources" and target in OPENSSL_HOMES):
                        report(rel, number, "import-openssl",
                               f"'import {module}' outside Sources/SekishoTLS; only SekishoTLS may touch OpenSSL")
                    if module == "CNghttp2" and not (area == "Sources" and target in NGHTTP2_HOMES):
                        report(rel, number, "import-nghttp2",
                               "'import CNghttp2' outside Sources/SekishoHTTP2; only SekishoHTTP2 may touch nghttp2")
                m = INCLUDE_RE.match(raw_lines[number - 1]) if not is_swift else None
                if m:
                    header = m.group(1)
                    if header.startswith("openssl/") and not (area == "Sources" and target in OPENSSL_HOMES):
                        report(rel, number, "import-openssl",
                               f"#include <{header}> outside the OpenSSL targets")
                    if header.startswith("nghttp2/") and not (area == "Sources" and target in NGHTTP2_HOMES):
                        report(rel, number, "import-nghttp2",
                               f"#include <{header}> outside the nghttp2 targets")
                if area != "Sources":
                    continue
                if target != "SekishoIO":
                    for call in SYSCALL_RE.finditer(line):
                        if DECL_BEFORE.search(line[: call.start()]):
                            continue  # a declaration (func send(...)), not a call
                        qualified = line[: call.start()].endswith(".")
                        if call.group(1) in own_functions and not qualified:
                            continue
                        report(rel, number, "socket-syscall",
                               f"'{call.group(1)}(' called outside Sources/SekishoIO; raw socket syscalls go through SekishoIO's Posix namespace"
                               f" (if it is a method of your own type, write self.{call.group(1)}(...))")
                if not is_executable_target(target):
                    for call in OUTPUT_RE.finditer(line):
                        if DECL_BEFORE.search(line[: call.start()]):
                            continue
                        report(rel, number, "print-exit",
                               f"'{call.group(1)}(' in a library target; log through swift-log or return/throw an error instead")

for v in violations:
    print(v)
sys.exit(1 if violations else 0)
PYLINT
status=$?
set -e

if [ "$status" -ge 2 ]; then
    echo "lint.sh: the source scanner failed (status $status)" >&2
    exit 2
fi
if [ "$status" -eq 1 ]; then
    violations=$((violations + 1))
fi

if [ "$violations" -ne 0 ]; then
    echo "lint.sh: violations found" >&2
    exit 1
fi
echo "lint.sh: clean"
