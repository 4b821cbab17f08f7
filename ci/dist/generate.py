#!/usr/bin/env python3
"""Writes the man page and the bash, zsh and fish completions from the CLI's own --help.

    generate.py BINARY VERSION SHARE_DIR

Generated at packaging time so they cannot drift from the options the binary really has. The date
of the man page is SOURCE_DATE_EPOCH's (the commit's), so the output is reproducible.
"""
import os
import re
import subprocess
import sys
import time

SUBCOMMANDS = ["collect", "clusters", "report", "version"]
# "  -o,--output TEXT:{table,json}=table   Description" (the description may be on the next line).
OPTION = re.compile(r"^  (-\w,)?(--[\w-]+)(\{[^}]*\})?(?: (\w+)(?::\{([^}]*)\})?.*?)?(?:\s{2,}(.*))?$")


def help_text(binary, *args):
    return subprocess.run([binary, *args, "--help"], check=True, capture_output=True, text=True).stdout


def parse_options(text):
    """[(short, long, takes_value, choices, description)] of one --help."""
    options, lines = [], text.splitlines()
    for i, line in enumerate(lines):
        m = OPTION.match(line)
        if not m or m.group(2) == "--help":
            continue
        short = m.group(1)[:-1] if m.group(1) else ""
        description = m.group(6) or (lines[i + 1].strip() if i + 1 < len(lines) else "")
        choices = m.group(5).split(",") if m.group(5) else []
        options.append((short, m.group(2), m.group(4) is not None, choices, description))
    return options


def summary_of(text):
    return text.splitlines()[0].strip()


def roff(s):
    return s.replace("\\", "\\e").replace("-", "\\-").replace("'", "\\(aq")


def man_page(version, top, commands):
    date = time.strftime("%Y-%m-%d", time.gmtime(int(os.environ.get("SOURCE_DATE_EPOCH", "0"))))
    out = [f'.TH KIND-MUST-GATHER 1 "{date}" "kind-must-gather {version}" "User Commands"',
           ".SH NAME", "kind\\-must\\-gather \\- " + roff(summary_of(top).split(": ", 1)[-1]),
           ".SH SYNOPSIS", ".B kind\\-must\\-gather", "[\\fIOPTIONS\\fR] [\\fISUBCOMMAND\\fR]",
           ".SH DESCRIPTION",
           "Finds every Kind cluster on the machine (by the io.x\\-k8s.kind.cluster label), gathers "
           "what explains a failure into one bundle (.tar.gz, .tar.zst or a folder) and writes "
           "REPORT.md naming the most likely root causes.",
           ".SH OPTIONS"]
    for short, long, value, choices, description in parse_options(top):
        names = (f"\\fB{roff(short)}\\fR, " if short else "") + f"\\fB{roff(long)}\\fR"
        if value:
            names += " \\fI" + ("|".join(choices) if choices else "VALUE") + "\\fR"
        out += [".TP", names, roff(description)]
    out.append(".SH SUBCOMMANDS")
    for name, text in commands.items():
        usage = next((l for l in text.splitlines() if l.startswith("Usage:")), "")
        out += [".TP", f"\\fB{name}\\fR", roff(summary_of(text)) + " " + roff(usage[len("Usage: "):])]
    out += [".SH EXIT STATUS",
            "0 complete; 1 bundle written but incomplete; 2 usage error; 3 nothing could be written; "
            "4 interrupted (partial bundle written).",
            ".SH SEE ALSO", "kind(1), kubectl(1)"]
    return "\n".join(out) + "\n"


def bash(top, commands):
    def words(text):
        return " ".join(filter(None, sum(([o[0], o[1]] for o in parse_options(text)), [])))
    cases = [f"    {name}) opts=\"{words(text)} --help\" ;;" for name, text in commands.items()]
    # Values of options with a fixed set, keyed "subcommand:option" (clusters' --output is a format,
    # collect's a path).
    choice_cases = [f"    {sub}:{o[1]}) opts=\"{' '.join(o[3])}\" ;;"
                    for sub, text in [("", top), *commands.items()] for o in parse_options(text) if o[3]]
    return f"""# bash completion for kind-must-gather (generated from --help by ci/dist/generate.py)
_kind_must_gather() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}} sub="" opts="" word
  for word in "${{COMP_WORDS[@]:1:COMP_CWORD-1}}"; do
    case "$word" in {"|".join(commands)}) sub=$word; break ;; esac
  done
  case "$sub:$prev" in
{chr(10).join(choice_cases)}
  esac
  if [ -n "$opts" ]; then
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    return
  fi
  case "$sub" in
{chr(10).join(cases)}
    *) opts="{words(top)} --help {" ".join(commands)}" ;;
  esac
  if [[ "$cur" == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}}
complete -o filenames -F _kind_must_gather kind-must-gather
"""


def zsh(top, commands):
    def args(text):
        lines = []
        for short, long, value, choices, description in parse_options(text):
            d = description.replace("'", "'\\''").replace("[", "\\[").replace("]", "\\]")
            action = (":value:(" + " ".join(choices) + ")") if choices else (":value:_files" if value else "")
            names = f"'({short} {long})'{{{short},{long}}}'" if short else f"'{long}"
            lines.append(f"    {names}[{d}]{action}'")
        return " \\\n".join(lines)
    subs = "\n".join(f"      '{n}:{summary_of(t)}'" for n, t in commands.items())
    cases = "\n".join(f"    {n}) _arguments \\\n{args(t) or '    --help'} ;;" for n, t in commands.items())
    return f"""#compdef kind-must-gather
# zsh completion for kind-must-gather (generated from --help by ci/dist/generate.py)
_kind-must-gather() {{
  local curcontext="$curcontext" state line
  local -a subcommands
  subcommands=(
{subs}
  )
  _arguments -C \\
{args(top)} \\
    '1: :->command' '*:: :->args'
  case $state in
  command) _describe 'subcommand' subcommands; _files ;;
  args)
    case $line[1] in
{cases}
    *) _files ;;
    esac ;;
  esac
}}
_kind-must-gather "$@"
"""


def fish(top, commands):
    out = ["# fish completion for kind-must-gather (generated from --help by ci/dist/generate.py)",
           "complete -c kind-must-gather -f"]
    for name, text in commands.items():
        out.append(f"complete -c kind-must-gather -n __fish_use_subcommand -a {name} "
                   f"-d '{summary_of(text)}'")
    def lines(text, condition):
        for short, long, value, choices, description in parse_options(text):
            d = description.replace("'", "\\'")
            spec = f"complete -c kind-must-gather -n '{condition}' -l {long[2:]}"
            spec += f" -s {short[1:]}" if short else ""
            spec += (f" -x -a '{' '.join(choices)}'" if choices else " -r -F" if value else "")
            out.append(spec + f" -d '{d}'")
    lines(top, "__fish_use_subcommand")
    for name, text in commands.items():
        lines(text, f"__fish_seen_subcommand_from {name}")
    out.append("complete -c kind-must-gather -n '__fish_seen_subcommand_from report' -F")
    return "\n".join(out) + "\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    binary, version, share = sys.argv[1:4]
    top = help_text(binary)
    commands = {name: help_text(binary, name) for name in SUBCOMMANDS}
    write(f"{share}/man/man1/kind-must-gather.1", man_page(version, top, commands))
    write(f"{share}/bash-completion/completions/kind-must-gather", bash(top, commands))
    write(f"{share}/zsh/site-functions/_kind-must-gather", zsh(top, commands))
    write(f"{share}/fish/vendor_completions.d/kind-must-gather.fish", fish(top, commands))


if __name__ == "__main__":
    main()
